//! A local Alipay gateway simulator (SPEC 6), so the whole payment flow runs without internet.
//!
//! `gateway.do` serves `alipay.trade.page.pay` (checks the merchant's signature, amount,
//! product_code and time_expire, then shows a cashier page with Pay and Cancel) and
//! `alipay.trade.query` / `close` / `refund` (signed JSON in Alipay's shapes and codes). Paying
//! redirects to `return_url` with signed parameters and POSTs signed notifies to `notify_url`,
//! retrying until the merchant answers `success`. Test controls under `control/` pay without a
//! browser, repeat, delay or drop notifies, and make the gateway answer 20000 or stall.
//!
//! Mount [`Sandbox::configure`] under any scope (`luffy serve` uses `/sandbox/alipay`).

pub mod api;
pub mod bill;
pub mod cashier;
pub mod controls;
pub mod gateway;
pub mod identity;
pub mod modes;
pub mod notifier;
pub mod trades;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web;
use rsa::{RsaPrivateKey, RsaPublicKey};

pub use identity::{Identity, SandboxCertificates};
pub use luffy_payment_alipay::AesKey;
pub use modes::{Modes, NotifyMode};
pub use trades::{Trade, Trades};

/// Sandbox settings.
#[derive(Clone)]
pub struct SandboxConfig {
    /// The sandbox's own key: signs responses, returns and notifies ("Alipay's" key) until a
    /// certificate rotation replaces it.
    pub sandbox_private_key: RsaPrivateKey,
    /// The merchant's public key: verifies the merchant's requests.
    pub app_public_key: RsaPublicKey,
    /// The merchant app id the sandbox accepts (empty = any).
    pub app_id: String,
    /// The seller id put in notifies and returns.
    pub seller_id: String,
    /// Delays between notify attempts (Alipay uses minutes to hours; compressed here).
    pub notify_retry_delays: Vec<Duration>,
    /// Certificate mode: requests must carry these SNs, answers name the gateway's
    /// certificate; `None` is public-key mode.
    pub certificates: Option<SandboxCertificates>,
    /// The merchant's AES key: with it, requests must be encrypted and answers are.
    pub aes_key: Option<AesKey>,
}

/// The sandbox: configuration, trades and test modes, shared by every worker.
#[derive(Clone)]
pub struct Sandbox {
    /// Settings.
    pub config: Arc<SandboxConfig>,
    /// Trades by out_trade_no.
    pub trades: Trades,
    /// Test modes.
    pub modes: Arc<Mutex<Modes>>,
    /// The key (and certificate) it signs with.
    pub identity: Identity,
    /// Client for notifies.
    pub http: reqwest::Client,
}

impl Sandbox {
    /// Builds a sandbox.
    pub fn new(config: SandboxConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let identity = Identity::new(
            config.sandbox_private_key.clone(),
            config.certificates.as_ref(),
        )?;
        Ok(Self {
            identity,
            config: Arc::new(config),
            trades: Trades::default(),
            modes: Arc::new(Mutex::new(Modes::default())),
            http,
        })
    }

    /// The current test modes.
    pub fn modes(&self) -> Modes {
        self.modes.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Registers the routes (relative: mount under a scope).
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self.clone()))
            .route("/gateway.do", web::get().to(gateway::gateway))
            .route("/gateway.do", web::post().to(gateway::gateway))
            .route("/bill/download", web::get().to(bill::download))
            .route("/cashier/pay", web::post().to(cashier::pay))
            .route("/cashier/cancel", web::post().to(cashier::cancel))
            .route("/control/pay/{out_trade_no}", web::post().to(controls::pay))
            .route(
                "/control/notify/{out_trade_no}",
                web::post().to(controls::resend_notify),
            )
            .route(
                "/control/notify-body/{out_trade_no}",
                web::get().to(controls::notify_body),
            )
            .route("/control/mode", web::put().to(controls::set_mode))
            .route(
                "/control/rotate-cert",
                web::post().to(controls::rotate_cert),
            )
            .route(
                "/control/refund-notify-body/{out_trade_no}/{out_request_no}",
                web::get().to(controls::refund_notify_body),
            )
            .route(
                "/control/trades/{out_trade_no}",
                web::get().to(controls::trade),
            )
            .route(
                "/control/trades/{out_trade_no}/paid-at",
                web::put().to(controls::set_paid_at),
            )
            .route(
                "/control/trades/{out_trade_no}/refunds/{out_request_no}",
                web::put().to(controls::change_refund),
            )
            .route(
                "/control/trades/{out_trade_no}/refunds/{out_request_no}",
                web::delete().to(controls::change_refund),
            );
    }
}
