//! The names the OpenAPI document gives request and response bodies. Every schema is derived
//! from the type a handler reads or sends (`ToSchema` on the DTO, `#[schema(as = ...)]` for its
//! name in the document), so the document cannot drift from the code; this module only names
//! them for `paths.rs`. The e2e suite also checks real responses against the document
//! (tests/tests/openapi.rs). Money is a JSON number, times are store-time strings.

use crate::dto::page::DrfPage;

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
pub use crate::routes::courses::view::StudyChapterView as StudyChapter;
pub use crate::routes::courses::view::StudyLessonView as StudyLesson;
pub use crate::routes::courses::view::TeacherView as Teacher;
pub use crate::routes::health::Liveness as Health;
pub use crate::routes::health::Readiness;
pub use crate::routes::home::BannerView as BannerItem;
pub use crate::routes::home::HomeForm;
pub use crate::routes::home::NavView as NavItem;
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
pub use crate::routes::payments::wechat::WechatPaymentView as WechatPayment;
pub use crate::routes::users::login::LoginForm;
pub use crate::routes::users::me::Profile;
pub use crate::routes::users::register::RegisterForm;
pub use crate::routes::users::sms::OutboxMessageView as OutboxMessage;
pub use crate::routes::users::sms::SmsAnswer;
pub use crate::routes::users::study::ProgressForm;
pub use crate::routes::users::study::ProgressRecorded;
pub use crate::routes::users::study::StudyCourseView as StudyCourse;
pub use crate::routes::users::study::UserCourseView as UserCourse;
pub use crate::routes::users::TokenResponse;
pub use luffy_web::reconciliation_view::FindingView as ReconciliationFinding;
pub use luffy_web::reconciliation_view::ReconciliationView as Reconciliation;
pub use luffy_web::reconciliation_view::RunRequest as RunReconciliation;

/// Every error body (`ApiError` renders it).
pub type ErrorBody = crate::error::ErrorBody<'static>;

/// A DRF page of courses.
pub type CoursePage = DrfPage<Course>;

/// A DRF page of course cards.
pub type CourseCardPage = DrfPage<CourseCard>;

/// A DRF page of refunds.
pub type RefundPage = DrfPage<Refund>;

/// A DRF page of every buyer's orders.
pub type AdminOrderPage = DrfPage<AdminOrder>;

/// A DRF page of orders.
pub type OrderPage = DrfPage<Order>;

/// A DRF page of the learner's courses.
pub type UserCoursePage = DrfPage<UserCourse>;

/// A DRF page of reconciled days.
pub type ReconciliationPage = DrfPage<Reconciliation>;

/// A DRF page of dead jobs.
pub type DeadJobPage = DrfPage<DeadJobDetail>;

/// A DRF page of coupons.
pub type AdminCouponPage = DrfPage<AdminCoupon>;

/// A DRF page of grants.
pub type GrantPage = DrfPage<GrantEntry>;

/// A DRF page of accounts.
pub type AdminUserPage = DrfPage<AdminUser>;

/// A DRF page of ledger rows.
pub type LedgerPage = DrfPage<LedgerLine>;

/// A DRF page of audit entries.
pub type AuditPage = DrfPage<AuditEntry>;

/// A DRF page of courses.
pub type AdminCoursePage = DrfPage<AdminCourse>;

/// A DRF page of promotions.
pub type AdminPromotionPage = DrfPage<AdminPromotion>;
