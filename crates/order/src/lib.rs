//! Orders: checkout pricing as one pure function
//! ([`pricing::price_checkout`]), the order state machine with its transition plans
//! ([`lifecycle`]), the order number format, the payment channel port ([`gateway`]), the
//! order's jobs ([`jobs`], run by [`handlers`]), and the checkout,
//! order and payment services over the one [`ports::OrderStore`] port.
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod back_office;
pub mod channel;
pub mod checkout;
pub mod gateway;
pub mod handlers;
pub mod jobs;
pub mod lifecycle;
pub mod number;
pub mod order;
pub mod payment;
pub mod ports;
pub mod pricing;
pub mod rebuy;
pub mod refund;
pub mod refund_service;
pub mod service;
pub mod status;

#[cfg(test)]
mod fake;

pub use channel::{Channel, PaymentStatus};
pub use checkout::{
    usable_coupons, CheckoutError, CheckoutOutcome, CheckoutRequest, CheckoutService, CouponOption,
    CouponOptions, CreatedOrder, IdempotencyKey, OrderPlan,
};
pub use gateway::{
    ChannelReply, ChannelRequest, Gateways, NotifyVerdict, PaymentGateway, PaymentRequest,
    PaymentStart, RefundRequest, RemoteRefund, RemoteTrade, ReturnedTrade,
};
pub use lifecycle::{LockedOrder, OrderStatus, TransitionPlan};
pub use order::{CancelError, CouponSummary, Order, OrderLine};
pub use payment::{
    GatewayCheck, Merchant, NoticeKind, NoticeOutcome, NoticeRefusal, PaidOrder, PaymentError,
    PaymentEvent, PaymentNotice, PaymentOutcome, PaymentService, QueriedTrade,
};
pub use ports::{OrderBackOffice, OrderJobReads, OrderKey, OrderStore, OrderTx, RefundChange};
pub use pricing::{price_checkout, PricingError, PricingInput, Quote, QuoteLine};
pub use rebuy::{Rebuy, RebuyError, RebuyService, SkipReason};
pub use refund::{
    line_refunds, LineRefund, NewRefund, Refund, RefundAsk, RefundChannel, RefundError,
    RefundPolicy, RefundStatus, Requester,
};
pub use refund_service::{RefundEvents, RefundService};
pub use service::{HideError, OrderService, PayLinkError, StartedPayment};
pub use status::PayType;

// What the main entry points take and return, so that pricing a checkout or driving an order
// needs this crate alone (and the same versions of these crates as it uses).
pub use chrono;
pub use luffy_catalog::{Category, Course, CourseType, Direction, SaleFormula};
pub use luffy_common::{
    Clock, CourseId, FixedClock, Page, PageRequest, StorageError, SystemClock, UserId,
};
pub use luffy_coupon::{Coupon, CouponKind, CouponScope, UseStatus, UserCoupon};
pub use luffy_credit::{BalanceEntry, CreditRate, LedgerEntry, LedgerOperation};
pub use rust_decimal;
pub use serde_json;
