//! Tencent Cloud API 3.0 adapters for luffy's account ports: text messages through `SendSms`
//! ([`TencentSms`], a [`luffy_account::SmsSender`]) and the slider captcha's server-side check
//! through `DescribeCaptchaResult` ([`TencentCaptcha`], a [`luffy_account::CaptchaVerifier`]),
//! both signed with TC3-HMAC-SHA256 ([`tc3`]).
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod api;
pub mod captcha;
pub mod sms;
pub mod tc3;

pub use api::{ApiError, Credentials, TencentCloudApi};
pub use captcha::{CaptchaConfig, TencentCaptcha};
pub use sms::{SmsConfig, TencentSms};
