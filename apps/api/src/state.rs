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
use luffy_payment_alipay::{AesKey, AlipayClient, AlipayConfig, CertMode};
use secrecy::ExposeSecret;

use crate::auth::token::TokenKeys;
use crate::channels::alipay::AlipayGateway;
use crate::channels::wechat::WechatGateway;
use luffy_payment_wechat::{WechatClient, WechatConfig};
#[cfg(feature = "sandbox")]
pub use luffy_wechat_sandbox::{WechatSandbox, WechatSandboxConfig};
/// The in-process WeChat Pay sandbox; without the `sandbox` feature there is none to hold.
#[cfg(not(feature = "sandbox"))]
#[derive(Clone)]
pub enum WechatSandbox {}
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
    /// Daily reconciliation of the channels' bills.
    pub reconciliations: luffy_web::services::Reconciliations,
    /// Studying owned courses.
    pub study: luffy_web::services::Study,
    /// Course search and hot words.
    pub search: luffy_web::services::Search,
    /// The home page's navigation and banners.
    pub home: luffy_web::services::Home,
    /// Registration codes by text message.
    pub sms: luffy_web::services::Sms,
    /// Where codes go: the development outbox (`/sandbox/sms/`, answered only then) or a
    /// provider.
    pub sms_channel: luffy_web::providers::SmsChannel,
    /// The slider captcha's check at login and registration.
    pub captcha: luffy_web::providers::Captcha,
    /// Buyers' login attempts per account and per address (shared by every instance).
    pub login_attempts: luffy_store::RedisLoginAttempts,
    /// Its store, for scheduling the daily job.
    pub reconciliation_store: luffy_store::PgReconciliations,
    /// The built-in sandbox, when `LUFFY_ALIPAY_GATEWAY` is empty.
    pub sandbox: Option<Sandbox>,
    /// The built-in WeChat Pay sandbox, when WeChat Pay is on and `LUFFY_WECHAT_GATEWAY` is
    /// empty.
    pub wechat_sandbox: Option<WechatSandbox>,
    /// Job counts and lag, and the worker's queue.
    pub jobs: Jobs,
    /// Job metrics.
    pub job_metrics: crate::jobs::metrics::JobMetrics,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Orders, payments and notifies, in the same registry.
    pub business: crate::business_metrics::BusinessMetrics,
    /// The read replica for catalog browsing, when one is configured.
    pub replica: Option<luffy_store::ReplicaReads>,
    /// The replica's gauges.
    pub replica_metrics: crate::replica_metrics::ReplicaMetrics,
    /// Set on SIGTERM: readiness fails while the instance drains.
    pub drain: crate::drain::Drain,
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

/// A file a setting names.
fn read_file(path: &str, setting: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {path} ({setting})"))
}

/// Certificate mode from the three files the settings name, with the key of Alipay's
/// certificate; `None` in key mode.
fn alipay_certificates(
    settings: &Settings,
) -> anyhow::Result<Option<(CertMode, rsa::RsaPublicKey, String)>> {
    if settings.alipay_app_cert.is_empty() {
        return Ok(None);
    }
    let alipay_cert = read_file(&settings.alipay_cert, "LUFFY_ALIPAY_CERT")?;
    let (mode, key) = CertMode::from_pem(
        &read_file(&settings.alipay_app_cert, "LUFFY_ALIPAY_APP_CERT")?,
        &alipay_cert,
        &read_file(&settings.alipay_root_cert, "LUFFY_ALIPAY_ROOT_CERT")?,
    )
    .context("reading the Alipay certificates")?;
    Ok(Some((mode, key, alipay_cert)))
}

