//! Points ("credit") and the money balance: the conversion rate to money and the
//! ledger operations every balance change is recorded under. The invariant kept everywhere: a user's balance equals the
//! sum of their ledger numbers.
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod balance;
pub mod ledger;
pub mod rate;
pub mod remark;

pub use balance::{validate_top_up, BalanceEntry, BalanceOperation, InvalidTopUp, MAX_TOP_UP};
pub use ledger::{LedgerEntry, LedgerOperation};
pub use rate::{CreditRate, InvalidCreditRate};
pub use remark::{operator_remark, RemarkTooLong, MAX_REMARK_CHARS};

// Foreign types in the public signatures.
pub use rust_decimal;
