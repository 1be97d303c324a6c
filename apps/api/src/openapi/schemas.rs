//! The shapes of request and response bodies, as the OpenAPI document describes them. The e2e
//! suite checks real responses against these (tests/tests/openapi.rs), so they cannot drift
//! from what the handlers send. Money is a JSON number, times are store-time strings.

#![allow(dead_code)]

use serde::Serialize;
use utoipa::ToSchema;

pub use crate::dto::message::CartTotal;
pub use crate::dto::message::Message;
pub use crate::dto::refund::RefundView as Refund;
pub use crate::routes::admin::adjust_credit::CreditAdjusted as CreditSet;
pub use crate::routes::admin::adjust_credit::CreditForm;
pub use crate::routes::admin::audit::AuditView as AuditEntry;
pub use crate::routes::admin::catalog::AdminCourseView as AdminCourse;
pub use crate::routes::admin::catalog::ChapterForm;
pub use crate::routes::admin::catalog::ChapterView as AdminChapter;
pub use crate::routes::admin::catalog::CourseForm;
pub use crate::routes::admin::catalog::LessonForm;
pub use crate::routes::admin::catalog::LessonView as AdminLesson;
pub use crate::routes::admin::catalog::PromotionForm;
pub use crate::routes::admin::catalog::PromotionView as AdminPromotion;
pub use crate::routes::admin::catalog::TeacherForm;
pub use crate::routes::admin::catalog::TeacherView as AdminTeacher;
pub use crate::routes::admin::coupons::AdminCouponView as AdminCoupon;
pub use crate::routes::admin::coupons::CouponChangeForm as CouponChangeBody;
pub use crate::routes::admin::coupons::GrantView as GrantEntry;
pub use crate::routes::admin::create_coupon::CouponForm;
pub use crate::routes::admin::dead_jobs::DeadJobView as DeadJobDetail;
pub use crate::routes::admin::grant_coupon::GrantForm;
pub use crate::routes::admin::grant_coupon::Granted;
pub use crate::routes::admin::job_stats::DeadJobView as DeadJob;
pub use crate::routes::admin::job_stats::JobCountView as JobCount;
pub use crate::routes::admin::job_stats::JobStatsView as JobStats;
pub use crate::routes::admin::orders::AdminOrderView as AdminOrder;
pub use crate::routes::admin::orders::JobView as OrderJobEntry;
pub use crate::routes::admin::orders::OrderDossierView as AdminOrderDossier;
pub use crate::routes::admin::orders::PaymentView as OrderPaymentEntry;
pub use crate::routes::admin::orders::TimelineView as TimelineEntry;
pub use crate::routes::admin::refunds::RejectForm;
pub use crate::routes::admin::taxonomy::CategoryForm as CategoryBody;
pub use crate::routes::admin::taxonomy::CategoryView as AdminCategory;
pub use crate::routes::admin::taxonomy::DirectionForm as DirectionBody;
pub use crate::routes::admin::taxonomy::DirectionView as AdminDirection;
pub use crate::routes::admin::top_up::TopUpForm;
pub use crate::routes::admin::top_up::TopUpView as ToppedUp;
pub use crate::routes::admin::update_user::AccountForm;
pub use crate::routes::admin::update_user::AccountView as Account;
pub use crate::routes::admin::upload::UploadedView as UploadedImage;
pub use crate::routes::admin::users::LedgerLineView as LedgerLine;
pub use crate::routes::admin::users::UserView as AdminUser;
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
