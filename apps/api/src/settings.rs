//! Typed configuration (SPEC 5): defaults, then an optional TOML file (`LUFFY_CONFIG`), then
//! `LUFFY_*` environment variables. Built once in `main` and passed down; no globals.

use std::path::PathBuf;

use anyhow::{bail, Context};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The JWT secret used when none is configured; refused in production.
pub const DEVELOPMENT_JWT_SECRET: &str = "luffy-development-jwt-secret-do-not-use-in-production";
/// The development APIv3 key (32 bytes) shared by `luffy serve` and its WeChat sandbox;
/// production refuses it.
pub const DEVELOPMENT_WECHAT_API_V3_KEY: &str = "luffy-development-apiv3-key-0001";

/// Where the server runs; production refuses development secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Local development and tests.
    Development,
    /// A real store: development keys and the default JWT secret are refused.
    Production,
}

/// Every setting of the `luffy` binary and the embeddable server.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Settings {
    /// development | production.
    pub environment: Environment,
    /// PostgreSQL URL (`LUFFY_DATABASE_URL`).
    pub database_url: String,
    /// PostgreSQL pool size.
    pub database_pool_size: usize,
    /// Seconds a request waits for a PostgreSQL connection before a 503.
    pub database_timeout_secs: u64,
    /// Where `luffy migrate` connects, straight to PostgreSQL rather than through a pooler
    /// (`LUFFY_DATABASE_MIGRATION_URL`); empty = `database_url`.
    pub database_migration_url: String,
    /// A streaming replica for catalog reads (`LUFFY_DATABASE_REPLICA_URL`); empty = none.
    pub database_replica_url: String,
    /// Replica pool size.
    pub database_replica_pool_size: usize,
    /// Catalog reads leave the replica for the primary while it lags more than this, in
    /// milliseconds (`LUFFY_DATABASE_REPLICA_MAX_LAG_MS`).
    pub database_replica_max_lag_ms: u64,
    /// Redis URL (`LUFFY_REDIS_URL`).
    pub redis_url: String,
    /// Redis Cluster nodes, comma-separated `redis://` URLs (`LUFFY_REDIS_CLUSTER_NODES`); when
    /// set they replace `redis_url`.
    pub redis_cluster_nodes: String,
    /// Prefix of every Redis key, so tests and tenants can share a server (`LUFFY_REDIS_PREFIX`).
    pub redis_prefix: String,
    /// Redis pool size.
    pub redis_pool_size: usize,
    /// Seconds a Redis connect or command may wait before a 503.
    pub redis_timeout_secs: u64,
    /// Address to bind (`LUFFY_LISTEN`); port 0 picks a free port.
    pub listen: String,
    /// HTTP worker threads; 0 = one per core.
    pub http_workers: usize,
    /// Public base URL, used for notify_url, paging links and the sandbox gateway URL; empty =
    /// derived from the bound address (for port 0).
    pub public_url: String,
    /// HS256 secret for user tokens (`LUFFY_JWT_SECRET`).
    #[serde(skip_serializing)]
    pub jwt_secret: SecretString,
    /// Token lifetime in seconds (7 days).
    pub jwt_ttl_secs: i64,
    /// Unpaid orders time out after this many seconds (`LUFFY_ORDER_TIMEOUT_SECS`).
    pub order_timeout_secs: u64,
    /// Points per yuan (`LUFFY_CREDIT_TO_MONEY`).
    pub credit_to_money: u32,
    /// Whether `luffy serve` runs the embedded job worker (`LUFFY_WORKER`).
    pub worker: bool,
    /// Alipay gateway URL; empty = the built-in sandbox (`LUFFY_ALIPAY_GATEWAY`).
    pub alipay_gateway: String,
    /// Merchant app id (`LUFFY_ALIPAY_APP_ID`).
    pub alipay_app_id: String,
    /// Seller id checked on notifies when set (`LUFFY_ALIPAY_SELLER_ID`).
    pub alipay_seller_id: String,
    /// Where Alipay sends the buyer back (`LUFFY_ALIPAY_RETURN_URL`); empty = this API's
    /// `/payments/alipay/result/`, which shows the paid order.
    pub alipay_return_url: String,
    /// Timeout of every Alipay gateway call, in seconds.
    pub alipay_timeout_secs: u64,
    /// Certificate mode: the app's certificate file, `appCertPublicKey_<app_id>.crt`
    /// (`LUFFY_ALIPAY_APP_CERT`); the three certificate settings go together, empty = key mode.
    pub alipay_app_cert: String,
    /// Certificate mode: Alipay's certificate file, `alipayCertPublicKey_RSA2.crt`
    /// (`LUFFY_ALIPAY_CERT`).
    pub alipay_cert: String,
    /// Certificate mode: Alipay's root certificate file, `alipayRootCert.crt`
    /// (`LUFFY_ALIPAY_ROOT_CERT`).
    pub alipay_root_cert: String,
    /// AES content encryption key, base64 as Alipay's console shows it
    /// (`LUFFY_ALIPAY_AES_KEY`); empty = off.
    #[serde(skip_serializing)]
    pub alipay_aes_key: SecretString,
    /// First delay between the built-in sandbox's notify retries (doubling, six retries).
    pub sandbox_notify_retry_ms: u64,
    /// WeChat Pay API base URL; empty = the built-in sandbox (`LUFFY_WECHAT_GATEWAY`).
    pub wechat_gateway: String,
    /// WeChat app id (`LUFFY_WECHAT_APPID`).
    pub wechat_appid: String,
    /// WeChat Pay merchant id; empty = WeChat Pay is off (`LUFFY_WECHAT_MCHID`).
    pub wechat_mchid: String,
    /// Serial of the merchant's API certificate (`LUFFY_WECHAT_MERCHANT_SERIAL`); its private
    /// key is `wechat_merchant_private_key.pem` in the keys directory.
    pub wechat_merchant_serial: String,
    /// The APIv3 key, 32 bytes (`LUFFY_WECHAT_API_V3_KEY`).
    #[serde(skip_serializing)]
    pub wechat_api_v3_key: SecretString,
    /// The WeChat Pay public key's id, `PUB_KEY_ID_...` (`LUFFY_WECHAT_PUBLIC_KEY_ID`); the key
    /// is `wechat_pay_public_key.pem` in the keys directory. Empty = certificate mode only.
    pub wechat_public_key_id: String,
    /// Platform certificate files, comma-separated (`LUFFY_WECHAT_PLATFORM_CERTIFICATES`);
    /// both modes may be set at once during a switch.
    pub wechat_platform_certificates: String,
    /// Where WeChat Pay sends notifies (`LUFFY_WECHAT_NOTIFY_URL`); empty = this API's
    /// `/payments/wechat/notify`.
    pub wechat_notify_url: String,
    /// Timeout of every WeChat Pay call, in seconds.
    pub wechat_timeout_secs: u64,
    /// Directory of key pairs (`LUFFY_KEYS_DIR`).
    pub keys_dir: PathBuf,
    /// How often an idle worker polls for due jobs, in milliseconds.
    pub worker_poll_ms: u64,
    /// Jobs one worker runs at once.
    pub worker_concurrency: usize,
    /// Job lease in seconds: a crashed worker's job runs again after it.
    pub worker_lease_secs: u64,
    /// First retry delay of a failed job, in milliseconds (doubling, capped at an hour).
    pub job_retry_base_ms: u64,
    /// How often the worker sweeps for expired unpaid orders without a timeout job, in seconds.
    pub sweep_interval_secs: u64,
    /// Store timezone for order numbers and displayed times.
    pub timezone: String,
    /// Log as JSON lines instead of human-readable text.
    pub log_json: bool,
    /// Comma-separated origins a browser client may call the API from (`LUFFY_CORS_ORIGINS`);
    /// empty = the tutorial's development origins on port 3000. Production refuses `*`.
    pub cors_origins: String,
    /// Directory served at `/uploads/` (covers, avatars, videos) (`LUFFY_MEDIA_DIR`).
    pub media_dir: PathBuf,
    /// Server-side limit of one SQL statement, in milliseconds; 0 = none
    /// (`LUFFY_DATABASE_STATEMENT_TIMEOUT_MS`).
    pub database_statement_timeout_ms: u64,
    /// On SIGTERM, seconds an instance keeps serving with `/readyz` at 503 before it stops
    /// accepting, so a load balancer takes it out first (`LUFFY_SHUTDOWN_DRAIN_SECS`).
    pub shutdown_drain_secs: u64,
    /// Client-side deadline of one request, in seconds: a request still running after it
    /// answers 503 and its transaction rolls back (`LUFFY_REQUEST_TIMEOUT_SECS`).
    pub request_timeout_secs: u64,
    /// Seconds an account's active/staff state may be served from the Redis cache before it is
    /// read again (changes through the API invalidate it at once).
    pub account_cache_secs: u64,
    /// A buyer may ask for a refund within this many days of paying
    /// (`LUFFY_REFUND_WINDOW_DAYS`).
    pub refund_window_days: u32,
    /// Buyers' refund requests wait for an operator instead of being approved by policy
    /// (`LUFFY_REFUND_REVIEW`).
    pub refund_review: bool,
    /// Operators may refund within this many days of payment: the gateway's refund window
    /// (`LUFFY_REFUND_OPERATOR_WINDOW_DAYS`).
    pub refund_operator_window_days: u32,
    /// The most seconds one study progress report may add: the tutorial's seek limit
    /// (`LUFFY_STUDY_SEEK_LIMIT_SECS`).
    pub study_seek_limit_secs: u32,
    /// How long a signed link to lesson media works, in seconds (`LUFFY_MEDIA_URL_TTL_SECS`).
    pub media_url_ttl_secs: u32,
    /// Registration codes one mobile may be sent per day (`LUFFY_SMS_DAILY_PER_MOBILE`).
    pub sms_daily_per_mobile: u32,
    /// Registration codes one address may ask for per day (`LUFFY_SMS_DAILY_PER_ADDRESS`).
    pub sms_daily_per_address: u32,
    /// Tencent Cloud API key id, for SMS and the captcha check (`LUFFY_TENCENT_SECRET_ID`).
    pub tencent_secret_id: String,
    /// Tencent Cloud API secret key (`LUFFY_TENCENT_SECRET_KEY`).
    #[serde(skip_serializing)]
    pub tencent_secret_key: SecretString,
    /// Replaces `https://{service}.tencentcloudapi.com` (a proxy; empty = Tencent's own)
    /// (`LUFFY_TENCENT_ENDPOINT`).
    pub tencent_endpoint: String,
    /// Timeout of every Tencent Cloud call, seconds (`LUFFY_TENCENT_TIMEOUT_SECS`).
    pub tencent_timeout_secs: u64,
    /// Tencent Cloud SMS app id; empty = the development outbox at `/sandbox/sms/`
    /// (`LUFFY_SMS_TENCENT_APP_ID`).
    pub sms_tencent_app_id: String,
    /// The approved SMS signature (`LUFFY_SMS_TENCENT_SIGN_NAME`).
    pub sms_tencent_sign_name: String,
    /// The registration template, parameters {1} code and {2} minutes
    /// (`LUFFY_SMS_TENCENT_TEMPLATE_ID`).
    pub sms_tencent_template_id: String,
    /// The SMS region (`LUFFY_SMS_TENCENT_REGION`).
    pub sms_tencent_region: String,
    /// Tencent captcha app id checked at login and registration; 0 = no check
    /// (`LUFFY_CAPTCHA_TENCENT_APP_ID`).
    pub captcha_tencent_app_id: u64,
    /// The captcha app's secret key (`LUFFY_CAPTCHA_TENCENT_APP_SECRET_KEY`).
    #[serde(skip_serializing)]
    pub captcha_tencent_app_secret_key: SecretString,
    /// The secret lesson media links are signed with; empty = derived from the JWT secret
    /// (`LUFFY_MEDIA_URL_SECRET`; a CDN's URL authentication needs the same secret).
    #[serde(skip_serializing)]
    pub media_url_secret: SecretString,
}

