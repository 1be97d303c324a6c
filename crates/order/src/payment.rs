//! Payments: the [`PaymentService`] owns every gateway-independent check (our app
//! and seller, a known order, the amount, the trade status, refund notices routed away from
//! payments), builds the one [`PaymentEvent`], and records it through the order lifecycle in
//! one transaction: a payment pays an unpaid order, or is kept for a refund.

use chrono::{DateTime, Utc};
use luffy_common::{Clock, StorageError, UserId};
use luffy_credit::{BalanceEntry, BalanceOperation};
use rust_decimal::Decimal;

pub use crate::channel::Channel;
pub use crate::gateway::{NoticeKind, PaymentNotice};
use crate::gateway::{PaymentGateway, RemoteTrade};
use crate::lifecycle::{self, LockedOrder, PaymentStamp, Unpayable};
use crate::ports::{OrderKey, OrderStore, OrderTx};

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

/// Who we are at one channel: a notify for another app or seller is not ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    /// The channel.
    pub channel: Channel,
    /// Our app id (Alipay app_id, WeChat appid).
    pub app_id: String,
    /// Our seller id (Alipay seller_id, WeChat mchid), when configured; then a notify must
    /// name it.
    pub seller_id: Option<String>,
}

impl Merchant {
    /// Whether a notice was sent for us: our app (when the message names one) and our seller
    /// (when we have one); a message naming neither is not ours.
    pub fn owns(&self, notice: &PaymentNotice) -> bool {
        if notice.channel != self.channel {
            return false;
        }
        let app_ok = notice.app_id.as_ref().is_none_or(|a| *a == self.app_id);
        let seller_ok = match (&self.seller_id, &notice.seller_id) {
            (Some(ours), Some(theirs)) => ours == theirs,
            (Some(_), None) => false,
            (None, _) => true,
        };
        let named =
            notice.app_id.is_some() || (self.seller_id.is_some() && notice.seller_id.is_some());
        app_ok && seller_ok && named
    }
}

/// A paid trade the gateway confirmed when asked (the return page, the owner's query, the
/// timeout job's check).
#[derive(Debug, Clone, PartialEq)]
pub struct QueriedTrade {
    /// The channel asked.
    pub channel: Channel,
    /// Our order number.
    pub order_number: String,
    /// The gateway trade number.
    pub trade_no: String,
    /// The amount paid.
    pub amount: Decimal,
    /// The verified answer, kept as evidence.
    pub payload: String,
}

/// Why a notify was refused (nothing is written; the gateway retries or gives up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeRefusal {
    /// For another app or seller.
    Foreign,
    /// No order has this number.
    UnknownOrder,
    /// The amount differs from the order's.
    AmountMismatch,
}

/// What handling a notify did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeOutcome {
    /// A payment notify was recorded.
    Recorded(PaymentOutcome),
    /// A not-paid notify about one of our orders, with the right amount: nothing to do.
    NotPaid,
    /// A refund notify about one of our orders: nothing recorded as a payment; the refund it
    /// names is marked refunded if its money was on its way (`Some`: this notify did it).
    Refund(Option<crate::refund::Refund>),
    /// Refused.
    Refused(NoticeRefusal),
}

/// What asking the gateway about an order's trade found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayCheck {
    /// The gateway holds no paid trade for it.
    NotPaid,
    /// The gateway could not tell (20000, timeout, unreachable); nothing was changed.
    Unknown(String),
    /// Paid: the payment is recorded (or was already).
    Recorded(PaymentOutcome),
}

/// The payment use cases over the order store.
#[derive(Clone)]
pub struct PaymentService<S, K> {
    store: S,
    clock: K,
    merchants: Vec<Merchant>,
}

impl<S: OrderStore, K: Clock> PaymentService<S, K> {
    /// Wires the store, the clock and our identity at each configured channel.
    pub fn new(store: S, clock: K, merchants: impl IntoIterator<Item = Merchant>) -> Self {
        Self {
            store,
            clock,
            merchants: merchants.into_iter().collect(),
        }
    }