/// The Alipay client, and the in-process sandbox when no gateway is configured, in the mode
/// the settings choose: public key or certificates, with or without AES.
/// Tencent Cloud SMS and captcha when configured; else the development outbox and no check.
fn build_sms_and_captcha(
    settings: &Settings,
    redis: &RedisPool,
) -> anyhow::Result<(
    luffy_web::providers::SmsChannel,
    luffy_web::providers::Captcha,
)> {
    use luffy_web::providers::{Captcha, SmsChannel};
    let api = || {
        luffy_tencent_cloud::TencentCloudApi::new(
            luffy_tencent_cloud::Credentials {
                secret_id: settings.tencent_secret_id.trim().to_owned(),
                secret_key: settings.tencent_secret_key.clone(),
            },
            Some(settings.tencent_endpoint.clone()),
            Duration::from_secs(settings.tencent_timeout_secs),
        )
        .context("the Tencent Cloud client")
    };
    let sms = if settings.sms_by_tencent() {
        SmsChannel::Tencent(luffy_tencent_cloud::TencentSms::new(
            api()?,
            luffy_tencent_cloud::SmsConfig {
                sdk_app_id: settings.sms_tencent_app_id.trim().to_owned(),
                sign_name: settings.sms_tencent_sign_name.clone(),
                template_id: settings.sms_tencent_template_id.trim().to_owned(),
                region: settings.sms_tencent_region.clone(),
            },
        ))
    } else {
        SmsChannel::Outbox(luffy_store::RedisSmsOutbox::new(
            redis.clone(),
            &settings.redis_prefix,
        ))
    };
    let captcha = if settings.captcha_tencent_app_id == 0 {
        Captcha::Off
    } else {
        Captcha::Tencent(luffy_tencent_cloud::TencentCaptcha::new(
            api()?,
            luffy_tencent_cloud::CaptchaConfig {
                app_id: settings.captcha_tencent_app_id,
                app_secret_key: settings.captcha_tencent_app_secret_key.clone(),
            },
        ))
    };
    Ok((sms, captcha))
}

fn build_alipay(settings: &Settings) -> anyhow::Result<(AlipayClient, Option<Sandbox>)> {
    let certificates = alipay_certificates(settings)?;
    let aes_key = match settings.alipay_aes_key.expose_secret() {
        "" => None,
        text => Some(AesKey::from_base64(text).context("LUFFY_ALIPAY_AES_KEY")?),
    };
    let alipay_public_key = match &certificates {
        Some((_, key, _)) => key.clone(),
        None => parse_public_key(&read_key(settings, "alipay_public_key.pem")?)?,
    };
    let config = AlipayConfig {
        app_id: settings.alipay_app_id.clone(),
        gateway: settings.alipay_gateway_url(),
        app_private_key: parse_private_key(&read_key(settings, "app_private_key.pem")?)?,
        alipay_public_key,
        cert_mode: certificates.as_ref().map(|(mode, _, _)| mode.clone()),
        aes_key: aes_key.clone(),
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
        let sandbox_certificates = match &certificates {
            None => None,
            Some((mode, _, alipay_cert_pem)) => {
                Some(sandbox_certificates(settings, mode, alipay_cert_pem)?)
            }
        };
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
            certificates: sandbox_certificates,
            aes_key,
        })?)
    } else {
        None
    };
    Ok((AlipayClient::new(config)?, sandbox))
}

/// The built-in sandbox in certificate mode: the SNs it expects, the certificate it signs
/// under, and the development CA's key (`alipay_root_ca_key.pem` beside the root file, written
/// by `luffy keys`) when present, so that it can rotate its certificate.
#[cfg(feature = "sandbox")]
fn sandbox_certificates(
    settings: &Settings,
    mode: &CertMode,
    alipay_cert_pem: &str,
) -> anyhow::Result<luffy_alipay_sandbox::SandboxCertificates> {
    let ca_key = std::path::Path::new(&settings.alipay_root_cert)
        .with_file_name(crate::commands::keys::ALIPAY_ROOT_CA_KEY);
    let ca = match std::fs::read_to_string(&ca_key) {
        Ok(key) => Some(Arc::new(
            luffy_payment_alipay::dev_ca::DevCa::from_pem(&key, &mode.root_cert_pem)
                .with_context(|| format!("reading {}", ca_key.display()))?,
        )),
        Err(_) => None,
    };
    Ok(luffy_alipay_sandbox::SandboxCertificates {
        app_cert_sn: mode.app_cert_sn.clone(),
        alipay_root_cert_sn: mode.alipay_root_cert_sn.clone(),
        alipay_cert_pem: alipay_cert_pem.to_owned(),
        ca,
    })
}

/// Where `luffy serve` mounts the built-in WeChat Pay sandbox.
pub const WECHAT_SANDBOX_MOUNT: &str = "/sandbox/wechat";

