//! Orders (SPEC 2.3, 2.6): checkout pricing as one pure function ([`pricing::price_checkout`]),
//! order statuses with their compare-and-set transitions, the order number format, and the
//! checkout service over the one-transaction [`checkout::CheckoutStore`] port.

pub mod checkout;
pub mod number;
pub mod order;
pub mod payment;
pub mod pricing;
pub mod status;

pub use checkout::{
    CheckoutCommand, CheckoutError, CheckoutOutcome, CheckoutRequest, CheckoutService,
    CheckoutStore, CreatedOrder, IdempotencyKey,
};
pub use order::{CancelError, CouponSummary, Order, OrderLine, OrderRepository};
pub use payment::{Channel, PaidOrder, PaymentError, PaymentEvent, PaymentOutcome, PaymentStore};
pub use pricing::{price_checkout, PricingError, PricingInput, Quote, QuoteLine};
pub use status::{OrderStatus, PayType};

/// The README's example, compiled and run as a doctest so it cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