    /// Our identity at a channel, if it is configured.
    pub fn merchant(&self, channel: Channel) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.channel == channel)
    }

    /// Whether an app id is ours at a channel (a verified return names one).
    pub fn is_our_app(&self, channel: Channel, app_id: &str) -> bool {
        self.merchant(channel).is_some_and(|m| m.app_id == app_id)
    }

    fn belongs_to_us(&self, notice: &PaymentNotice) -> bool {
        self.merchant(notice.channel)
            .is_some_and(|merchant| merchant.owns(notice))
    }

    /// The one place a [`PaymentEvent`] is built.
    fn event(
        &self,
        order_number: &str,
        trade_no: &str,
        amount: Decimal,
        channel: Channel,
        payload: String,
        paid_at: Option<DateTime<Utc>>,
    ) -> PaymentEvent {
        PaymentEvent {
            order_number: order_number.to_owned(),
            trade_no: trade_no.to_owned(),
            amount,
            channel,
            payload,
            paid_at: paid_at.unwrap_or_else(|| self.clock.now()),
        }
    }

    /// Handles a verified notify: ours, a known order, the right amount; a payment
    /// is recorded once, a refund notify only confirms, a not-paid notify changes nothing.
    pub async fn handle_notice(
        &self,
        notice: PaymentNotice,
    ) -> Result<NoticeOutcome, StorageError> {
        if !self.belongs_to_us(&notice) {
            return Ok(NoticeOutcome::Refused(NoticeRefusal::Foreign));
        }
        let paid_at = match notice.kind {
            NoticeKind::Paid { paid_at } => paid_at,
            NoticeKind::NotPaid | NoticeKind::Refund { .. } | NoticeKind::RefundNotDone { .. } => {
                let key = OrderKey::Number(notice.order_number.clone());
                let order = match self.store.find(None, &key).await? {
                    None => return Ok(NoticeOutcome::Refused(NoticeRefusal::UnknownOrder)),
                    Some(order) if order.real_price != notice.amount => {
                        return Ok(NoticeOutcome::Refused(NoticeRefusal::AmountMismatch))
                    }
                    Some(order) => order,
                };
                let out_request_no = match &notice.kind {
                    NoticeKind::Refund { out_request_no } => out_request_no,
                    NoticeKind::RefundNotDone {
                        out_request_no,
                        status,
                    } => {
                        tracing::warn!(order = %notice.order_number, refund = ?out_request_no, %status, channel = %notice.channel, "the channel could not complete a refund; its job settles it");
                        return Ok(NoticeOutcome::Refund(None));
                    }
                    _ => return Ok(NoticeOutcome::NotPaid),
                };
                // Only a refund of this very order is confirmed by its notify.
                let ours = out_request_no
                    .as_deref()
                    .filter(|no| order.refunds.iter().any(|r| &r.out_request_no == no));
                let confirmed = match ours {
                    Some(no) => crate::refund_service::confirm_refunded(&self.store, no).await?,
                    None => None,
                };
                return Ok(NoticeOutcome::Refund(confirmed));
            }
        };
        let event = self.event(
            &notice.order_number,
            &notice.trade_no,
            notice.amount,
            notice.channel,
            notice.payload,
            paid_at,
        );
        match self.record(event).await {
            Ok(outcome) => Ok(NoticeOutcome::Recorded(outcome)),
            Err(PaymentError::UnknownOrder) => {
                Ok(NoticeOutcome::Refused(NoticeRefusal::UnknownOrder))
            }
            Err(PaymentError::AmountMismatch) => {
                Ok(NoticeOutcome::Refused(NoticeRefusal::AmountMismatch))
            }
            Err(PaymentError::Storage(error)) => Err(error),
            Err(other) => Err(StorageError::Unexpected(anyhow::anyhow!(
                "recording a notify: {other}"
            ))),
        }
    }

    /// Records a paid trade the gateway confirmed when asked (idempotent, like a notify).
    pub async fn record_queried(
        &self,
        trade: QueriedTrade,
    ) -> Result<PaymentOutcome, PaymentError> {
        let event = self.event(
            &trade.order_number,
            &trade.trade_no,
            trade.amount,
            trade.channel,
            trade.payload,
            None,
        );
        self.record(event).await
    }

    /// Asks the gateway about an order's trade and records a paid one: the return page, the
    /// owner's active query and the timeout job all confirm a payment this way.
    pub async fn check_with_gateway(
        &self,
        gateway: &dyn PaymentGateway,
        order_number: &str,
    ) -> Result<GatewayCheck, PaymentError> {
        match gateway.query(order_number).await {
            RemoteTrade::Paid {
                trade_no,
                amount,
                raw,
            } => Ok(GatewayCheck::Recorded(
                self.record_queried(QueriedTrade {
                    channel: gateway.channel(),
                    order_number: order_number.to_owned(),
                    trade_no,
                    amount,
                    payload: raw,
                })
                .await?,
            )),
            RemoteTrade::NotPaid => Ok(GatewayCheck::NotPaid),
            RemoteTrade::Unknown(error) => Ok(GatewayCheck::Unknown(error)),
        }
    }

    async fn record(&self, event: PaymentEvent) -> Result<PaymentOutcome, PaymentError> {
        let mut tx = self.store.begin().await?;
        let result = async {
            // The order row lock serialises every payment message for this order.
            let order = tx
                .lock_order(None, &OrderKey::Number(event.order_number.clone()))
                .await?
                .ok_or(PaymentError::UnknownOrder)?;
            record_locked(&mut tx, &order, &event, self.clock.now()).await
        }
        .await;
        finish(tx, result).await
    }

    /// Pays the caller's unpaid, unexpired order from the balance, with a guarded deduction
    /// and its ledger row, and fulfils it, in one transaction.
    pub async fn pay_with_balance(
        &self,
        user: UserId,
        order_number: &str,
    ) -> Result<PaidOrder, PaymentError> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let result = async {
            let order = tx
                .lock_order(Some(user), &OrderKey::Number(order_number.to_owned()))
                .await?
                .ok_or(PaymentError::UnknownOrder)?;
            lifecycle::payable(order.status, order.expires_at, now).map_err(|why| match why {
                Unpayable::NotUnpaid(_) => PaymentError::NotUnpaid,
                Unpayable::Expired => PaymentError::Expired,
            })?;
            let spent = tx
                .spend_balance(&BalanceEntry {
                    user,
                    operation: BalanceOperation::Payment,
                    amount: -order.real_price,
                    order_id: Some(order.id),
                    remark: format!("支付订单[{order_number}]"),
                })
                .await?;
            if !spent {
                return Err(PaymentError::InsufficientBalance);
            }
            let event = self.event(
                order_number,
                &format!("balance-{order_number}"),
                order.real_price,
                Channel::Balance,
                String::new(),
                Some(now),
            );
            match record_locked(&mut tx, &order, &event, now).await? {
                PaymentOutcome::Fulfilled(paid) => Ok(paid),
                _ => Err(PaymentError::NotUnpaid),
            }
        }
        .await;
        finish(tx, result).await
    }
}

