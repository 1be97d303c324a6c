//! Alipay OpenAPI v1 client, usable by any service: RSA2 (SHA256withRSA, PKCS#1
//! v1.5) signing and verification, page-pay links, return/notify verification, and trade
//! query/close/refund over reqwest (the `client` feature, on by default; without it the crate
//! only signs and verifies, with no HTTP client or async runtime). No database, no web
//! framework.
//!
//! Page pay → notify → verify, with the gateway simulated by a second key pair (in production
//! the gateway's public key comes from Alipay's console). [`verify_notify`] requires `sign`,
//! `app_id`, `out_trade_no`, `trade_no`, `trade_status` and `total_amount`, reads `seller_id`
//! and `gmt_payment` when present, and checks the signature over every other parameter too;
//! the caller then compares `app_id`, `seller_id` and the amount with its own order.
//!
//! ```
//! use std::time::Duration;
//!
//! use luffy_payment_alipay::chrono::Utc;
//! use luffy_payment_alipay::form::parse_form;
//! use luffy_payment_alipay::keys::generate_private_key;
//! use luffy_payment_alipay::rsa::RsaPublicKey;
//! use luffy_payment_alipay::rust_decimal::Decimal;
//! use luffy_payment_alipay::{
//!     sign_callback, verify_notify, AlipayConfig, AlipayError, PagePay, TradeStatus,
//! };
//!
//! let app_key = generate_private_key().unwrap();
//! let gateway_key = generate_private_key().unwrap();
//! let config = AlipayConfig {
//!     app_id: "2021000000000001".into(),
//!     gateway: "https://openapi.alipay.com/gateway.do".into(),
//!     alipay_public_key: RsaPublicKey::from(&gateway_key),
//!     app_private_key: app_key,
//!     cert_mode: None, // public-key mode; see `cert::CertMode` for certificate mode
//!     aes_key: None,   // plain biz_content; see `AesKey` for content encryption
//!     seller_id: Some("2088000000000001".into()),
//!     notify_url: "https://store.example/pay/alipay/notify".into(),
//!     return_url: "https://store.example/pay/result".into(),
//!     timeout: Duration::from_secs(10),
//! };
//!
//! // 1. The buyer is sent to a signed pay link.
//! let now = Utc::now();
//! let link = PagePay {
//!     out_trade_no: "202612030000000100000001".into(),
//!     total_amount: Decimal::new(29900, 2),
//!     subject: "路飞学城课程".into(),
//!     time_expire: now + luffy_payment_alipay::chrono::Duration::minutes(15),
//! }
//! .url(&config, now)
//! .unwrap();
//! let (_, query) = link.split_once('?').unwrap();
//! let sent = parse_form(query.as_bytes()).unwrap();
//! assert!(sent.iter().any(|(k, v)| k == "method" && v == "alipay.trade.page.pay"));
//!
//! // 2. The gateway notifies (here simulated with its key)...
//! let notify: Vec<(String, String)> = [
//!     ("app_id", "2021000000000001"),
//!     ("out_trade_no", "202612030000000100000001"),
//!     ("trade_no", "2026120322001400001"),
//!     ("trade_status", "TRADE_SUCCESS"),
//!     ("total_amount", "299.00"),
//!     ("seller_id", "2088000000000001"),
//!     ("gmt_payment", "2026-12-03 10:15:00"),
//! ]
//! .iter()
//! .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
//! .collect();
//! let signed = sign_callback(&notify, &gateway_key).unwrap();
//!
//! // 3. ...and we verify it before trusting a field.
//! let paid = verify_notify(&signed, &config.alipay_public_key).unwrap();
//! assert_eq!(paid.trade_status, TradeStatus::TradeSuccess);
//! assert_eq!(paid.total_amount, Decimal::new(29900, 2));
//!
//! // A changed amount breaks the signature; a missing required field is refused.
//! let mut tampered = signed.clone();
//! tampered.iter_mut().find(|(k, _)| k == "total_amount").unwrap().1 = "0.01".into();
//! assert!(matches!(
//!     verify_notify(&tampered, &config.alipay_public_key),
//!     Err(AlipayError::BadSignature)
//! ));
//! let without_trade_no: Vec<_> = notify.into_iter().filter(|(k, _)| k != "trade_no").collect();
//! let signed = sign_callback(&without_trade_no, &gateway_key).unwrap();
//! assert!(matches!(
//!     verify_notify(&signed, &config.alipay_public_key),
//!     Err(AlipayError::Malformed(_))
//! ));
//! ```
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod aes;
#[cfg(feature = "bill")]
pub mod bill;
pub mod cert;
#[cfg(feature = "client")]
pub mod client;
pub mod config;
#[cfg(feature = "dev-ca")]
pub mod dev_ca;
pub mod error;
pub mod extract;
pub mod form;
pub mod keys;
pub mod notify;
pub mod page_pay;
pub mod sign;
pub mod wire;

pub use aes::AesKey;
pub use cert::CertMode;
#[cfg(feature = "client")]
pub use client::{AlipayClient, RefundQuery, RefundResult, TradeQuery};
pub use config::AlipayConfig;
pub use error::AlipayError;
pub use notify::{
    sign_callback, verify_notify, verify_return, Notification, ReturnParams, TradeStatus,
};
pub use page_pay::PagePay;

// Foreign types in the public signatures: `AlipayConfig` holds `rsa` keys, amounts are
// `rust_decimal`, times `chrono`, responses `serde_json`.
pub use chrono;
pub use rsa;
pub use rust_decimal;
pub use serde_json;
