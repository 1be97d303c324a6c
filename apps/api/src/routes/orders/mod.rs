//! Orders (SPEC 2.6, 3): quote, create, pay choices, list, detail, cancel, hide, buy again,
//! refunds.

pub mod cancel;
pub mod choices;
pub mod create;
pub mod detail;
pub mod form;
pub mod hide;
pub mod list;
pub mod quote;
pub mod rebuy;
pub mod refund;
pub mod view;
