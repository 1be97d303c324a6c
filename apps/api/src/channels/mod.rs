//! The payment channels' adapters of the order crate's [`luffy_order::PaymentGateway`] port,
//! one module per channel; the app keeps them in one [`luffy_order::Gateways`] registry.

pub mod alipay;
pub mod wechat;
