//! The cart (SPEC 2.2): add, list, toggle one, toggle all, remove, and the checkout page data.

pub mod add;
pub mod checkout;
pub mod list;
pub mod remove;
pub mod select_all;
pub mod toggle;
pub mod view;
