//! Alipay OpenAPI v1 client, usable by any service: RSA2 (SHA256withRSA, PKCS#1
//! v1.5) signing and verification, page-pay links, return/notify verification, and trade
//! query/close/refund over reqwest (the `client` feature, on by default; without it the crate
//! only signs and verifies, with no HTTP client or async runtime). No database, no web
//! framework.
//!
//! ---
#![doc = include_str!("../README.md")]

#[cfg(feature = "client")]
pub mod client;
pub mod config;
pub mod error;
pub mod extract;
pub mod form;
pub mod keys;
pub mod notify;
pub mod page_pay;
pub mod sign;
pub mod wire;

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
