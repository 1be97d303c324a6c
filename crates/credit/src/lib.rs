//! Points ("credit", SPEC 2.5): the conversion rate to money and the ledger operations every
//! balance change is recorded under. The invariant kept everywhere: a user's balance equals the
//! sum of their ledger numbers.

pub mod ledger;
pub mod rate;

pub use ledger::{LedgerEntry, LedgerOperation};
pub use rate::{CreditRate, InvalidCreditRate};
