//! Everything a handler needs, built once per server from `Settings` and shared by `web::Data`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use luffy_account::{AccountService, AuditService};
use luffy_cart::CartService;
use luffy_catalog::{CatalogAdminService, CatalogService, TaxonomyService, UploadService};
use luffy_common::SystemClock;
use luffy_coupon::CouponService;
use luffy_credit::CreditRate;
use luffy_order::{
    Channel, CheckoutService, Gateways, Merchant, OrderService, PaymentService, RebuyService,
    RefundService,
};
use luffy_scheduler::JobService;
use luffy_store::postgres::build_pg_pool;
use luffy_store::redis::build_redis_pool;
use luffy_store::{PgAudit, PgCoupons, PgJobs, PgOrderStore, RedisAccountCache};
use luffy_store::{
    PgCatalog, PgCatalogAdmin, PgPool, PgPoolSettings, PgUsers, RedisCarts, RedisPool,
    RedisPoolSettings,
};

#[cfg(feature = "sandbox")]
use luffy_alipay_sandbox::{Sandbox, SandboxConfig};

/// The in-process sandbox gateway; without the `sandbox` feature there is none to hold.
#[cfg(not(feature = "sandbox"))]
#[derive(Clone)]
pub enum Sandbox {}
use luffy_payment_alipay::keys::{parse_private_key, parse_public_key};
use luffy_payment_alipay::{AlipayClient, AlipayConfig};

use crate::auth::token::TokenKeys;
use crate::channels::alipay::AlipayGateway;
use crate::metrics::Metrics;
use crate::settings::Settings;

pub use luffy_web::services::*;

/// Shared application state; cloning is cheap (pools and keys are reference-counted).
#[derive(Clone)]
pub struct AppState {
    /// The settings the server was built from.
    pub settings: Settings,
    /// Store timezone for displayed times.
    pub timezone: chrono_tz::Tz,
    /// PostgreSQL pool.
    pub pg: PgPool,
    /// Redis pool.
    pub redis: RedisPool,
    /// Token signing and verification.
    pub tokens: TokenKeys,
    /// Points per yuan.
    pub credit_rate: CreditRate,
    /// Catalog reads.
    pub catalog: Catalog,
    /// Directions and categories for operators.
    pub taxonomy: Taxonomy,
    /// Teachers, courses, chapters, lessons and promotions for operators.
    pub catalog_admin: CatalogAdmin,
    /// Cover and avatar uploads under the media directory.
    pub uploads: Uploads,
    /// Accounts, and whether each may still act (active, staff), cached in Redis.
    pub users: Accounts,
    /// The operators' audit trail.
    pub audit: Audit,
    /// Cart use cases.
    pub carts: Carts,
    /// Coupons and grants.
    pub coupons: Coupons,
    /// Order reads, cancel and timeout.
    pub orders: Orders,
    /// Quote and order creation.
    pub checkout: Checkout,
    /// Payments and fulfilment.
    pub payments: Payments,
    /// Buy again: an order's courses back into the cart.
    pub rebuy: Rebuy,
    /// Refund requests, reviews and the gateway refund job's work.
    pub refunds: Refunds,
    /// The Alipay client (real gateway or the built-in sandbox).
    pub alipay: AlipayClient,
    /// The configured payment channels' adapters, by channel.
    pub gateways: Gateways,
    /// The built-in sandbox, when `LUFFY_ALIPAY_GATEWAY` is empty.
    pub sandbox: Option<Sandbox>,
    /// Job counts and lag, and the worker's queue.
    pub jobs: Jobs,
    /// Job metrics.
    pub job_metrics: crate::jobs::metrics::JobMetrics,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Orders, payments and notifies, in the same registry.
    pub business: crate::business_metrics::BusinessMetrics,
}

fn read_key(settings: &Settings, name: &str) -> anyhow::Result<String> {
    let path = settings.keys_dir.join(name);
    std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (run `luffy keys` or set LUFFY_KEYS_DIR)",
            path.display()
        )
    })
}

/// The Alipay client, and the in-process sandbox when no gateway is configured (SPEC 6).
fn build_alipay(settings: &Settings) -> anyhow::Result<(AlipayClient, Option<Sandbox>)> {
    let config = AlipayConfig {
        app_id: settings.alipay_app_id.clone(),
        gateway: settings.alipay_gateway_url(),
        app_private_key: parse_private_key(&read_key(settings, "app_private_key.pem")?)?,
        alipay_public_key: parse_public_key(&read_key(settings, "alipay_public_key.pem")?)?,
        seller_id: Some(settings.alipay_seller_id.clone()).filter(|s| !s.is_empty()),
        notify_url: format!("{}/payments/alipay/notify", settings.public_base()),
        return_url: settings.alipay_return_url(),
        timeout: Duration::from_secs(settings.alipay_timeout_secs),
    };
    #[cfg(not(feature = "sandbox"))]
    let sandbox: Option<Sandbox> = if settings.alipay_gateway.is_empty() {
        anyhow::bail!(
            "this binary was built without the built-in Alipay sandbox (cargo feature `sandbox`): \
             set LUFFY_ALIPAY_GATEWAY to a real gateway"
        );
    } else {
        None
    };
    #[cfg(feature = "sandbox")]
    let sandbox = if settings.alipay_gateway.is_empty() {
        let first = Duration::from_millis(settings.sandbox_notify_retry_ms);
        Some(Sandbox::new(SandboxConfig {
            sandbox_private_key: parse_private_key(&read_key(
                settings,
                "sandbox_private_key.pem",
            )?)?,
            app_public_key: parse_public_key(&read_key(settings, "app_public_key.pem")?)?,
            app_id: settings.alipay_app_id.clone(),
            seller_id: if settings.alipay_seller_id.is_empty() {
                "2088000000000000".into()
            } else {
                settings.alipay_seller_id.clone()
            },
            notify_retry_delays: (0..6).map(|i| first * 2u32.pow(i)).collect(),
        })?)
    } else {
        None
    };
    Ok((AlipayClient::new(config)?, sandbox))
}