/// The tutorial's client origins (vite on port 3000), allowed when `cors_origins` is empty.
pub const DEVELOPMENT_CORS_ORIGINS: [&str; 3] = [
    "http://localhost:3000",
    "http://127.0.0.1:3000",
    "http://www.luffycity.cn:3000",
];

/// Settings whose values are text. figment would read an all-digit value such as a real
/// Alipay app id as a number (and drop leading zeros), so these are taken from the
/// environment verbatim.
pub const STRING_SETTINGS: [&str; 33] = [
    "DATABASE_URL",
    "DATABASE_MIGRATION_URL",
    "DATABASE_REPLICA_URL",
    "REDIS_CLUSTER_NODES",
    "REDIS_URL",
    "REDIS_PREFIX",
    "LISTEN",
    "PUBLIC_URL",
    "JWT_SECRET",
    "ALIPAY_GATEWAY",
    "ALIPAY_APP_ID",
    "ALIPAY_SELLER_ID",
    "ALIPAY_RETURN_URL",
    "WECHAT_GATEWAY",
    "WECHAT_APPID",
    "WECHAT_MCHID",
    "WECHAT_MERCHANT_SERIAL",
    "WECHAT_API_V3_KEY",
    "WECHAT_PUBLIC_KEY_ID",
    "WECHAT_PLATFORM_CERTIFICATES",
    "WECHAT_NOTIFY_URL",
    "KEYS_DIR",
    "TIMEZONE",
    "CORS_ORIGINS",
    "MEDIA_DIR",
    "TENCENT_SECRET_ID",
    "TENCENT_SECRET_KEY",
    "TENCENT_ENDPOINT",
    "SMS_TENCENT_APP_ID",
    "SMS_TENCENT_SIGN_NAME",
    "SMS_TENCENT_TEMPLATE_ID",
    "SMS_TENCENT_REGION",
    "CAPTCHA_TENCENT_APP_SECRET_KEY",
];

