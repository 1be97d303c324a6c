//! Accounts: the user model, the [`UserStore`] and [`AccountCache`] ports, and the
//! [`AccountService`] the API's user, admin and authorisation code calls, and the operators'
//! audit trail ([`audit`]).
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod account;
pub mod audit;
pub mod captcha;
pub mod ports;
pub mod service;
pub mod sms;

pub use account::{
    check_state_change, AccountState, LedgerKind, LedgerLine, NewUser, StateChangeRefused, User,
    UserError,
};
pub use audit::{AuditEntry, AuditQuery, AuditService, AuditStore};
pub use captcha::{check_captcha, CaptchaAnswer, CaptchaError, CaptchaVerifier};
pub use ports::{AccountCache, UserStore};
pub use service::AccountService;
pub use sms::{
    CodeCheck, Mobile, SendRefusal, SmsCodes, SmsError, SmsLimits, SmsSender, SmsService,
};
