//! The operators' audit trail: who changed what, when, and the row before and after. Each entry
//! is written by the store in the same transaction as the change it records, so a change and
//! its entry exist together or not at all.

use std::future::Future;

use chrono::{DateTime, Utc};
use luffy_common::{Page, PageRequest, StorageError, UserId};

/// The audited actions, as stored in `audit_log.action`.
pub mod actions {
    /// An operator created a coupon.
    pub const COUPON_CREATE: &str = "coupon.create";
    /// An operator changed a coupon (name, window, stock, per-user limit, switch).
    pub const COUPON_UPDATE: &str = "coupon.update";
    /// An operator granted a coupon to users.
    pub const COUPON_GRANT: &str = "coupon.grant";
    /// An operator revoked an unused grant.
    pub const GRANT_REVOKE: &str = "coupon_grant.revoke";
    /// An operator activated, deactivated, granted or revoked staff.
    pub const USER_STATE: &str = "user.state";
    /// An operator set a points balance.
    pub const USER_CREDIT: &str = "user.credit";
    /// An operator topped a balance up.
    pub const USER_BALANCE: &str = "user.balance";
    /// An operator created a course direction.
    pub const DIRECTION_CREATE: &str = "direction.create";
    /// An operator renamed a course direction.
    pub const DIRECTION_UPDATE: &str = "direction.update";
    /// An operator created a course category.
    pub const CATEGORY_CREATE: &str = "category.create";
    /// An operator renamed or moved a course category.
    pub const CATEGORY_UPDATE: &str = "category.update";
    /// An operator sent a dead job again.
    pub const JOB_RETRY: &str = "job.retry";
    /// An operator created a teacher.
    pub const TEACHER_CREATE: &str = "teacher.create";
    /// An operator changed a teacher.
    pub const TEACHER_UPDATE: &str = "teacher.update";
    /// An operator created a course.
    pub const COURSE_CREATE: &str = "course.create";
    /// An operator changed a course.
    pub const COURSE_UPDATE: &str = "course.update";
    /// An operator added a chapter.
    pub const CHAPTER_CREATE: &str = "chapter.create";
    /// An operator added a lesson.
    pub const LESSON_CREATE: &str = "lesson.create";
    /// An operator changed a chapter (name, summary, position, shown).
    pub const CHAPTER_UPDATE: &str = "chapter.update";
    /// An operator changed a lesson (name, duration, position, free, shown).
    pub const LESSON_UPDATE: &str = "lesson.update";
    /// An operator created a promotion.
    pub const PROMOTION_CREATE: &str = "promotion.create";
    /// An operator changed a promotion.
    pub const PROMOTION_UPDATE: &str = "promotion.update";
    /// An operator refunded an order.
    pub const REFUND_CREATE: &str = "refund.create";
    /// An operator approved a refund request.
    pub const REFUND_APPROVE: &str = "refund.approve";
    /// An operator rejected a refund request.
    pub const REFUND_REJECT: &str = "refund.reject";
    /// A home navigation item was created.
    pub const NAV_CREATE: &str = "nav.create";
    /// A home navigation item was changed.
    pub const NAV_UPDATE: &str = "nav.update";
    /// A banner was created.
    pub const BANNER_CREATE: &str = "banner.create";
    /// A banner was changed.
    pub const BANNER_UPDATE: &str = "banner.update";
}

/// The audited kinds of row, as stored in `audit_log.entity`.
pub mod entities {
    /// A `coupons` row.
    pub const COUPON: &str = "coupon";
    /// A `coupon_logs` row (a grant).
    pub const COUPON_GRANT: &str = "coupon_grant";
    /// A `users` row (without its password hash).
    pub const USER: &str = "user";
    /// A `course_directions` row.
    pub const DIRECTION: &str = "direction";
    /// A `course_categories` row.
    pub const CATEGORY: &str = "category";
    /// A `jobs` row.
    pub const JOB: &str = "job";
    /// A `teachers` row.
    pub const TEACHER: &str = "teacher";
    /// A `courses` row.
    pub const COURSE: &str = "course";
    /// A `course_chapters` row.
    pub const CHAPTER: &str = "chapter";
    /// A `course_lessons` row.
    pub const LESSON: &str = "lesson";
    /// A promotion: an `activities` row with its rule and linked courses.
    pub const PROMOTION: &str = "promotion";
    /// A `refunds` row.
    pub const REFUND: &str = "refund";
    /// A home navigation item.
    pub const NAV: &str = "nav";
    /// A home banner.
    pub const BANNER: &str = "banner";
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Id.
    pub id: i64,
    /// The operator.
    pub actor: UserId,
    /// What was done (see [`actions`]).
    pub action: String,
    /// What kind of row (see [`entities`]).
    pub entity: String,
    /// Which row.
    pub entity_id: i64,
    /// The row before, as JSON text (`None` when it was created).
    pub before: Option<String>,
    /// The row after, as JSON text (`None` when it was deleted).
    pub after: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Which entries to list, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this operator's.
    pub actor: Option<UserId>,
    /// Only this kind of row.
    pub entity: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
    /// The page.
    pub page: PageRequest,
}

/// Reading the audit trail (the writes happen inside each audited change's transaction).
pub trait AuditStore: Send + Sync {
    /// One page of entries matching the query, newest first.
    fn list(
        &self,
        query: &AuditQuery,
    ) -> impl Future<Output = Result<Page<AuditEntry>, StorageError>> + Send;
}

/// The audit trail for operators.
#[derive(Clone)]
pub struct AuditService<S> {
    store: S,
}

impl<S: AuditStore> AuditService<S> {
    /// Wires the store.
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// One page of entries matching the query, newest first.
    pub async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, StorageError> {
        self.store.list(query).await
    }
}
