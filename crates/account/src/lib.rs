//! Accounts: the user model, the [`UserStore`] and [`AccountCache`] ports, and the
//! [`AccountService`] the API's user, admin and authorisation code calls, and the operators'
//! audit trail ([`audit`]).

pub mod account;
pub mod audit;
pub mod ports;
pub mod service;

pub use account::{
    check_state_change, AccountState, LedgerKind, LedgerLine, NewUser, StateChangeRefused, User,
    UserError,
};
pub use audit::{AuditEntry, AuditQuery, AuditService, AuditStore};
pub use ports::{AccountCache, UserStore};
pub use service::AccountService;

/// The README's example, compiled and run as a doctest so it cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
