//! What the HTTP API (`luffy-api`) and the operators' console (`luffy-console`) share, so that
//! neither depends on the other's handlers: the one error type and how it answers
//! ([`error::ApiError`]), the edge's limits and messages ([`limits`]), the wire formats
//! ([`dto`]), password hashing ([`password`]), the orders export both offer
//! ([`order_export`]) and the domain services as wired to their production adapters
//! ([`services`]).

pub mod dto;
pub mod error;
pub mod limits;
pub mod order_export;
pub mod password;
pub mod providers;
pub mod reconciliation_view;
pub mod services;

pub use error::ApiError;
