//! The shapes of request and response bodies, as the OpenAPI document describes them. The e2e
//! suite checks real responses against these (tests/tests/openapi.rs), so they cannot drift
//! from what the handlers send. Money is a JSON number, times are store-time strings.

#![allow(dead_code)]

use serde::Serialize;
use utoipa::ToSchema;

pub use crate::dto::message::CartTotal;
pub use crate::dto::message::Message;
pub use crate::dto::refund::RefundView as Refund;
pub use crate::routes::admin::adjust_credit::CreditForm;
pub use crate::routes::admin::catalog::ChapterForm;
pub use crate::routes::admin::catalog::CourseForm;
pub use crate::routes::admin::catalog::LessonForm;
pub use crate::routes::admin::catalog::PromotionForm;
pub use crate::routes::admin::catalog::TeacherForm;
pub use crate::routes::admin::coupons::CouponChangeForm as CouponChangeBody;
pub use crate::routes::admin::create_coupon::CouponForm;
pub use crate::routes::admin::grant_coupon::GrantForm;
pub use crate::routes::admin::grant_coupon::Granted;
pub use crate::routes::admin::refunds::RejectForm;
pub use crate::routes::admin::taxonomy::CategoryForm as CategoryBody;
pub use crate::routes::admin::taxonomy::DirectionForm as DirectionBody;
pub use crate::routes::admin::top_up::TopUpForm;
pub use crate::routes::admin::update_user::AccountForm;
pub use crate::routes::cart::add::AddForm as CartAddForm;
pub use crate::routes::cart::select_all::SelectAllForm as CartSelectAllForm;
pub use crate::routes::cart::toggle::ToggleForm as CartToggleForm;
pub use crate::routes::cart::view::CartItemView as CartItem;
pub use crate::routes::cart::view::CartListResponse as CartList;
pub use crate::routes::coupons::claim::ClaimForm;
pub use crate::routes::coupons::claim::Claimed;
pub use crate::routes::coupons::enable::EnabledCoupons;
pub use crate::routes::coupons::view::CouponItem;
pub use crate::routes::courses::chapters::ChapterView as Chapter;
pub use crate::routes::courses::chapters::LessonView as Lesson;
pub use crate::routes::courses::view::CourseCardView as CourseCard;
pub use crate::routes::courses::view::CourseDetailView as CourseDetail;
pub use crate::routes::courses::view::CourseView as Course;
pub use crate::routes::courses::view::DiscountView as Discount;
pub use crate::routes::courses::view::NamedRef as Named;
pub use crate::routes::courses::view::TeacherView as Teacher;
pub use crate::routes::health::Liveness as Health;
pub use crate::routes::health::Readiness;
pub use crate::routes::orders::cancel::CancelledView as Cancelled;
pub use crate::routes::orders::create::CreatedOrderView as CreatedOrder;
pub use crate::routes::orders::form::CheckoutForm;
pub use crate::routes::orders::quote::QuoteLineView as QuoteLine;
pub use crate::routes::orders::quote::QuoteView as Quote;
pub use crate::routes::orders::rebuy::RebuyView as Rebuy;
pub use crate::routes::orders::rebuy::SkippedView as SkippedCourse;
pub use crate::routes::orders::refund::RefundForm;
pub use crate::routes::orders::view::CouponSummaryView as OrderCoupon;
pub use crate::routes::orders::view::OrderCourseView as OrderCourse;
pub use crate::routes::orders::view::OrderView as Order;
pub use crate::routes::payments::balance::BalancePaid;
pub use crate::routes::payments::pay_link::PayLinkView as PayLink;
pub use crate::routes::payments::result::PaidCourseView as ResultCourse;
pub use crate::routes::payments::result::PaymentResultView as PaymentResult;
pub use crate::routes::users::login::LoginForm;
pub use crate::routes::users::me::Profile;
pub use crate::routes::users::register::RegisterForm;
pub use crate::routes::users::TokenResponse;

/// Every error: a Chinese message in the tutorial's style.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for the user.
    pub errmsg: String,
}

/// A DRF page of courses.
#[derive(Serialize, ToSchema)]
pub struct CoursePage {
    /// All matching.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<Course>,
}