impl Default for Settings {
    fn default() -> Self {
        Self {
            environment: Environment::Development,
            database_url: "postgres://postgres@127.0.0.1:5432/luffy".into(),
            database_pool_size: 16,
            database_timeout_secs: 5,
            database_migration_url: String::new(),
            database_replica_url: String::new(),
            database_replica_pool_size: 8,
            database_replica_max_lag_ms: 1000,
            redis_url: "redis://127.0.0.1:6379/0".into(),
            redis_cluster_nodes: String::new(),
            redis_prefix: String::new(),
            redis_pool_size: 16,
            redis_timeout_secs: 2,
            listen: "127.0.0.1:8000".into(),
            http_workers: 0,
            public_url: "http://127.0.0.1:8000".into(),
            jwt_secret: SecretString::from(DEVELOPMENT_JWT_SECRET),
            jwt_ttl_secs: 7 * 24 * 3600,
            order_timeout_secs: 900,
            credit_to_money: 10,
            worker: true,
            alipay_gateway: String::new(),
            alipay_app_id: "2021000000000000".into(),
            alipay_seller_id: String::new(),
            alipay_return_url: String::new(),
            alipay_timeout_secs: 10,
            alipay_app_cert: String::new(),
            alipay_cert: String::new(),
            alipay_root_cert: String::new(),
            alipay_aes_key: SecretString::from(""),
            sandbox_notify_retry_ms: 1000,
            wechat_gateway: String::new(),
            wechat_appid: "wx0000000000000001".into(),
            wechat_mchid: "1900000001".into(),
            wechat_merchant_serial: "6B0C2F0D4C0E1A0B6B0C2F0D4C0E1A0B6B0C2F0D".into(),
            wechat_api_v3_key: SecretString::from(DEVELOPMENT_WECHAT_API_V3_KEY),
            wechat_public_key_id: "PUB_KEY_ID_0000000000000000000000000001".into(),
            wechat_platform_certificates: String::new(),
            wechat_notify_url: String::new(),
            wechat_timeout_secs: 10,
            keys_dir: PathBuf::from("keys"),
            worker_poll_ms: 1000,
            worker_concurrency: 8,
            worker_lease_secs: 60,
            job_retry_base_ms: 5000,
            sweep_interval_secs: 60,
            timezone: "Asia/Shanghai".into(),
            log_json: false,
            cors_origins: String::new(),
            media_dir: PathBuf::from("media"),
            database_statement_timeout_ms: 5000,
            shutdown_drain_secs: 5,
            request_timeout_secs: 15,
            account_cache_secs: 300,
            refund_window_days: 7,
            refund_review: false,
            refund_operator_window_days: 90,
            study_seek_limit_secs: 300,
            media_url_ttl_secs: 600,
            media_url_secret: SecretString::from(""),
            tencent_secret_id: String::new(),
            tencent_secret_key: SecretString::from(""),
            tencent_endpoint: String::new(),
            tencent_timeout_secs: 5,
            sms_tencent_app_id: String::new(),
            sms_tencent_sign_name: String::new(),
            sms_tencent_template_id: String::new(),
            sms_tencent_region: "ap-guangzhou".into(),
            captcha_tencent_app_id: 0,
            captcha_tencent_app_secret_key: SecretString::from(""),
            sms_daily_per_mobile: 10,
            sms_daily_per_address: 20,
        }
    }
}

