//! Wire formats shared by handlers: lenient number input, money output, store-time output,
//! the plain message body and the DRF page.

pub mod flexible;
pub mod json;
pub mod media;
pub mod message;
pub mod money;
pub mod page;
pub mod refund;
pub mod time;
