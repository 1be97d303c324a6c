//! The shopping cart: which courses a buyer has put aside and which of them are
//! selected for checkout. Rules live in [`service::CartService`]; storage behind
//! [`repository::CartStore`] (Redis in production).
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod item;
pub mod repository;
pub mod service;

pub use item::{CartEntry, CartLine};
pub use repository::CartStore;
pub use service::{CartError, CartService};

// Foreign types in the public signatures.
pub use chrono;