/// What each setting means, by field name, for `luffy --help` (every field must be here; a
/// test checks it).
const SETTING_MEANINGS: [(&str, &str); 72] = [
    ("environment", "development | production (production refuses development secrets and the sandbox)"),
    ("database_url", "PostgreSQL URL"),
    ("database_pool_size", "PostgreSQL connections per process, spread over the HTTP workers (as many again for the job worker and probes)"),
    ("database_timeout_secs", "seconds to wait for a PostgreSQL connection before a 503"),
    ("database_statement_timeout_ms", "limit of one SQL statement, ms (0 = none): the database's own setting, written by `luffy migrate`, and a client-side deadline of this + 1 s on every round trip"),
    ("database_migration_url", "where `luffy migrate` connects, directly rather than through a pooler (empty = LUFFY_DATABASE_URL)"),
    ("database_replica_url", "streaming replica for catalog reads (empty = none)"),
    ("database_replica_pool_size", "replica connections per process"),
    ("database_replica_max_lag_ms", "catalog reads go to the primary while the replica lags more than this, ms"),
    ("redis_url", "Redis URL"),
    ("redis_cluster_nodes", "Redis Cluster nodes, comma-separated redis:// URLs (replaces LUFFY_REDIS_URL when set)"),
    ("redis_prefix", "prefix of every Redis key (tenants, tests)"),
    ("redis_pool_size", "Redis connections per process, spread over the HTTP workers (as many again for other work)"),
    ("redis_timeout_secs", "seconds a Redis connect or command may take before a 503"),
    ("listen", "address to serve on (port 0 = any free port)"),
    ("http_workers", "HTTP worker threads (0 = one per core)"),
    ("public_url", "public base URL: notify URL, paging links, media URLs"),
    ("jwt_secret", "HS256 secret of user tokens (at least 32 characters in production)"),
    ("jwt_ttl_secs", "token lifetime, seconds"),
    ("order_timeout_secs", "unpaid orders time out after this many seconds"),
    ("credit_to_money", "points per yuan"),
    ("worker", "run the job worker inside `luffy serve`"),
    ("alipay_gateway", "Alipay gateway URL (empty = the built-in sandbox)"),
    ("alipay_app_id", "merchant app id"),
    ("alipay_seller_id", "seller id checked on notifies (empty = not checked)"),
    ("alipay_return_url", "where Alipay sends the buyer back (empty = /payments/alipay/result/)"),
    ("alipay_timeout_secs", "timeout of every Alipay call, seconds"),
    ("alipay_app_cert", "certificate mode: the app's certificate file appCertPublicKey_<app_id>.crt (empty = key mode)"),
    ("alipay_cert", "certificate mode: Alipay's certificate file alipayCertPublicKey_RSA2.crt"),
    ("alipay_root_cert", "certificate mode: Alipay's root certificate file alipayRootCert.crt"),
    ("alipay_aes_key", "AES key of content encryption, base64 (empty = off)"),
    ("sandbox_notify_retry_ms", "first delay of the sandbox's notify retries, ms"),
    ("wechat_gateway", "WeChat Pay API base URL (empty = the built-in sandbox)"),
    ("wechat_appid", "WeChat app id"),
    ("wechat_mchid", "WeChat Pay merchant id (empty = WeChat Pay off)"),
    ("wechat_merchant_serial", "serial of the merchant API certificate (its key: wechat_merchant_private_key.pem)"),
    ("wechat_api_v3_key", "APIv3 key, 32 bytes (decrypts notifies)"),
    ("wechat_public_key_id", "WeChat Pay public key id PUB_KEY_ID_... (its key: wechat_pay_public_key.pem; empty = certificates only)"),
    ("wechat_platform_certificates", "platform certificate PEM files, comma-separated (certificate mode)"),
    ("wechat_notify_url", "where WeChat Pay sends notifies (empty = /payments/wechat/notify)"),
    ("wechat_timeout_secs", "timeout of every WeChat Pay call, seconds"),
    ("keys_dir", "directory of the RSA key pairs"),
    ("worker_poll_ms", "how often an idle worker polls for due jobs, ms"),
    ("worker_concurrency", "jobs one worker runs at once"),
    ("worker_lease_secs", "job lease: a crashed worker's job runs again after it"),
    ("job_retry_base_ms", "first retry delay of a failed job, ms (doubling, capped at an hour)"),
    ("sweep_interval_secs", "how often expired unpaid orders without a timeout job are swept"),
    ("timezone", "store timezone for order numbers and displayed times"),
    ("log_json", "log JSON lines instead of text"),
    ("cors_origins", "browser origins allowed to call the API, comma-separated (empty = the tutorial's :3000 origins)"),
    ("media_dir", "directory served at /uploads/"),
    ("shutdown_drain_secs", "on SIGTERM, seconds to keep serving with /readyz at 503 before stopping"),
    ("request_timeout_secs", "a request still running after this many seconds answers 503"),
    ("account_cache_secs", "seconds an account's active/staff state may be served from Redis"),
    ("refund_window_days", "a buyer may ask for a refund within this many days of paying"),
    ("refund_review", "buyers' refund requests wait for an operator (true) or are approved by policy"),
    ("study_seek_limit_secs", "most seconds one study progress report may add (the seek limit)"),
    ("media_url_ttl_secs", "lifetime of a signed lesson media link, seconds"),
    ("media_url_secret", "secret of lesson media links (empty = derived from the JWT secret)"),
    ("sms_daily_per_mobile", "registration codes one mobile may be sent per day"),
    ("sms_daily_per_address", "registration codes one address may ask for per day"),
    ("tencent_secret_id", "Tencent Cloud API key id (SMS and captcha)"),
    ("tencent_secret_key", "Tencent Cloud API secret key"),
    ("tencent_endpoint", "replaces https://{service}.tencentcloudapi.com (empty = Tencent's own)"),
    ("tencent_timeout_secs", "timeout of every Tencent Cloud call, seconds"),
    ("sms_tencent_app_id", "Tencent Cloud SMS app id (empty = the development outbox at /sandbox/sms/)"),
    ("sms_tencent_sign_name", "the approved SMS signature"),
    ("sms_tencent_template_id", "the registration template: {1} the code, {2} its minutes"),
    ("sms_tencent_region", "Tencent Cloud SMS region"),
    ("captcha_tencent_app_id", "Tencent captcha app id checked at login and registration (0 = no check)"),
    ("captcha_tencent_app_secret_key", "the captcha app's secret key"),
    ("refund_operator_window_days", "operators may refund within this many days of payment (the gateway's window)"),
];

