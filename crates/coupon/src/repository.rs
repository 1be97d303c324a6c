//! The coupon storage port. Grants and claims decrement `has_total` atomically and never
//! below zero; the adapter runs each operation in one transaction.

use std::future::Future;

use chrono::{DateTime, Utc};
use luffy_common::{Page, PageRequest, StorageError, UserId};

use crate::coupon::Coupon;
use crate::grant::UserCoupon;
use crate::new_coupon::NewCoupon;

/// Why a grant was refused.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// No such coupon.
    #[error("优惠券不存在!")]
    CouponNotFound,
    /// One of the users does not exist.
    #[error("用户不存在!")]
    UserNotFound,
    /// Fewer left than users to grant to; nothing was granted.
    #[error("优惠券已发放完毕!")]
    SoldOut,
    /// A user would exceed `per_limit`; nothing was granted.
    #[error("超过每人限领数量!")]
    LimitReached,
    /// The coupon is switched off.
    #[error("优惠券已停用!")]
    Disabled,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A coupon with how its stock is spent, as operators list it.
#[derive(Debug, Clone, PartialEq)]
pub struct CouponStats {
    /// The coupon (its `has_total` is what is left).
    pub coupon: Coupon,
    /// Grants made and not revoked.
    pub granted: i64,
    /// Grants used by a paid order.
    pub used: i64,
    /// Grants held by an unpaid order.
    pub reserved: i64,
}

/// One grant, as operators list a coupon's grants.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantRecord {
    /// The grant id.
    pub id: i64,
    /// Who holds it.
    pub user: UserId,
    /// Their username.
    pub username: String,
    /// The order holding or having used it.
    pub order_id: Option<i64>,
    /// 0 unused, 1 used, 2 expired.
    pub use_status: i16,
    /// When its order was paid.
    pub use_time: Option<DateTime<Utc>>,
    /// When it was granted.
    pub granted_at: DateTime<Utc>,
}

/// What an operator changes on a coupon; unset fields are kept. Validate with
/// [`CouponChange::validate`] before storing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CouponChange {
    /// New name (1 to 64 characters).
    pub name: Option<String>,
    /// New start of the window.
    pub starts_at: Option<DateTime<Utc>>,
    /// New end of the window.
    pub ends_at: Option<DateTime<Utc>>,
    /// New stock (issued in all); what is left moves by the same difference and may not go
    /// below zero.
    pub total: Option<i32>,
    /// New per-user limit (at least 1).
    pub per_limit: Option<i32>,
    /// Switch on or off.
    pub enabled: Option<bool>,
}

impl CouponChange {
    /// Refuses an empty change and values no coupon may have; what depends on the stored
    /// coupon (the merged window, the stock left) the store checks with guarded updates.
    pub fn validate(&self) -> Result<(), UpdateCouponError> {
        let invalid = |field: &'static str, text: &str| {
            Err(UpdateCouponError::Invalid {
                field,
                message: text.to_owned(),
            })
        };
        if *self == Self::default() {
            return invalid("", "请至少修改一项!");
        }
        if let Some(name) = &self.name {
            let length = name.trim().chars().count();
            if length == 0 || length > 64 {
                return invalid("name", "优惠券名称长度应为1到64个字符!");
            }
        }
        if matches!(self.total, Some(total) if total < 0) {
            return invalid("total", "参数 total 不能为负数!");
        }
        if matches!(self.per_limit, Some(limit) if limit < 1) {
            return invalid("per_limit", "参数 per_limit 至少为1!");
        }
        if let (Some(start), Some(end)) = (self.starts_at, self.ends_at) {
            if start >= end {
                return invalid("end_time", "优惠券的结束时间必须晚于开始时间!");
            }
        }
        Ok(())
    }
}