/// Records a payment for a locked order and runs the lifecycle's payment transition.
async fn record_locked<T: OrderTx>(
    tx: &mut T,
    order: &LockedOrder,
    event: &PaymentEvent,
    now: DateTime<Utc>,
) -> Result<PaymentOutcome, PaymentError> {
    if order.real_price != event.amount {
        return Err(PaymentError::AmountMismatch);
    }
    let Some(payment_id) = tx.insert_payment(order.id, event).await? else {
        return Ok(PaymentOutcome::AlreadyRecorded { order_id: order.id });
    };
    let stamp = PaymentStamp {
        paid_at: event.paid_at,
        trade_no: event.trade_no.clone(),
        channel: event.channel,
    };
    let plan = lifecycle::pay(order, payment_id, stamp, now);
    tx.apply(&plan).await?;
    Ok(match plan.change {
        Some(_) => PaymentOutcome::Fulfilled(PaidOrder {
            order_id: order.id,
            pay_type: order.pay_type,
            amount: order.real_price,
            ordered_at: order.created_time,
            paid_at: event.paid_at,
        }),
        None => PaymentOutcome::RefundPending {
            order_id: order.id,
            payment_id,
        },
    })
}

/// Commits after success and rolls back after a refusal or an error.
async fn finish<T: OrderTx, V>(tx: T, result: Result<V, PaymentError>) -> Result<V, PaymentError> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(error) => {
            // A rollback that fails leaves the connection discarded: the refusal stands.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::OrderStatus;
    use crate::memory::{at, unpaid, MemoryOrderStore};
    use luffy_common::FixedClock;

    fn service(store: &MemoryOrderStore) -> PaymentService<MemoryOrderStore, FixedClock> {
        PaymentService::new(
            store.clone(),
            FixedClock(at(60)),
            [Merchant {
                channel: Channel::Alipay,
                app_id: "app".into(),
                seller_id: Some("seller".into()),
            }],
        )
    }

    fn notice(kind: NoticeKind, amount: Decimal) -> PaymentNotice {
        PaymentNotice {
            channel: Channel::Alipay,
            app_id: Some("app".into()),
            seller_id: Some("seller".into()),
            order_number: "N1".into(),
            trade_no: "T1".into(),
            amount,
            kind,
            payload: "{}".into(),
        }
    }

    fn paid() -> NoticeKind {
        NoticeKind::Paid { paid_at: None }
    }

    #[tokio::test]
    async fn a_payment_notice_fulfils_once_and_replays_change_nothing() {
        let store = MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 0)]);
        let payments = service(&store);
        let first = payments
            .handle_notice(notice(paid(), Decimal::TEN))
            .await
            .unwrap();
        let NoticeOutcome::Recorded(PaymentOutcome::Fulfilled(order)) = first else {
            panic!("{first:?}")
        };
        assert_eq!(order.paid_at, at(60), "no gmt_payment: the clock's time");
        let again = payments
            .handle_notice(notice(paid(), Decimal::TEN))
            .await
            .unwrap();
        assert_eq!(
            again,
            NoticeOutcome::Recorded(PaymentOutcome::AlreadyRecorded { order_id: 1 })
        );
        let state = store.state();
        assert_eq!((state.payments.len(), state.applied.len()), (1, 1));
        assert_eq!(state.orders[&1].status, OrderStatus::Paid);
    }

    #[tokio::test]
    async fn foreign_unknown_and_wrong_amount_notices_are_refused_without_writes() {
        let store = MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 0)]);
        let payments = service(&store);
        let mut foreign = notice(paid(), Decimal::TEN);
        foreign.seller_id = Some("other".into());
        assert_eq!(
            payments.handle_notice(foreign).await.unwrap(),
            NoticeOutcome::Refused(NoticeRefusal::Foreign)
        );
        assert_eq!(
            payments
                .handle_notice(notice(paid(), Decimal::ONE))
                .await
                .unwrap(),
            NoticeOutcome::Refused(NoticeRefusal::AmountMismatch)
        );
        let mut unknown = notice(paid(), Decimal::TEN);
        unknown.order_number = "N9".into();
        assert_eq!(
            payments.handle_notice(unknown).await.unwrap(),
            NoticeOutcome::Refused(NoticeRefusal::UnknownOrder)
        );
        let state = store.state();
        assert!(state.payments.is_empty() && state.applied.is_empty());
        assert_eq!(state.commits, 0);
    }

    #[tokio::test]
    async fn refund_and_unpaid_notices_only_confirm() {
        let store = MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 0)]);
        let payments = service(&store);
        assert_eq!(
            payments
                .handle_notice(notice(
                    NoticeKind::Refund {
                        out_request_no: None
                    },
                    Decimal::TEN
                ))
                .await
                .unwrap(),
            NoticeOutcome::Refund(None)
        );
        assert_eq!(
            payments
                .handle_notice(notice(NoticeKind::NotPaid, Decimal::TEN))
                .await
                .unwrap(),
            NoticeOutcome::NotPaid
        );
        let state = store.state();
        assert!(state.payments.is_empty(), "a refund is never a payment");
        assert_eq!(state.orders[&1].status, OrderStatus::Unpaid);
    }

    #[tokio::test]
    async fn a_late_payment_is_kept_for_its_refund() {
        let mut order = unpaid(1, Decimal::TEN, 0);
        order.status = OrderStatus::TimedOut;
        let store = MemoryOrderStore::with_orders([order]);
        let outcome = service(&store)
            .record_queried(QueriedTrade {
                channel: Channel::Alipay,
                order_number: "N1".into(),
                trade_no: "T7".into(),
                amount: Decimal::TEN,
                payload: String::new(),
            })
            .await
            .unwrap();
        assert_eq!(
            outcome,
            PaymentOutcome::RefundPending {
                order_id: 1,
                payment_id: 1
            }
        );
        let state = store.state();
        assert_eq!(state.orders[&1].status, OrderStatus::TimedOut);
        assert_eq!(
            state.applied[0]
                .effects
                .refund_payment
                .as_ref()
                .unwrap()
                .out_request_no,
            "refund-T7"
        );
    }

    #[tokio::test]
    async fn balance_payment_takes_the_money_once_or_nothing() {
        let store = MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 0)]);
        store.state().money.insert(UserId(3), Decimal::new(5, 0));
        let payments = service(&store);
        assert!(matches!(
            payments.pay_with_balance(UserId(3), "N1").await,
            Err(PaymentError::InsufficientBalance)
        ));
        assert_eq!(store.state().money[&UserId(3)], Decimal::new(5, 0));
        assert!(store.state().money_ledger.is_empty(), "rolled back");
        store.state().money.insert(UserId(3), Decimal::new(25, 0));
        assert!(matches!(
            payments.pay_with_balance(UserId(4), "N1").await,
            Err(PaymentError::UnknownOrder)
        ));
        let paid = payments.pay_with_balance(UserId(3), "N1").await.unwrap();
        assert_eq!(paid.amount, Decimal::TEN);
        assert!(matches!(
            payments.pay_with_balance(UserId(3), "N1").await,
            Err(PaymentError::NotUnpaid)
        ));
        let state = store.state();
        assert_eq!(state.money[&UserId(3)], Decimal::new(15, 0));
        assert_eq!(state.money_ledger.len(), 1);
        assert_eq!(state.money_ledger[0].remark, "支付订单[N1]");
    }

    #[tokio::test]
    async fn expired_orders_are_not_paid_from_the_balance() {
        let store = MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 0)]);
        store.state().money.insert(UserId(3), Decimal::new(25, 0));
        let late = PaymentService::new(
            store.clone(),
            FixedClock(at(901)),
            service(&store).merchants.clone(),
        );
        assert!(matches!(
            late.pay_with_balance(UserId(3), "N1").await,
            Err(PaymentError::Expired)
        ));
        assert_eq!(store.state().money[&UserId(3)], Decimal::new(25, 0));
    }
}
