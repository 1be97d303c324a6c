//! Fulfilment (SPEC 2.7): recording a payment and, if the order's 0 -> 1 compare-and-set wins,
//! giving the buyer the courses, all in one transaction behind the [`PaymentStore`] port.

use std::future::Future;

use chrono::{DateTime, Utc};
use luffy_common::{StorageError, UserId};
use rust_decimal::Decimal;

/// How the money came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Alipay page payment.
    Alipay,
    /// The user's balance (`users.money`).
    Balance,
}

impl Channel {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alipay => "alipay",
            Self::Balance => "balance",
        }
    }
}

/// A verified report that money for an order arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentEvent {
    /// Our order number (out_trade_no).
    pub order_number: String,
    /// The gateway's trade number; unique: the same trade is recorded once.
    pub trade_no: String,
    /// The amount paid; must equal the order's real_price.
    pub amount: Decimal,
    /// The channel.
    pub channel: Channel,
    /// The verified message, kept as evidence.
    pub payload: String,
    /// When the buyer paid.
    pub paid_at: DateTime<Utc>,
}

/// An order that a payment has just paid: what the business metrics and logs report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidOrder {
    /// The order.
    pub order_id: i64,
    /// How the buyer chose to pay.
    pub pay_type: crate::PayType,
    /// The amount paid (the order's real_price).
    pub amount: Decimal,
    /// When the order was created.
    pub ordered_at: DateTime<Utc>,
    /// When it was paid.
    pub paid_at: DateTime<Utc>,
}

/// What recording a payment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// This payment won the 0 -> 1 transition: the order is paid and the courses are owned.
    Fulfilled(PaidOrder),
    /// This trade was recorded before (a replayed or late notify): nothing changed.
    AlreadyRecorded {
        /// The order.
        order_id: i64,
    },
    /// The order was cancelled, timed out or paid by another trade: the payment is recorded as
    /// `refund_pending` and must be refunded, never dropped.
    RefundPending {
        /// The order.
        order_id: i64,
        /// The payment row to refund.
        payment_id: i64,
    },
}

/// Why a payment was refused (nothing is written).
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// No order has this number (or, for balance payment, not the caller's).
    #[error("订单不存在!")]
    UnknownOrder,
    /// The amount differs from the order's real_price.
    #[error("支付金额与订单金额不一致!")]
    AmountMismatch,
    /// Balance payment of an order that is not unpaid.
    #[error("订单已支付或已取消!")]
    NotUnpaid,
    /// Balance payment of an order past its expiry.
    #[error("订单已超时!")]
    Expired,
    /// Balance payment without enough money.
    #[error("余额不足!")]
    InsufficientBalance,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Payment storage. Adapters run each method in ONE transaction with the order row locked.
pub trait PaymentStore: Send + Sync {
    /// Records a verified payment (idempotent per trade_no) and fulfils the order if its
    /// 0 -> 1 compare-and-set wins. Errors: `UnknownOrder`, `AmountMismatch`, `Storage`.
    fn record_payment(
        &self,
        event: PaymentEvent,
    ) -> impl Future<Output = Result<PaymentOutcome, PaymentError>> + Send;

    /// Pays the caller's unpaid, unexpired order from `users.money` with a guarded deduction and
    /// fulfils it. Returns the paid order. Errors: `UnknownOrder`, `NotUnpaid`, `Expired`,
    /// `InsufficientBalance`, `Storage`.
    fn pay_with_balance(
        &self,
        user: UserId,
        order_number: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<PaidOrder, PaymentError>> + Send;
}
