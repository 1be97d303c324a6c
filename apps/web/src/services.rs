//! The domain services as wired to their production adapters (PostgreSQL and Redis through
//! `luffy-store`, the system clock): the types the API's state and the console's state hold.

use luffy_account::{AccountService, AuditService};
use luffy_cart::CartService;
use luffy_catalog::{CatalogAdminService, CatalogService, TaxonomyService, UploadService};
use luffy_common::SystemClock;
use luffy_coupon::CouponService;
use luffy_order::{CheckoutService, OrderService, PaymentService, RebuyService, RefundService};
use luffy_scheduler::JobService;
use luffy_store::{
    FsMedia, PgAudit, PgCatalog, PgCatalogAdmin, PgCoupons, PgJobs, PgOrderStore, PgUsers,
    RedisAccountCache, RedisCarts,
};

/// The cart service wired to its production adapters.
pub type Carts = CartService<RedisCarts, PgCatalog, PgCatalog, SystemClock>;

/// The checkout service wired to its production adapters.
pub type Checkout = CheckoutService<RedisCarts, PgOrderStore, SystemClock>;

/// The catalog reads wired to their production adapter.
pub type Catalog = CatalogService<PgCatalog, SystemClock>;

/// Directions and categories for operators, wired to their production adapter.
pub type Taxonomy = TaxonomyService<PgCatalogAdmin>;
/// The operators' catalog (teachers, courses, chapters, lessons, promotions) as wired here.
pub type CatalogAdmin = CatalogAdminService<PgCatalogAdmin>;
/// Cover and avatar uploads as wired here.
pub type Uploads = UploadService<FsMedia>;

/// The coupon service wired to its production adapter.
pub type Coupons = CouponService<PgCoupons, SystemClock>;

/// The job service wired to its production adapter.
pub type Jobs = JobService<PgJobs, SystemClock>;

/// The audit trail's read side, wired to its production adapter.
pub type Audit = AuditService<PgAudit>;

/// The account service wired to its production adapters.
pub type Accounts = AccountService<PgUsers, RedisAccountCache>;

/// The order service (reads, cancel, timeout) wired to its production adapter.
pub type Orders = OrderService<PgOrderStore, SystemClock>;

/// Buy again, wired to its production adapters.
pub type Rebuy = RebuyService<PgOrderStore, RedisCarts, PgCatalog, PgCatalog, SystemClock>;

/// The payment service wired to its production adapter.
pub type Payments = PaymentService<PgOrderStore, SystemClock>;
/// Registration codes by text message, as wired here (Tencent Cloud SMS or the development
/// outbox, by settings).
pub type Sms = luffy_account::SmsService<luffy_store::RedisSmsCodes, crate::providers::SmsChannel>;
/// The home page's navigation and banners, as wired here.
pub type Home = luffy_catalog::HomeService<luffy_store::PgHome>;
/// Course search and hot words, as wired here.
pub type Search = luffy_catalog::SearchService<PgCatalog, luffy_store::RedisHotWords, SystemClock>;
/// Studying owned courses, as wired here.
pub type Study = luffy_study::StudyService<luffy_store::PgStudy, SystemClock>;
/// Daily reconciliation of the channels' bills, as wired here.
pub type Reconciliations =
    luffy_order::ReconciliationService<luffy_store::PgReconciliations, PgOrderStore, SystemClock>;
/// The refund use cases as wired here.
pub type Refunds = RefundService<PgOrderStore, SystemClock>;