/// The environment variables `luffy` reads, with defaults and meanings, for `--help`.
pub fn environment_help() -> String {
    let defaults = serde_json::to_value(Settings::default()).unwrap_or_default();
    let mut text = String::from(
        "Settings: defaults, then the TOML file named by LUFFY_CONFIG (keys are the names below in\n\
         lower case, without LUFFY_), then these environment variables:\n\n",
    );
    for (field, meaning) in SETTING_MEANINGS {
        let default = match defaults.get(field) {
            Some(serde_json::Value::String(text)) if text.is_empty() => "(empty)".to_owned(),
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
            None => "(development secret)".to_owned(),
        };
        text.push_str(&format!(
            "  LUFFY_{}\n      {meaning}\n      default: {default}\n",
            field.to_ascii_uppercase()
        ));
    }
    text
}

impl Settings {
    /// The refund rules these settings give.
    pub fn refund_policy(&self) -> luffy_order::RefundPolicy {
        luffy_order::RefundPolicy {
            buyer_window: chrono::Duration::days(i64::from(self.refund_window_days)),
            review: self.refund_review,
            operator_window: chrono::Duration::days(i64::from(self.refund_operator_window_days)),
        }
    }

    /// Loads defaults, then the TOML file named by `LUFFY_CONFIG` if set, then `LUFFY_*`.
    pub fn load() -> anyhow::Result<Self> {
        let settings = Self::extract().context("reading LUFFY_* settings")?;
        settings.validate()?;
        Ok(settings)
    }

