//! Wire formats shared by handlers: lenient number input, money output, store-time output.

pub mod flexible;
pub mod json;
pub mod media;
pub mod money;
pub mod time;
