//! Accounts: the user model, the [`UserStore`] and [`AccountCache`] ports, and the
//! [`AccountService`] the API's user, admin and authorisation code calls.

pub mod account;
pub mod ports;
pub mod service;

pub use account::{AccountState, NewUser, User, UserError};
pub use ports::{AccountCache, UserStore};
pub use service::AccountService;

/// The README's example, compiled and run as a doctest so it cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
