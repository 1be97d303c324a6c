//! WeChat Pay API v3 (Native pay) for any service: `WECHATPAY2-SHA256-RSA2048` request
//! signing, verification of every response and notify with the keys a merchant holds
//! (platform certificates or the WeChat Pay public key, both during a switch), the 300 s
//! window and probe refusal, AEAD_AES_256_GCM notify decryption, exact yuan ↔ fen, and the
//! Native pay, query, close, refund and refund query calls over reqwest (the `client`
//! feature, on by default; without it the crate only signs, verifies and decrypts, with no
//! HTTP client or async runtime). No database, no web framework.
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod aead;
pub mod amount;
pub mod bill;
#[cfg(feature = "client")]
pub mod client;
pub mod config;
pub mod error;
pub mod keys;
pub mod notify;
pub mod sign;
pub mod time;
pub mod verify;

pub use amount::{fen_to_yuan, yuan_to_fen};
#[cfg(feature = "client")]
pub use client::{Answer, NativeOrder, RefundOrder, WechatClient};
pub use config::WechatConfig;
pub use error::WechatError;
pub use notify::{
    open_notify, seal_notify, verify_notify, Notice, NotifyEnvelope, Refund, Transaction,
};
pub use sign::Authorization;
pub use verify::{verify_signed, PlatformKeys, SignedHeaders};

// Foreign types in the public signatures: keys are `rsa`, secrets `secrecy`, amounts
// `rust_decimal`, times `chrono`, bodies `serde_json`.
pub use chrono;
pub use rsa;
pub use rust_decimal;
pub use secrecy;
pub use serde_json;