/// The WeChat Pay client (when a merchant id is set), and the in-process sandbox when no
/// gateway is configured.
fn build_wechat(
    settings: &Settings,
) -> anyhow::Result<(Option<WechatClient>, Option<WechatSandbox>)> {
    use crate::commands::keys::{WECHAT_MERCHANT_PRIVATE_KEY, WECHAT_PAY_PUBLIC_KEY};
    use luffy_payment_wechat::keys;
    if !settings.wechat_enabled() {
        return Ok((None, None));
    }
    let mut platform_keys = luffy_payment_wechat::PlatformKeys::new();
    if !settings.wechat_public_key_id.is_empty() {
        platform_keys = platform_keys.with_public_key_pem(
            &settings.wechat_public_key_id,
            &read_key(settings, WECHAT_PAY_PUBLIC_KEY)?,
        )?;
    }
    for path in settings
        .wechat_platform_certificates
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("reading the WeChat Pay platform certificate {path}"))?;
        platform_keys = platform_keys
            .with_certificate_pem(&pem)
            .with_context(|| format!("reading the WeChat Pay platform certificate {path}"))?;
    }
    if platform_keys.is_empty() {
        anyhow::bail!(
            "WeChat Pay needs LUFFY_WECHAT_PUBLIC_KEY_ID or LUFFY_WECHAT_PLATFORM_CERTIFICATES"
        );
    }
    let config = WechatConfig {
        appid: settings.wechat_appid.clone(),
        mchid: settings.wechat_mchid.clone(),
        merchant_key: keys::parse_private_key(&read_key(settings, WECHAT_MERCHANT_PRIVATE_KEY)?)?,
        merchant_serial: settings.wechat_merchant_serial.clone(),
        api_v3_key: settings.wechat_api_v3_key.clone(),
        platform_keys,
        base_url: settings.wechat_base_url(),
        notify_url: settings.wechat_notify_url(),
        timeout: Duration::from_secs(settings.wechat_timeout_secs),
    };
    #[cfg(not(feature = "sandbox"))]
    let sandbox: Option<WechatSandbox> = if settings.wechat_gateway.is_empty() {
        anyhow::bail!(
            "this binary was built without the built-in WeChat Pay sandbox (cargo feature \
             `sandbox`): set LUFFY_WECHAT_GATEWAY, or LUFFY_WECHAT_MCHID empty to turn WeChat \
             Pay off"
        );
    } else {
        None
    };
    #[cfg(feature = "sandbox")]
    let sandbox = if settings.wechat_gateway.is_empty() {
        use crate::commands::keys::{WECHAT_MERCHANT_PUBLIC_KEY, WECHAT_SANDBOX_PRIVATE_KEY};
        let first = Duration::from_millis(settings.sandbox_notify_retry_ms);
        Some(WechatSandbox::new(WechatSandboxConfig {
            platform_key: keys::parse_private_key(&read_key(
                settings,
                WECHAT_SANDBOX_PRIVATE_KEY,
            )?)?,
            platform_serial: settings.wechat_public_key_id.clone(),
            merchant_public_key: keys::parse_public_key(&read_key(
                settings,
                WECHAT_MERCHANT_PUBLIC_KEY,
            )?)?,
            mchid: settings.wechat_mchid.clone(),
            appid: settings.wechat_appid.clone(),
            api_v3_key: settings.wechat_api_v3_key.expose_secret().to_owned(),
            mount: WECHAT_SANDBOX_MOUNT.into(),
            public_url: settings.wechat_base_url(),
            notify_retry_delays: (0..6).map(|i| first * 2u32.pow(i)).collect(),
        })?)
    } else {
        None
    };
    Ok((Some(WechatClient::new(config)?), sandbox))
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
                serving_threads: settings.serving_threads(),
                read_only: false,
            },
        )?;
        let replica = if settings.database_replica_url.is_empty() {
            None
        } else {
            let pool = build_pg_pool(
                &settings.database_replica_url,
                &PgPoolSettings {
                    max_size: settings.database_replica_pool_size,
                    wait_timeout: Duration::from_secs(settings.database_timeout_secs),
                    create_timeout: Duration::from_secs(settings.database_timeout_secs),
                    recycle_timeout: Duration::from_secs(settings.database_timeout_secs),
                    statement_timeout: Duration::from_millis(
                        settings.database_statement_timeout_ms,
                    ),
                    serving_threads: settings.serving_threads(),
                    read_only: true,
                },
            )?;
            Some(luffy_store::ReplicaReads::start(
                pool,
                Duration::from_millis(settings.database_replica_max_lag_ms),
            ))
        };
        let redis = build_redis_pool(
            &luffy_store::RedisTopology::from_settings(
                &settings.redis_url,
                &settings.redis_cluster_nodes,
            ),
            &RedisPoolSettings {
                max_size: settings.redis_pool_size,
                timeout: Duration::from_secs(settings.redis_timeout_secs),
                serving_threads: settings.serving_threads(),
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
        let (sms_channel, captcha) = build_sms_and_captcha(&settings, &redis)?;
        let (alipay, sandbox) = build_alipay(&settings)?;
        let (wechat, wechat_sandbox) = build_wechat(&settings)?;
        let mut gateways = Gateways::new().with(Arc::new(AlipayGateway(alipay.clone())));
        let mut merchants = vec![Merchant {
            channel: Channel::Alipay,
            app_id: alipay.config().app_id.clone(),
            seller_id: alipay.config().seller_id.clone(),
        }];
        let mut channels = vec![Channel::Alipay, Channel::Balance];
        if let Some(wechat) = &wechat {
            gateways = gateways.with(Arc::new(WechatGateway::new(wechat.clone())));
            merchants.push(Merchant {
                channel: Channel::Wechat,
                app_id: wechat.config().appid.clone(),
                seller_id: Some(wechat.config().mchid.clone()),
            });
            channels.push(Channel::Wechat);
        }
        let metrics = Metrics::new()?;
        let job_metrics = crate::jobs::metrics::JobMetrics::register(metrics.registry())?;
        let business = crate::business_metrics::BusinessMetrics::register(metrics.registry())?;
        let replica_metrics = crate::replica_metrics::ReplicaMetrics::register(metrics.registry())?;
        let payments = PaymentService::new(PgOrderStore::new(pg.clone()), SystemClock, merchants);
        let reconciliation_store = luffy_store::PgReconciliations::new(pg.clone());
        Ok(Self {
            timezone,
            reconciliations: luffy_order::ReconciliationService::new(
                reconciliation_store.clone(),
                payments.clone(),
                gateways.clone(),
            ),
            reconciliation_store,
            study: luffy_study::StudyService::new(
                luffy_store::PgStudy::new(pg.clone()).with_replica(replica.clone()),
                SystemClock,
                luffy_study::MediaSigner::new(
                    &settings.media_url_key(),
                    chrono::Duration::seconds(settings.media_url_ttl_secs.into()),
                ),
                settings.study_seek_limit_secs.into(),
            ),
            payments,
            gateways,
            wechat_sandbox,
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
            checkout: checkout.with_channels(channels),
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
            catalog: CatalogService::new(
                PgCatalog::new(pg.clone()).with_replica(replica.clone()),
                SystemClock,
            ),
            home: luffy_catalog::HomeService::new(luffy_store::PgHome::new(pg.clone())),
            sms: luffy_account::SmsService::new(
                luffy_store::RedisSmsCodes::new(redis.clone(), settings.redis_prefix.clone()),
                sms_channel.clone(),
                &settings.sms_code_key(),
            )
            .with_limits(luffy_account::SmsLimits {
                per_mobile: settings.sms_daily_per_mobile.into(),
                per_address: settings.sms_daily_per_address.into(),
            }),
            sms_channel,
            captcha,
            login_attempts: luffy_store::RedisLoginAttempts::for_scope(
                redis.clone(),
                &settings.redis_prefix,
                "buyers",
                crate::auth::login_limits::LOGIN_WINDOW_SECS,
            ),
            search: luffy_catalog::SearchService::new(
                PgCatalog::new(pg.clone()).with_replica(replica.clone()),
                luffy_store::RedisHotWords::new(redis.clone(), settings.redis_prefix.clone()),
                SystemClock,
                std::sync::Arc::new(move |now: chrono::DateTime<chrono::Utc>| {
                    now.with_timezone(&timezone).date_naive()
                }),
            ),
            replica,
            replica_metrics,
            carts,
            jobs: JobService::new(PgJobs::new(pg.clone()), SystemClock),
            job_metrics,
            business,
            metrics,
            drain: crate::drain::Drain::default(),
            pg,
            redis,
            settings,
        })
    }
}