/// A DRF page of course cards.
#[derive(Serialize, ToSchema)]
pub struct CourseCardPage {
    /// All matching.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<CourseCard>,
}

/// A DRF page of refunds.
#[derive(Serialize, ToSchema)]
pub struct RefundPage {
    /// All matching.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<Refund>,
}

/// An order as operators see it: the buyer's order plus its buyer.
#[derive(Serialize, ToSchema)]
pub struct AdminOrder {
    /// The buyer.
    pub user_id: i64,
    /// The order.
    #[serde(flatten)]
    pub order: Order,
}

/// A DRF page of every buyer's orders.
#[derive(Serialize, ToSchema)]
pub struct AdminOrderPage {
    /// All matching.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<AdminOrder>,
}

/// A payment recorded for an order.
#[derive(Serialize, ToSchema)]
pub struct OrderPaymentEntry {
    /// Id.
    pub id: i64,
    /// alipay or balance.
    pub channel: String,
    /// Gateway trade number.
    pub trade_no: String,
    /// Amount.
    pub amount: f64,
    /// paid, refund_pending or refunded.
    pub status: String,
    /// When recorded (store timezone).
    pub created_time: String,
}

/// A job of an order.
#[derive(Serialize, ToSchema)]
pub struct OrderJobEntry {
    /// Id.
    pub id: i64,
    /// order_timeout, alipay_close or alipay_refund.
    pub kind: String,
    /// pending, running, done or dead.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// The last failure.
    pub last_error: Option<String>,
    /// Created (store timezone).
    pub created_time: String,
    /// Last changed.
    pub updated_time: String,
}

/// One step of an order's life.
#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    /// When (store timezone).
    pub time: String,
    /// What happened.
    pub event: String,
}

/// `GET /admin/orders/{id}/`.
#[derive(Serialize, ToSchema)]
pub struct AdminOrderDossier {
    /// The buyer.
    pub user_id: i64,
    /// The buyer's username.
    pub username: String,
    /// The buyer's mobile.
    pub mobile: String,
    /// The order.
    #[serde(flatten)]
    pub order: Order,
    /// Its payments, oldest first.
    pub payments: Vec<OrderPaymentEntry>,
    /// Its jobs, oldest first.
    pub jobs: Vec<OrderJobEntry>,
    /// Its life, in time order.
    pub timeline: Vec<TimelineEntry>,
}

/// A DRF page of orders.
#[derive(Serialize, ToSchema)]
pub struct OrderPage {
    /// All matching.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<Order>,
}

/// A job that failed for good, with its input.
#[derive(Serialize, ToSchema)]
pub struct DeadJobDetail {
    /// Id.
    pub id: i64,
    /// Which handler ran it: order_timeout, alipay_close, alipay_refund.
    pub kind: String,
    /// Its input.
    pub payload: serde_json::Value,
    /// Attempts made.
    pub attempts: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
    /// The last failure.
    pub last_error: String,
    /// The order it concerns.
    pub order_id: Option<i64>,
    /// When it died, in the store timezone.
    pub failed_time: String,
}

/// A DRF page of dead jobs.
#[derive(Serialize, ToSchema)]
pub struct DeadJobPage {
    /// All dead jobs.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<DeadJobDetail>,
}

/// A coupon as operators see it; the list adds its stock counts.
#[derive(Serialize, ToSchema)]
pub struct AdminCoupon {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// 1 reduction, 2 percent.
    pub discount: i64,
    /// 满减 or 折扣.
    pub get_discount_display: String,
    /// 0 all, 1 directions, 2 categories, 3 courses.
    pub coupon_type: i64,
    /// Its display name.
    pub get_coupon_type_display: String,
    /// The sale formula.
    pub sale: String,
    /// Minimum price.
    pub condition: i64,
    /// Issued in all.
    pub total: i64,
    /// Left.
    pub has_total: i64,
    /// Per-user limit.
    pub per_limit: i64,
    /// 0 granted by operators, 1 self-claim.
    pub get_type: i64,
    /// Valid from (store timezone).
    pub start_time: String,
    /// Valid until.
    pub end_time: String,
    /// Switched on.
    pub is_enabled: bool,
    /// Grants made (list only).
    pub granted: Option<i64>,
    /// Grants used by paid orders (list only).
    pub used: Option<i64>,
    /// Grants held by unpaid orders (list only).
    pub reserved: Option<i64>,
}

