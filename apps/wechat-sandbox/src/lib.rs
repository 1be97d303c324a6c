//! A local WeChat Pay API v3 simulator, so Native pay runs end to end without internet.
//!
//! The API ([`api`]) verifies every request's `Authorization` (fields in any order, the
//! merchant's key, the 300 s window; 401 `SIGN_ERROR` otherwise), keeps trades, and answers
//! in WeChat's shapes and codes (404 `ORDER_NOT_EXIST`, 400 `ORDER_CLOSED`, ...), every answer
//! signed, 204s included, with the configured platform key and serial (a certificate serial
//! or a `PUB_KEY_ID_...`). The scan page ([`scan`]) plays the buyer's phone: pay or cancel.
//! Paying sends an encrypted `TRANSACTION.SUCCESS` notify, retried on WeChat's schedule
//! (compressible for tests) until the merchant answers 2xx; refunds send `REFUND.SUCCESS`.
//! Test controls ([`controls`]) pay without a browser, fetch a notify to replay, and switch
//! failure modes ([`Modes`]).
//!
//! Mount [`WechatSandbox::configure`] under a scope and give its path as
//! [`WechatSandboxConfig::mount`] (`luffy serve` uses `/sandbox/wechat`).

pub mod api;
pub mod bill;
pub mod controls;
pub mod notifier;
pub mod scan;
pub mod signing;
pub mod trades;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};

pub use trades::{WxRefund, WxTrade};

/// WeChat's notify retry schedule after the first attempt: 15s/15s/30s/3m/10m/20m/30m/30m/
/// 30m/60m/3h/3h/3h/6h/6h.
pub const WECHAT_RETRY_SCHEDULE_SECS: [u64; 15] = [
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];

/// Sandbox settings.
#[derive(Clone)]
pub struct WechatSandboxConfig {
    /// The key "WeChat Pay" signs answers and notifies with.
    pub platform_key: RsaPrivateKey,
    /// Its serial (`PUB_KEY_ID_...` in public-key mode, a certificate serial otherwise).
    pub platform_serial: String,
    /// The merchant's public key: verifies the merchant's requests.
    pub merchant_public_key: RsaPublicKey,
    /// The merchant id accepted.
    pub mchid: String,
    /// The app id accepted.
    pub appid: String,
    /// The APIv3 key notifies are encrypted with.
    pub api_v3_key: String,
    /// Where the sandbox is mounted (`/sandbox/wechat`): request paths are signed without it.
    pub mount: String,
    /// The sandbox's public base URL (scan links).
    pub public_url: String,
    /// Delays between notify attempts (WeChat's schedule, or a compressed one for tests).
    pub notify_retry_delays: Vec<Duration>,
}

/// Failure modes, set with `PUT control/mode`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Modes {
    /// Never send notifies (the merchant must query).
    pub drop_notifies: bool,
    /// Send each notify this many times, at least once.
    pub notify_copies: u32,
    /// Sign notifies with a `WECHATPAY/SIGNTEST/` probe signature.
    pub signtest_notifies: bool,
    /// API calls answer 500 `SYSTEM_ERROR`.
    pub system_error: bool,
    /// API calls wait this long before answering.
    pub response_delay_ms: u64,
    /// Refunds answer `PROCESSING` and succeed only when queried after this many ms.
    pub refund_processing_ms: u64,
    /// Refunds answer 400 `NOT_ENOUGH` and move no money.
    pub refund_fails: bool,
    /// Bill downloads are cut short (their SHA-1 no longer matches).
    pub bill_truncated: bool,
}

/// The sandbox: configuration, trades and modes, shared by every worker.
#[derive(Clone)]
pub struct WechatSandbox {
    /// Settings.
    pub config: Arc<WechatSandboxConfig>,
    /// Trades by out_trade_no.
    pub trades: trades::WxTrades,
    /// Failure modes.
    pub modes: Arc<Mutex<Modes>>,
    /// Client for notifies.
    pub http: reqwest::Client,
    /// Bill files handed out.
    pub bills: bill::BillFiles,
}

impl WechatSandbox {
    /// Builds a sandbox.
    pub fn new(config: WechatSandboxConfig) -> anyhow::Result<Self> {
        Ok(Self {
            config: Arc::new(config),
            trades: trades::WxTrades::default(),
            modes: Arc::new(Mutex::new(Modes::default())),
            bills: bill::BillFiles::default(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
        })
    }

    /// The current modes.
    pub fn modes(&self) -> Modes {
        self.modes.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Registers the routes (relative: mount under [`WechatSandboxConfig::mount`]).
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self.clone()))
            .app_data(web::PayloadConfig::new(64 * 1024))
            .route("/v3/pay/transactions/native", web::post().to(api::native))
            .route(
                "/v3/pay/transactions/out-trade-no/{no}",
                web::get().to(api::query),
            )
            .route(
                "/v3/pay/transactions/out-trade-no/{no}/close",
                web::post().to(api::close),
            )
            .route("/v3/refund/domestic/refunds", web::post().to(api::refund))
            .route(
                "/v3/refund/domestic/refunds/{no}",
                web::get().to(api::refund_query),
            )
            .route("/v3/bill/tradebill", web::get().to(bill::trade_bill))
            .route("/v3/billdownload/file", web::get().to(bill::download))
            .route("/scan/{no}", web::get().to(scan::page))
            .route("/scan/{no}/pay", web::post().to(scan::pay))
            .route("/scan/{no}/cancel", web::post().to(scan::cancel))
            .route("/control/pay/{no}", web::post().to(controls::pay))
            .route("/control/mode", web::put().to(controls::set_mode))
            .route("/control/trades/{no}", web::get().to(controls::trade))
            .route(
                "/control/trades/{no}/paid-at",
                web::put().to(controls::set_paid_at),
            )
            .route(
                "/control/notify/{no}",
                web::get().to(controls::notify_request),
            )
            .route(
                "/control/refund-notify/{no}/{refund}",
                web::get().to(controls::refund_notify_request),
            );
    }
}