    /// Reads the sources without validating (so a test can see each value as read).
    fn extract() -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::new();
        if let Ok(path) = std::env::var("LUFFY_CONFIG") {
            figment = figment.merge(Toml::file_exact(path));
        }
        let verbatim: std::collections::BTreeMap<String, String> = STRING_SETTINGS
            .iter()
            .filter_map(|key| {
                std::env::var(format!("LUFFY_{key}"))
                    .ok()
                    .map(|value| (key.to_ascii_lowercase(), value))
            })
            .collect();
        figment
            .merge(Env::prefixed("LUFFY_").filter(|key| {
                !key.as_str().eq_ignore_ascii_case("CONFIG")
                    && !STRING_SETTINGS
                        .iter()
                        .any(|text| key.as_str().eq_ignore_ascii_case(text))
            }))
            .merge(Serialized::defaults(verbatim))
            .extract()
            .map_err(Box::new)
    }

    /// Refuses settings that cannot work, and development secrets in production.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.credit_to_money == 0 {
            bail!("LUFFY_CREDIT_TO_MONEY must be at least 1");
        }
        if self.worker_concurrency == 0 || self.worker_lease_secs == 0 || self.worker_poll_ms == 0 {
            bail!("LUFFY_WORKER_CONCURRENCY, LUFFY_WORKER_LEASE_SECS and LUFFY_WORKER_POLL_MS must be positive");
        }
        if self.order_timeout_secs == 0 {
            bail!("LUFFY_ORDER_TIMEOUT_SECS must be at least 1");
        }
        self.store_timezone()?;
        if self.wechat_enabled() && self.wechat_api_v3_key.expose_secret().len() != 32 {
            bail!(
                "LUFFY_WECHAT_API_V3_KEY must be the 32-byte APIv3 key from the WeChat Pay console"
            );
        }
        if self.study_seek_limit_secs == 0 || self.media_url_ttl_secs == 0 {
            bail!("LUFFY_STUDY_SEEK_LIMIT_SECS and LUFFY_MEDIA_URL_TTL_SECS must be positive");
        }
        if self.request_timeout_secs == 0 {
            bail!("LUFFY_REQUEST_TIMEOUT_SECS must be at least 1");
        }
        let certificate_files = [
            &self.alipay_app_cert,
            &self.alipay_cert,
            &self.alipay_root_cert,
        ];
        let given = certificate_files.iter().filter(|f| !f.is_empty()).count();
        if given != 0 && given != 3 {
            bail!("Alipay certificate mode needs all of LUFFY_ALIPAY_APP_CERT, LUFFY_ALIPAY_CERT and LUFFY_ALIPAY_ROOT_CERT");
        }
        if self.refund_window_days > self.refund_operator_window_days {
            bail!("LUFFY_REFUND_WINDOW_DAYS may not exceed LUFFY_REFUND_OPERATOR_WINDOW_DAYS (the gateway's refund window)");
        }
        let origins = self.cors_origin_list();
        let not_an_origin = |origin: &String| {
            origin != "*"
                && url::Url::parse(origin)
                    .map_or(true, |url| url.origin().ascii_serialization() != *origin)
        };
        if let Some(bad) = origins.iter().find(|origin| not_an_origin(origin)) {
            bail!("LUFFY_CORS_ORIGINS: {bad:?} is not an origin like http://localhost:3000");
        }
        if self.sms_by_tencent()
            && (self.sms_tencent_sign_name.trim().is_empty()
                || self.sms_tencent_template_id.trim().is_empty())
        {
            bail!("Tencent Cloud SMS needs LUFFY_SMS_TENCENT_SIGN_NAME and LUFFY_SMS_TENCENT_TEMPLATE_ID");
        }
        if self.captcha_tencent_app_id != 0
            && self
                .captcha_tencent_app_secret_key
                .expose_secret()
                .is_empty()
        {
            bail!("the Tencent captcha check needs LUFFY_CAPTCHA_TENCENT_APP_SECRET_KEY");
        }
        if (self.sms_by_tencent() || self.captcha_tencent_app_id != 0)
            && (self.tencent_secret_id.trim().is_empty()
                || self.tencent_secret_key.expose_secret().is_empty())
        {
            bail!("Tencent Cloud SMS and captcha need LUFFY_TENCENT_SECRET_ID and LUFFY_TENCENT_SECRET_KEY");
        }
        if self.tencent_timeout_secs == 0 {
            bail!("LUFFY_TENCENT_TIMEOUT_SECS must be at least 1");
        }
        if self.environment == Environment::Production {
            if !self.sms_by_tencent() {
                bail!("production needs a real SMS provider (LUFFY_SMS_TENCENT_APP_ID and the rest): the development outbox would show every code to anyone");
            }
            if origins.iter().any(|o| o == "*") {
                bail!("production refuses LUFFY_CORS_ORIGINS=*: list the store's own origins");
            }
            let secret = self.jwt_secret.expose_secret();
            if secret == DEVELOPMENT_JWT_SECRET || secret.len() < 32 {
                bail!("production needs LUFFY_JWT_SECRET of at least 32 characters, not the development default");
            }
            if self.alipay_gateway.is_empty() {
                bail!("production needs a real LUFFY_ALIPAY_GATEWAY, not the built-in sandbox");
            }
            if self.wechat_enabled() {
                if self.wechat_gateway.is_empty() {
                    bail!("production needs a real LUFFY_WECHAT_GATEWAY (https://api.mch.weixin.qq.com), not the built-in sandbox, or LUFFY_WECHAT_MCHID empty to turn WeChat Pay off");
                }
                if self.wechat_api_v3_key.expose_secret() == DEVELOPMENT_WECHAT_API_V3_KEY {
                    bail!("production needs the merchant's LUFFY_WECHAT_API_V3_KEY, not the development default");
                }
            }
        }
        Ok(())
    }

    /// Registration codes go out through Tencent Cloud SMS (else the development outbox).
    pub fn sms_by_tencent(&self) -> bool {
        !self.sms_tencent_app_id.trim().is_empty()
    }

    /// Where `luffy migrate` connects: the migration URL, else the database URL.
    pub fn migration_url(&self) -> &str {
        if self.database_migration_url.is_empty() {
            &self.database_url
        } else {
            &self.database_migration_url
        }
    }

    /// The store timezone, parsed.
    pub fn store_timezone(&self) -> anyhow::Result<chrono_tz::Tz> {
        self.timezone
            .parse()
            .map_err(|_| anyhow::anyhow!("unknown timezone {:?}", self.timezone))
    }

    /// How many HTTP worker threads serve requests: the setting, or one per core (as
    /// actix-web counts them) for 0. Each gets its own share of the connection pools.
    pub fn serving_threads(&self) -> usize {
        if self.http_workers > 0 {
            self.http_workers
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }

    /// The allowed browser origins: the configured list, or the development default.
    pub fn cors_origin_list(&self) -> Vec<String> {
        let configured: Vec<String> = self
            .cors_origins
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_owned())
            .filter(|origin| !origin.is_empty())
            .collect();
        if configured.is_empty() {
            DEVELOPMENT_CORS_ORIGINS
                .iter()
                .map(|o| (*o).to_owned())
                .collect()
        } else {
            configured
        }
    }

    /// `public_url` without a trailing slash, for building links.
    pub fn public_base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }

    /// The gateway URL: configured, or the built-in sandbox on this server.
    pub fn alipay_gateway_url(&self) -> String {
        if self.alipay_gateway.is_empty() {
            format!("{}/sandbox/alipay/gateway.do", self.public_base())
        } else {
            self.alipay_gateway.clone()
        }
    }

    /// The key lesson media links are signed with: the configured secret, else one derived
    /// from the JWT secret (so a development setup needs nothing more).
    pub fn media_url_key(&self) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        match self.media_url_secret.expose_secret() {
            "" => Sha256::digest(
                format!("luffy media links\n{}", self.jwt_secret.expose_secret()).as_bytes(),
            )
            .to_vec(),
            secret => secret.as_bytes().to_vec(),
        }
    }

    /// The key registration codes are hashed with in Redis (derived from the JWT secret).
    pub fn sms_code_key(&self) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        Sha256::digest(format!("luffy sms codes\n{}", self.jwt_secret.expose_secret()).as_bytes())
            .to_vec()
    }

    /// Whether WeChat Pay is offered (a merchant id is set).
    pub fn wechat_enabled(&self) -> bool {
        !self.wechat_mchid.is_empty()
    }

    /// The WeChat Pay API base URL: configured, or the built-in sandbox on this server.
    pub fn wechat_base_url(&self) -> String {
        if self.wechat_gateway.is_empty() {
            format!("{}/sandbox/wechat", self.public_base())
        } else {
            self.wechat_gateway.trim_end_matches('/').to_owned()
        }
    }

    /// The WeChat Pay notify URL: configured, or this API's.
    pub fn wechat_notify_url(&self) -> String {
        if self.wechat_notify_url.is_empty() {
            format!("{}/payments/wechat/notify", self.public_base())
        } else {
            self.wechat_notify_url.clone()
        }
    }

    /// The return URL: configured, or this API's result page.
    pub fn alipay_return_url(&self) -> String {
        if self.alipay_return_url.is_empty() {
            format!("{}/payments/alipay/result/", self.public_base())
        } else {
            self.alipay_return_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Production settings need a real SMS provider.
    fn with_tencent_sms() -> Settings {
        Settings {
            tencent_secret_id: "AKIDexample".into(),
            tencent_secret_key: SecretString::from("secret"),
            sms_tencent_app_id: "1400000000".into(),
            sms_tencent_sign_name: "路飞学城".into(),
            sms_tencent_template_id: "100000".into(),
            ..Settings::default()
        }
    }

    #[test]
    fn tencent_sms_and_captcha_need_their_keys() {
        with_tencent_sms().validate().unwrap();
        let no_key = Settings {
            tencent_secret_key: SecretString::from(""),
            ..with_tencent_sms()
        };
        assert!(no_key.validate().is_err());
        let no_template = Settings {
            sms_tencent_template_id: String::new(),
            ..with_tencent_sms()
        };
        assert!(no_template.validate().is_err());
        let captcha_without_secret = Settings {
            captcha_tencent_app_id: 2_071_744_404,
            ..with_tencent_sms()
        };
        assert!(captcha_without_secret.validate().is_err());
        let production_with_outbox = Settings {
            environment: Environment::Production,
            alipay_gateway: "https://openapi.alipay.com/gateway.do".into(),
            wechat_mchid: String::new(),
            jwt_secret: SecretString::from("x".repeat(40)),
            ..Settings::default()
        };
        assert!(production_with_outbox.validate().is_err());
    }

    #[test]
    fn defaults_are_valid() {
        Settings::default().validate().unwrap();
    }

    #[test]
    fn production_refuses_the_wechat_sandbox_and_development_key() {
        let settings = Settings {
            environment: Environment::Production,
            alipay_gateway: "https://openapi.alipay.com/gateway.do".into(),
            jwt_secret: SecretString::from("x".repeat(40)),
            ..with_tencent_sms()
        };
        assert!(settings.validate().is_err(), "WeChat on, sandbox");
        let settings = Settings {
            wechat_gateway: "https://api.mch.weixin.qq.com".into(),
            ..settings
        };
        assert!(settings.validate().is_err(), "the development APIv3 key");
        let settings = Settings {
            wechat_api_v3_key: SecretString::from("k".repeat(31)),
            ..settings
        };
        assert!(settings.validate().is_err(), "not 32 bytes");
        let settings = Settings {
            wechat_api_v3_key: SecretString::from("k".repeat(32)),
            ..settings
        };
        settings.validate().unwrap();
        let off = Settings {
            wechat_mchid: String::new(),
            wechat_gateway: String::new(),
            ..settings
        };
        off.validate().unwrap();
    }

    #[test]
    fn production_refuses_development_secret() {
        let settings = Settings {
            environment: Environment::Production,
            alipay_gateway: "https://openapi.alipay.com/gateway.do".into(),
            wechat_mchid: String::new(),
            ..with_tencent_sms()
        };
        assert!(settings.validate().is_err());
        let settings = Settings {
            jwt_secret: SecretString::from("x".repeat(40)),
            ..settings
        };
        settings.validate().unwrap();
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn env_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("LUFFY_REDIS_PREFIX", "t1:");
            jail.set_env("LUFFY_ORDER_TIMEOUT_SECS", "60");
            jail.set_env("LUFFY_WORKER", "false");
            let settings = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(settings.redis_prefix, "t1:");
            assert_eq!(settings.order_timeout_secs, 60);
            assert!(!settings.worker);
            assert_eq!(
                settings.database_url,
                "postgres://postgres@127.0.0.1:5432/luffy"
            );
            Ok(())
        });
    }

    /// The text value each string setting reads back as, given an all-digit value.
    fn read_back(settings: &Settings, key: &str) -> String {
        match key {
            "DATABASE_URL" => settings.database_url.clone(),
            "DATABASE_MIGRATION_URL" => settings.database_migration_url.clone(),
            "DATABASE_REPLICA_URL" => settings.database_replica_url.clone(),
            "REDIS_CLUSTER_NODES" => settings.redis_cluster_nodes.clone(),
            "REDIS_URL" => settings.redis_url.clone(),
            "REDIS_PREFIX" => settings.redis_prefix.clone(),
            "LISTEN" => settings.listen.clone(),
            "PUBLIC_URL" => settings.public_url.clone(),
            "JWT_SECRET" => settings.jwt_secret.expose_secret().to_owned(),
            "ALIPAY_GATEWAY" => settings.alipay_gateway.clone(),
            "ALIPAY_APP_ID" => settings.alipay_app_id.clone(),
            "ALIPAY_SELLER_ID" => settings.alipay_seller_id.clone(),
            "ALIPAY_RETURN_URL" => settings.alipay_return_url.clone(),
            "WECHAT_GATEWAY" => settings.wechat_gateway.clone(),
            "WECHAT_APPID" => settings.wechat_appid.clone(),
            "WECHAT_MCHID" => settings.wechat_mchid.clone(),
            "WECHAT_MERCHANT_SERIAL" => settings.wechat_merchant_serial.clone(),
            "WECHAT_API_V3_KEY" => settings.wechat_api_v3_key.expose_secret().to_owned(),
            "WECHAT_PUBLIC_KEY_ID" => settings.wechat_public_key_id.clone(),
            "WECHAT_PLATFORM_CERTIFICATES" => settings.wechat_platform_certificates.clone(),
            "WECHAT_NOTIFY_URL" => settings.wechat_notify_url.clone(),
            "KEYS_DIR" => settings.keys_dir.display().to_string(),
            "TIMEZONE" => settings.timezone.clone(),
            "CORS_ORIGINS" => settings.cors_origins.clone(),
            "MEDIA_DIR" => settings.media_dir.display().to_string(),
            "TENCENT_SECRET_ID" => settings.tencent_secret_id.clone(),
            "TENCENT_SECRET_KEY" => settings.tencent_secret_key.expose_secret().to_owned(),
            "TENCENT_ENDPOINT" => settings.tencent_endpoint.clone(),
            "SMS_TENCENT_APP_ID" => settings.sms_tencent_app_id.clone(),
            "SMS_TENCENT_SIGN_NAME" => settings.sms_tencent_sign_name.clone(),
            "SMS_TENCENT_TEMPLATE_ID" => settings.sms_tencent_template_id.clone(),
            "SMS_TENCENT_REGION" => settings.sms_tencent_region.clone(),
            "CAPTCHA_TENCENT_APP_SECRET_KEY" => settings
                .captcha_tencent_app_secret_key
                .expose_secret()
                .to_owned(),
            other => panic!("no reader for {other}"),
        }
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn every_string_setting_accepts_an_all_digit_value() {
        for key in STRING_SETTINGS {
            figment::Jail::expect_with(|jail| {
                // Leading zeros and a value past u64 must survive as text too.
                let value = "0020210000000000012345678901234567890";
                jail.set_env(format!("LUFFY_{key}"), value);
                // Reading must accept it; validation may then refuse values that are not
                // URLs or zones, which is a different, clear error.
                let settings = Settings::extract().map_err(|e| e.to_string())?;
                assert_eq!(read_back(&settings, key), value, "{key}");
                Ok(())
            });
        }
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn all_digit_alipay_ids_load() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("LUFFY_ALIPAY_APP_ID", "2021000000000001");
            jail.set_env("LUFFY_ALIPAY_SELLER_ID", "2088000000000001");
            jail.set_env("LUFFY_REDIS_PREFIX", "007");
            jail.set_env(
                "LUFFY_JWT_SECRET",
                "12345678901234567890123456789012345678901234",
            );
            let settings = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(settings.alipay_app_id, "2021000000000001");
            assert_eq!(settings.alipay_seller_id, "2088000000000001");
            assert_eq!(settings.redis_prefix, "007");
            assert_eq!(
                settings.jwt_secret.expose_secret(),
                "12345678901234567890123456789012345678901234"
            );
            Ok(())
        });
    }

    #[test]
    fn help_describes_every_setting() {
        let defaults = serde_json::to_value(Settings::default()).unwrap();
        let mut fields: Vec<&str> = defaults
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .chain([
                "jwt_secret",
                "wechat_api_v3_key",
                "alipay_aes_key",
                "media_url_secret",
                "tencent_secret_key",
                "captcha_tencent_app_secret_key",
            ])
            .collect();
        fields.sort_unstable();
        let mut described: Vec<&str> = SETTING_MEANINGS.iter().map(|(f, _)| *f).collect();
        described.sort_unstable();
        assert_eq!(fields, described);
        let help = environment_help();
        assert!(help.contains(
            "LUFFY_ALIPAY_APP_ID\n      merchant app id\n      default: 2021000000000000"
        ));
        assert!(help.contains("LUFFY_CONFIG"));
        assert!(!help.contains(DEVELOPMENT_JWT_SECRET));
        assert!(!help.contains(DEVELOPMENT_WECHAT_API_V3_KEY));
    }

    #[test]
    fn cors_origins_default_and_production_refuses_star() {
        let settings = Settings::default();
        assert_eq!(settings.cors_origin_list(), DEVELOPMENT_CORS_ORIGINS);
        let settings = Settings {
            environment: Environment::Production,
            alipay_gateway: "https://openapi.alipay.com/gateway.do".into(),
            wechat_mchid: String::new(),
            jwt_secret: SecretString::from("x".repeat(40)),
            cors_origins: "https://www.example.com, *".into(),
            ..with_tencent_sms()
        };
        assert!(settings.validate().is_err());
        let settings = Settings {
            cors_origins: "https://www.example.com,https://admin.example.com/".into(),
            ..settings
        };
        settings.validate().unwrap();
        assert_eq!(
            settings.cors_origin_list(),
            ["https://www.example.com", "https://admin.example.com"]
        );
        let settings = Settings {
            cors_origins: "not an origin".into(),
            ..Settings::default()
        };
        assert!(settings.validate().is_err());
    }
}