/// A DRF page of coupons.
#[derive(Serialize, ToSchema)]
pub struct AdminCouponPage {
    /// All coupons.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<AdminCoupon>,
}

/// One grant of a coupon.
#[derive(Serialize, ToSchema)]
pub struct GrantEntry {
    /// Grant id.
    pub id: i64,
    /// Holder.
    pub user_id: i64,
    /// Holder's username.
    pub username: String,
    /// The order holding or having used it.
    pub order_id: Option<i64>,
    /// 0 unused, 1 used, 2 expired.
    pub use_status: i64,
    /// When its order was paid.
    pub use_time: Option<String>,
    /// When it was granted.
    pub created_time: String,
}

/// A DRF page of grants.
#[derive(Serialize, ToSchema)]
pub struct GrantPage {
    /// All grants of the coupon.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<GrantEntry>,
}

/// A course direction.
#[derive(Serialize, ToSchema)]
pub struct AdminDirection {
    /// Id.
    pub id: i64,
    /// Name (unique).
    pub name: String,
}

/// A course category.
#[derive(Serialize, ToSchema)]
pub struct AdminCategory {
    /// Id.
    pub id: i64,
    /// Name (unique).
    pub name: String,
    /// Its direction.
    pub direction_id: i64,
}

/// An account as operators see it.
#[derive(Serialize, ToSchema)]
pub struct AdminUser {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Mobile.
    pub mobile: String,
    /// Balance (yuan).
    pub money: f64,
    /// Points.
    pub credit: i32,
    /// May log in.
    pub is_active: bool,
    /// May use operator routes.
    pub is_staff: bool,
}

/// A DRF page of accounts.
#[derive(Serialize, ToSchema)]
pub struct AdminUserPage {
    /// All matching.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<AdminUser>,
}

/// One ledger row.
#[derive(Serialize, ToSchema)]
pub struct LedgerLine {
    /// Id.
    pub id: i64,
    /// Operation code.
    pub operation: i64,
    /// 业务增值, 购物消费, 系统赠送, 订单退还 (points) or 充值, 支付, 退款 (balance).
    pub get_operation_display: String,
    /// Signed change: points, or yuan.
    pub change: f64,
    /// The order involved.
    pub order_id: Option<i64>,
    /// Why.
    pub remark: String,
    /// When, in the store timezone.
    pub created_time: String,
}

/// A DRF page of ledger rows.
#[derive(Serialize, ToSchema)]
pub struct LedgerPage {
    /// All rows of this ledger.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<LedgerLine>,
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    /// Id.
    pub id: i64,
    /// The operator.
    pub actor_id: i64,
    /// What was done: coupon.create, coupon.grant, coupon_grant.revoke, user.state, user.credit, user.balance.
    pub action: String,
    /// What kind of row: coupon, coupon_grant, user.
    pub entity: String,
    /// Which row.
    pub entity_id: i64,
    /// The row before (null when created).
    pub before: Option<serde_json::Value>,
    /// The row after (null when deleted).
    pub after: Option<serde_json::Value>,
    /// When, in the store timezone.
    pub created_time: String,
}

/// A DRF page of audit entries.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    /// All matching.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<AuditEntry>,
}

/// Credit answer.
#[derive(Serialize, ToSchema)]
pub struct CreditSet {
    /// Message.
    pub errmsg: String,
    /// Before.
    pub old_credit: i64,
    /// After.
    pub credit: i64,
}

/// Top-up answer.
#[derive(Serialize, ToSchema)]
pub struct ToppedUp {
    /// Message.
    pub errmsg: String,
    /// New balance.
    pub money: f64,
}

/// Account answer.
#[derive(Serialize, ToSchema)]
pub struct Account {
    /// User id.
    pub id: i64,
    /// Active.
    pub is_active: bool,
    /// Staff.
    pub is_staff: bool,
}

