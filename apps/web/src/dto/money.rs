//! Money goes out as a JSON number with at most 2 decimals (SPEC 3). Values are exact 2-dp
//! decimals well below 2^53 cents, so the shortest f64 rendering prints exactly those digits.

/// Serde `with` module for `Decimal` fields.
pub use rust_decimal::serde::float as number;

/// Serde `with` module for `Option<Decimal>` fields.
pub use rust_decimal::serde::float_option as optional_number;