/// Why a coupon change was refused (nothing is written).
#[derive(Debug, thiserror::Error)]
pub enum UpdateCouponError {
    /// No such coupon.
    #[error("优惠券不存在!")]
    NotFound,
    /// A value or combination no coupon may have (400); `field` names the body field (empty
    /// when the refusal is about the whole change).
    #[error("{message}")]
    Invalid {
        /// The body field at fault.
        field: &'static str,
        /// The message shown.
        message: String,
    },
    /// The window would end before it starts.
    #[error("优惠券的结束时间必须晚于开始时间!")]
    EmptyWindow,
    /// Fewer would be issued than are granted already.
    #[error("发行总量不能少于已发放的数量!")]
    StockBelowGranted,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl UpdateCouponError {
    /// The body field a refusal is about, so a form can show the message beside it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } if !field.is_empty() => Some(field),
            Self::EmptyWindow => Some("end_time"),
            Self::StockBelowGranted => Some("total"),
            _ => None,
        }
    }
}

/// Why a coupon could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateCouponError {
    /// A scope id names no direction, category or course.
    #[error("优惠券适用范围中有不存在的方向、分类或课程!")]
    UnknownScope,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why a revoke was refused.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// No such grant.
    #[error("优惠券记录不存在!")]
    NotFound,
    /// The grant is used or reserved by an order.
    #[error("优惠券已使用或已被订单占用,无法撤回!")]
    InUse,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why a self-claim was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// No such coupon.
    #[error("优惠券不存在!")]
    CouponNotFound,
    /// The coupon is operator-granted only.
    #[error("该优惠券不能自行领取!")]
    NotClaimable,
    /// Outside the validity window.
    #[error("优惠券不在有效期内!")]
    NotValid,
    /// None left.
    #[error("优惠券已发放完毕!")]
    SoldOut,
    /// The user holds `per_limit` already.
    #[error("超过每人限领数量!")]
    LimitReached,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Coupon storage. The operator writes (`create`, `grant`, `revoke`) record an audit entry
/// for `actor` in their own transaction.
pub trait CouponStore: Send + Sync {
    /// A user's grants that are available at `now` (unused, unreserved, in window), newest
    /// first. Errors: `Storage`.
    fn available_for(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<UserCoupon>, StorageError>> + Send;

    /// Inserts a coupon with its scope links in one transaction. Errors: `UnknownScope` when a
    /// scope id names nothing (and nothing is written); `Storage`.
    fn create(
        &self,
        actor: UserId,
        coupon: NewCoupon,
    ) -> impl Future<Output = Result<Coupon, CreateCouponError>> + Send;

    /// Grants one coupon to each user, decrementing `has_total` by the number of users in the
    /// same transaction (all or nothing). Returns the new grant ids.
    fn grant(
        &self,
        actor: UserId,
        coupon_id: i64,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<i64>, GrantError>> + Send;

    /// Deletes an unused, unreserved grant and gives its unit back to `has_total`.
    fn revoke(
        &self,
        actor: UserId,
        grant_id: i64,
    ) -> impl Future<Output = Result<(), RevokeError>> + Send;

    /// Coupons with their stock counts, newest first.
    fn list(
        &self,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<CouponStats>, StorageError>> + Send;

    /// One coupon with its stock counts; `None` when it does not exist.
    fn stats(
        &self,
        coupon_id: i64,
    ) -> impl Future<Output = Result<Option<CouponStats>, StorageError>> + Send;

    /// A coupon's grants, newest first; `None` when the coupon does not exist.
    fn grants(
        &self,
        coupon_id: i64,
        page: PageRequest,
    ) -> impl Future<Output = Result<Option<Page<GrantRecord>>, StorageError>> + Send;

    /// Applies a validated change under the coupon's row lock, audited for `actor`. Errors:
    /// `NotFound`, `EmptyWindow`, `StockBelowGranted`.
    fn update(
        &self,
        actor: UserId,
        coupon_id: i64,
        change: &CouponChange,
    ) -> impl Future<Output = Result<Coupon, UpdateCouponError>> + Send;

    /// A user claims a self-claim coupon, respecting `per_limit` and `has_total` under
    /// concurrency. Returns the grant id.
    fn claim(
        &self,
        user: UserId,
        coupon_id: i64,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<i64, ClaimError>> + Send;
}