/// A job count.
#[derive(Serialize, ToSchema)]
pub struct JobCount {
    /// Kind.
    pub kind: String,
    /// Status.
    pub status: String,
    /// How many.
    pub count: i64,
}

/// A dead job.
#[derive(Serialize, ToSchema)]
pub struct DeadJob {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Attempts made.
    pub attempts: i64,
    /// Last error.
    pub last_error: Option<String>,
}

/// `GET /admin/jobs/`.
#[derive(Serialize, ToSchema)]
pub struct JobStats {
    /// By kind and status.
    pub counts: Vec<JobCount>,
    /// Pending and due.
    pub due: i64,
    /// Age of the oldest due job.
    pub oldest_due_age_secs: Option<f64>,
    /// Dead jobs.
    pub dead: Vec<DeadJob>,
}

/// A teacher.
#[derive(Serialize, ToSchema)]
pub struct AdminTeacher {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Title (职位).
    pub title: String,
    /// 0 讲师, 1 导师, 2 班主任.
    pub role: i64,
    /// Introduction.
    pub brief: String,
    /// Avatar path or URL.
    pub avatar: String,
    /// Shown to buyers.
    pub is_show: bool,
}

/// A course as operators see it.
#[derive(Serialize, ToSchema)]
pub struct AdminCourse {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Direction.
    pub direction_id: i64,
    /// Category of that direction.
    pub category_id: i64,
    /// Teacher.
    pub teacher_id: Option<i64>,
    /// List price.
    pub price: f64,
    /// Points cap per order.
    pub credit: i64,
    /// 0 付费, 1 VIP, 2 学位.
    pub course_type: i64,
    /// 0 初级, 1 中级, 2 高级.
    pub level: i64,
    /// Description.
    pub description: String,
    /// Cover path or URL.
    pub course_cover: String,
    /// Video path or URL.
    pub course_video: String,
    /// Listed.
    pub is_show: bool,
    /// Withdrawn for good.
    pub is_deleted: bool,
    /// Lessons shown.
    pub lessons: i64,
}

/// A DRF page of courses.
#[derive(Serialize, ToSchema)]
pub struct AdminCoursePage {
    /// All matching.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<AdminCourse>,
}

/// A lesson.
#[derive(Serialize, ToSchema)]
pub struct AdminLesson {
    /// Id.
    pub id: i64,
    /// Position.
    pub orders: i64,
    /// Name.
    pub name: String,
    /// Duration text.
    pub duration: String,
    /// Free to watch.
    pub free_trail: bool,
    /// Shown.
    pub is_show: bool,
}

/// A chapter with its lessons.
#[derive(Serialize, ToSchema)]
pub struct AdminChapter {
    /// Id.
    pub id: i64,
    /// Course.
    pub course_id: i64,
    /// Position.
    pub orders: i64,
    /// Name.
    pub name: String,
    /// Summary.
    pub summary: String,
    /// Shown.
    pub is_show: bool,
    /// Lessons in order.
    pub lessons: Vec<AdminLesson>,
}

/// A promotion.
#[derive(Serialize, ToSchema)]
pub struct AdminPromotion {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `0`, `*0.xx` or `-N`.
    pub sale: String,
    /// 限时免费, 限时折扣 or 限时减免.
    pub discount_type: String,
    /// Minimum list price in yuan.
    pub condition: i64,
    /// Store time.
    pub start_time: String,
    /// Store time.
    pub end_time: String,
    /// Linked courses.
    pub course_ids: Vec<i64>,
}

/// A DRF page of promotions.
#[derive(Serialize, ToSchema)]
pub struct AdminPromotionPage {
    /// All.
    pub count: u64,
    /// Next page URL.
    pub next: Option<String>,
    /// Previous page URL.
    pub previous: Option<String>,
    /// This page.
    pub results: Vec<AdminPromotion>,
}

/// `POST /admin/uploads/{kind}/`.
#[derive(Serialize, ToSchema)]
pub struct UploadedImage {
    /// The site path to put in `course_cover` or `avatar`.
    pub path: String,
    /// Its absolute URL.
    pub url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}
