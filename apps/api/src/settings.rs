//! Typed configuration (SPEC 5): defaults, then an optional TOML file (`LUFFY_CONFIG`), then
//! `LUFFY_*` environment variables. Built once in `main` and passed down; no globals.

use std::path::PathBuf;

use anyhow::{bail, Context};
use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The JWT secret used when none is configured; refused in production.
pub const DEVELOPMENT_JWT_SECRET: &str = "luffy-development-jwt-secret-do-not-use-in-production";

/// Where the server runs; production refuses development secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Local development and tests.
    Development,
    /// A real store: development keys and the default JWT secret are refused.
    Production,
}

/// Every setting of the `luffy` binary and the embeddable server.
#[derive(Debug, Clone, Deserialize)]
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
    /// Redis URL (`LUFFY_REDIS_URL`).
    pub redis_url: String,
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
    /// First delay between the built-in sandbox's notify retries (doubling, six retries).
    pub sandbox_notify_retry_ms: u64,
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            environment: Environment::Development,
            database_url: "postgres://postgres@127.0.0.1:5432/luffy".into(),
            database_pool_size: 16,
            database_timeout_secs: 5,
            redis_url: "redis://127.0.0.1:6379/0".into(),
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
            sandbox_notify_retry_ms: 1000,
            keys_dir: PathBuf::from("keys"),
            worker_poll_ms: 1000,
            worker_concurrency: 8,
            worker_lease_secs: 60,
            job_retry_base_ms: 5000,
            sweep_interval_secs: 60,
            timezone: "Asia/Shanghai".into(),
            log_json: false,
        }
    }
}

impl Settings {
    /// Loads defaults, then the TOML file named by `LUFFY_CONFIG` if set, then `LUFFY_*`.
    pub fn load() -> anyhow::Result<Self> {
        let mut figment = Figment::new();
        if let Ok(path) = std::env::var("LUFFY_CONFIG") {
            figment = figment.merge(Toml::file_exact(path));
        }
        let settings: Self = figment
            .merge(Env::prefixed("LUFFY_").ignore(&["CONFIG"]))
            .extract()
            .context("reading LUFFY_* settings")?;
        settings.validate()?;
        Ok(settings)
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
        if self.environment == Environment::Production {
            let secret = self.jwt_secret.expose_secret();
            if secret == DEVELOPMENT_JWT_SECRET || secret.len() < 32 {
                bail!("production needs LUFFY_JWT_SECRET of at least 32 characters, not the development default");
            }
            if self.alipay_gateway.is_empty() {
                bail!("production needs a real LUFFY_ALIPAY_GATEWAY, not the built-in sandbox");
            }
        }
        Ok(())
    }

    /// The store timezone, parsed.
    pub fn store_timezone(&self) -> anyhow::Result<chrono_tz::Tz> {
        self.timezone
            .parse()
            .map_err(|_| anyhow::anyhow!("unknown timezone {:?}", self.timezone))
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

    #[test]
    fn defaults_are_valid() {
        Settings::default().validate().unwrap();
    }

    #[test]
    fn production_refuses_development_secret() {
        let settings = Settings {
            environment: Environment::Production,
            alipay_gateway: "https://openapi.alipay.com/gateway.do".into(),
            ..Settings::default()
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
}