impl AppState {
    /// Builds pools (lazily connecting) and services from settings.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate()?;
        let pg = build_pg_pool(
            &settings.database_url,
            &PgPoolSettings {
                max_size: settings.database_pool_size,
                wait_timeout: Duration::from_secs(settings.database_timeout_secs),
                create_timeout: Duration::from_secs(settings.database_timeout_secs),
                recycle_timeout: Duration::from_secs(settings.database_timeout_secs),
                statement_timeout: Duration::from_millis(settings.database_statement_timeout_ms),
            },
        )?;
        let redis = build_redis_pool(
            &settings.redis_url,
            &RedisPoolSettings {
                max_size: settings.redis_pool_size,
                timeout: Duration::from_secs(settings.redis_timeout_secs),
            },
        )?;
        let catalog = PgCatalog::new(pg.clone());
        let carts = CartService::new(
            RedisCarts::new(redis.clone(), settings.redis_prefix.clone()),
            catalog.clone(),
            catalog.clone(),
            SystemClock,
        );
        let timezone = settings.store_timezone()?;
        let credit_rate =
            CreditRate::new(settings.credit_to_money).context("LUFFY_CREDIT_TO_MONEY")?;
        let timeout = chrono::Duration::seconds(
            i64::try_from(settings.order_timeout_secs)
                .context("LUFFY_ORDER_TIMEOUT_SECS is too large")?,
        );
        let checkout = CheckoutService::new(
            RedisCarts::new(redis.clone(), settings.redis_prefix.clone()),
            PgOrderStore::new(pg.clone()),
            SystemClock,
            credit_rate,
            timeout,
            std::sync::Arc::new(move |now: chrono::DateTime<chrono::Utc>| {
                now.with_timezone(&timezone).date_naive()
            }),
        );
        let (alipay, sandbox) = build_alipay(&settings)?;
        let metrics = Metrics::new()?;
        let job_metrics = crate::jobs::metrics::JobMetrics::register(metrics.registry())?;
        let business = crate::business_metrics::BusinessMetrics::register(metrics.registry())?;
        Ok(Self {
            timezone,
            payments: PaymentService::new(
                PgOrderStore::new(pg.clone()),
                SystemClock,
                [Merchant {
                    channel: Channel::Alipay,
                    app_id: alipay.config().app_id.clone(),
                    seller_id: alipay.config().seller_id.clone(),
                }],
            ),
            gateways: Gateways::new().with(Arc::new(AlipayGateway(alipay.clone()))),
            alipay,
            sandbox,
            coupons: CouponService::new(PgCoupons::new(pg.clone()), SystemClock),
            orders: OrderService::new(PgOrderStore::new(pg.clone()), SystemClock),
            rebuy: RebuyService::new(PgOrderStore::new(pg.clone()), carts.clone()),
            refunds: RefundService::new(
                PgOrderStore::new(pg.clone()),
                SystemClock,
                settings.refund_policy(),
            )
            .with_events(std::sync::Arc::new(business.clone())),
            checkout,
            tokens: TokenKeys::new(&settings.jwt_secret, settings.jwt_ttl_secs),
            credit_rate: CreditRate::new(settings.credit_to_money)
                .context("LUFFY_CREDIT_TO_MONEY")?,
            audit: AuditService::new(PgAudit::new(pg.clone())),
            users: AccountService::new(
                PgUsers::new(pg.clone()),
                RedisAccountCache::new(
                    redis.clone(),
                    settings.redis_prefix.clone(),
                    Duration::from_secs(settings.account_cache_secs),
                ),
            ),
            taxonomy: TaxonomyService::new(PgCatalogAdmin::new(pg.clone())),
            catalog_admin: CatalogAdminService::new(PgCatalogAdmin::new(pg.clone())),
            uploads: UploadService::new(luffy_store::FsMedia::new(settings.media_dir.clone())),
            catalog: CatalogService::new(catalog, SystemClock),
            carts,
            jobs: JobService::new(PgJobs::new(pg.clone()), SystemClock),
            job_metrics,
            business,
            metrics,
            pg,
            redis,
            settings,
        })
    }
}
