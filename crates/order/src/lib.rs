//! Orders: checkout pricing as one pure function
//! ([`pricing::price_checkout`]), the order state machine with its transition plans
//! ([`lifecycle`]), the order number format, the payment channel port ([`gateway`]), the
//! order's jobs ([`jobs`], run by [`handlers`]), and the checkout,
//! order and payment services over the one [`ports::OrderStore`] port.
//!
//! An order's life in pure functions: [`lifecycle::create`] decides what a new order starts as,
//! and each later event ([`lifecycle::pay`], [`lifecycle::cancel`], [`lifecycle::time_out`],
//! [`lifecycle::refund`]) returns a [`TransitionPlan`]: the guarded status change and the
//! effects a store runs in the same transaction. [`TransitionPlan::apply_to`] applies one to an
//! order held in memory, with the store's guard.
//!
//! ```
//! use luffy_order::chrono::{Duration, Utc};
//! use luffy_order::lifecycle::{self, PaymentStamp};
//! use luffy_order::rust_decimal::Decimal;
//! use luffy_order::{Channel, LockedOrder, OrderStatus, PayType, PlanMismatch, UserId};
//!
//! let now = Utc::now();
//! let new_order = |id| {
//!     let price = Decimal::new(299, 0);
//!     let creation = lifecycle::create(id, UserId(1), price, now, now + Duration::minutes(15));
//!     assert_eq!(creation.status, OrderStatus::Unpaid);
//!     assert!(creation.timeout_job.is_some()); // stored with the order, in one transaction
//!     LockedOrder {
//!         id,
//!         order_number: format!("20261203{id:06}"),
//!         user: UserId(1),
//!         status: creation.status,
//!         pay_type: PayType::Alipay,
//!         real_price: price,
//!         credit: 0,
//!         created_time: now,
//!         expires_at: now + Duration::minutes(15),
//!     }
//! };
//!
//! // create → pay: the courses go to the buyer, the timeout job is settled.
//! let mut paid = new_order(1);
//! let stamp = PaymentStamp {
//!     paid_at: now,
//!     trade_no: "2026120322001".into(),
//!     channel: Channel::Alipay,
//! };
//! let plan = lifecycle::pay(&paid, 7, stamp.clone(), now);
//! assert!(plan.effects.fulfil.is_some() && plan.effects.settle_timeout_job);
//! plan.apply_to(&mut paid).unwrap();
//! assert_eq!(paid.status, OrderStatus::Paid);
//!
//! // create → cancel: the coupon and points go back and the remote trade is closed by a job.
//! let mut cancelled = new_order(2);
//! let plan = lifecycle::cancel(&cancelled, now).unwrap();
//! assert!(plan.effects.release_coupon && plan.effects.enqueue.len() == 1);
//! plan.apply_to(&mut cancelled).unwrap();
//! assert_eq!(cancelled.status, OrderStatus::Cancelled);
//!
//! // A cancelled order cannot be cancelled again, and a payment that arrives anyway is kept
//! // and refunded, never dropped.
//! assert_eq!(lifecycle::cancel(&cancelled, now), Err(OrderStatus::Cancelled));
//! let late = lifecycle::pay(&cancelled, 8, stamp, now);
//! assert!(late.change.is_none() && late.effects.refund_payment.is_some());
//!
//! // A plan decided from a status the order has left is refused, like a lost race.
//! let mut raced = new_order(3);
//! let cancel = lifecycle::cancel(&raced, now).unwrap();
//! lifecycle::time_out(&raced).unwrap().apply_to(&mut raced).unwrap();
//! assert!(matches!(cancel.apply_to(&mut raced), Err(PlanMismatch::StatusMoved { .. })));
//! ```
//!
//! Code built on the services can test against [`memory::MemoryOrderStore`] (feature
//! `test-util`), an in-memory `OrderStore`/`OrderTx` with the same guards.
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
pub mod reconciliation;
pub mod reconciliation_service;
pub mod refund;
pub mod refund_service;
pub mod service;
pub mod status;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;

pub use channel::{Channel, PaymentStatus};
pub use checkout::{
    usable_coupons, CheckoutError, CheckoutOutcome, CheckoutRequest, CheckoutService, CouponOption,
    CouponOptions, CreatedOrder, IdempotencyKey, OrderPlan,
};
pub use gateway::{
    BillEntry, BillEntryKind, BillError, ChannelBill, ChannelReply, ChannelRequest, Gateways,
    NotifyVerdict, PaymentGateway, PaymentRequest, PaymentStart, RefundRequest, RemoteRefund,
    RemoteTrade, ReturnedTrade,
};
pub use lifecycle::{LockedOrder, OrderStatus, PlanMismatch, TransitionPlan};
pub use order::{CancelError, CouponSummary, Order, OrderLine};
pub use payment::{
    GatewayCheck, Merchant, NoticeKind, NoticeOutcome, NoticeRefusal, PaidOrder, PaymentError,
    PaymentEvent, PaymentNotice, PaymentOutcome, PaymentService, QueriedTrade,
};
pub use ports::{OrderBackOffice, OrderJobReads, OrderKey, OrderStore, OrderTx, RefundChange};
pub use pricing::{price_checkout, PricingError, PricingInput, Quote, QuoteLine};
pub use rebuy::{Rebuy, RebuyError, RebuyService, SkipReason};
pub use reconciliation::{Books, Finding, FindingKind, OurPayment, OurRefund};
pub use reconciliation_service::{
    DayResult, ReconcileError, Reconciliation, ReconciliationService, ReconciliationStore,
};
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
