//! The order use cases besides checkout and payment: reading orders, the owner's cancel and the
//! timeout job's transition, each through [`crate::lifecycle`] in one transaction.

use chrono::{DateTime, Utc};
use luffy_common::{Clock, Page, PageRequest, StorageError, UserId};

use crate::back_office::{timeline, DayFigures, OrderDossier, OrderSearch, TimelineEvent};
use crate::channel::Channel;
use crate::gateway::{PaymentGateway, PaymentRequest, PaymentStart};
use crate::jobs::{PendingRefund, UnpaidOrder};
use crate::lifecycle::{self, OrderStatus, Unpayable};
use crate::order::{CancelError, Order};
use crate::ports::{OrderBackOffice, OrderJobReads, OrderKey, OrderStore, OrderTx};

/// Why a pay link is refused.
#[derive(Debug, thiserror::Error)]
pub enum PayLinkError {
    /// No such order of the caller.
    #[error("订单不存在!")]
    NotFound,
    /// Paid, cancelled or timed out.
    #[error("订单{},无法支付!", .0.display_name())]
    NotUnpaid(OrderStatus),
    /// Past its expiry.
    #[error("订单超时或已取消!")]
    Expired,
    /// The buyer chose another way to pay at checkout (the order's channel is fixed there).
    #[error("请使用{}支付该订单!", .0.display_name())]
    OtherChannel(Channel),
    /// The channel could not start the payment (unreachable, refused); the buyer may retry.
    #[error("支付渠道暂不可用,请稍后重试!")]
    Channel(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A payment started at the order's channel.
#[derive(Debug, Clone, PartialEq)]
pub struct StartedPayment {
    /// The order.
    pub order: Order,
    /// The link to open or the code to scan.
    pub start: PaymentStart,
    /// When it was started.
    pub at: DateTime<Utc>,
}

/// Why hiding an order was refused.
#[derive(Debug, thiserror::Error)]
pub enum HideError {
    /// No such order of the caller.
    #[error("订单不存在!")]
    NotFound,
    /// Unpaid or paid orders cannot be hidden.
    #[error("当前订单无法删除,订单状态为{}!", .0.display_name())]
    NotHideable(OrderStatus),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Order reads and transitions.
#[derive(Clone)]
pub struct OrderService<S, K> {
    store: S,
    clock: K,
}

impl<S: OrderStore, K: Clock> OrderService<S, K> {
    /// Wires the store and the clock.
    pub fn new(store: S, clock: K) -> Self {
        Self { store, clock }
    }

    /// The current instant, from the clock port.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The user's orders, newest first, optionally of one status.
    pub async fn list(
        &self,
        user: UserId,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<Order>, StorageError> {
        self.store.list(user, status, page).await
    }

    /// One of the user's orders; someone else's looks missing.
    pub async fn find(&self, user: UserId, id: i64) -> Result<Option<Order>, StorageError> {
        self.store.find(Some(user), &OrderKey::Id(id)).await
    }

    /// An order by number; with `owner`, only that user's.
    pub async fn find_by_number(
        &self,
        owner: Option<UserId>,
        number: &str,
    ) -> Result<Option<Order>, StorageError> {
        self.store
            .find(owner, &OrderKey::Number(number.to_owned()))
            .await
    }

    /// Opens the owner's order for payment at the gateway: it must still be payable
    /// ([`lifecycle::payable`]), and before any link leaves, the order records that one was
    /// issued (the timeout job then asks the gateway). Answers the order and the instant the
    /// link is signed at.
    pub async fn open_for_payment(
        &self,
        owner: UserId,
        number: &str,
    ) -> Result<(Order, DateTime<Utc>), PayLinkError> {
        let order = self
            .find_by_number(Some(owner), number)
            .await?
            .ok_or(PayLinkError::NotFound)?;
        let now = self.clock.now();
        lifecycle::payable(order.status, order.expires_at, now).map_err(|why| match why {
            Unpayable::NotUnpaid(status) => PayLinkError::NotUnpaid(status),
            Unpayable::Expired => PayLinkError::Expired,
        })?;
        self.store.mark_pay_link_issued(order.id, now).await?;
        Ok((order, now))
    }

    /// Starts the payment of the owner's order at its channel ([`Self::open_for_payment`],
    /// then the gateway's [`PaymentGateway::start`]); an order of another channel is refused.
    pub async fn start_payment(
        &self,
        owner: UserId,
        number: &str,
        gateway: &dyn PaymentGateway,
    ) -> Result<StartedPayment, PayLinkError> {
        let (order, at) = self.open_for_payment(owner, number).await?;
        let channel = Channel::of(order.pay_type);
        if channel != gateway.channel() {
            return Err(PayLinkError::OtherChannel(channel));
        }
        let request = PaymentRequest {
            order_number: order.order_number.clone(),
            amount: order.real_price,
            subject: order.name.clone(),
            expires_at: order.expires_at,
        };
        let start = gateway
            .start(&request, at)
            .await
            .map_err(PayLinkError::Channel)?;
        Ok(StartedPayment { order, start, at })
    }

    /// The owner cancels an unpaid order ([`lifecycle::cancel`]); answers the cancelled order.
    pub async fn cancel(&self, user: UserId, id: i64) -> Result<Order, CancelError> {
        let mut tx = self.store.begin().await?;
        let Some(order) = tx.lock_order(Some(user), &OrderKey::Id(id)).await? else {
            tx.rollback().await?;
            return Err(CancelError::NotFound);
        };
        let plan = match lifecycle::cancel(&order, self.clock.now()) {
            Ok(plan) => plan,
            Err(status) => {
                tx.rollback().await?;
                return Err(CancelError::NotUnpaid(status));
            }
        };
        tx.apply(&plan).await?;
        tx.commit().await?;
        self.find(user, id).await?.ok_or_else(|| {
            CancelError::Storage(StorageError::Unexpected(anyhow::anyhow!(
                "cancelled order vanished"
            )))
        })
    }

    /// The owner hides a cancelled or timed-out order from "my orders" (never a delete; the
    /// order stays readable by id). Hiding a hidden order again is fine.
    pub async fn hide(&self, user: UserId, id: i64) -> Result<(), HideError> {
        let mut tx = self.store.begin().await?;
        let Some(order) = tx.lock_order(Some(user), &OrderKey::Id(id)).await? else {
            tx.rollback().await?;
            return Err(HideError::NotFound);
        };
        if !order.status.may_be_hidden() {
            tx.rollback().await?;
            return Err(HideError::NotHideable(order.status));
        }
        tx.hide(id, self.clock.now()).await?;
        tx.commit().await?;
        tracing::info!(order = %order.order_number, "order hidden");
        Ok(())
    }

    /// Times an unpaid order out ([`lifecycle::time_out`]); true when this call did it.
    pub async fn time_out(&self, order_id: i64) -> Result<bool, StorageError> {
        let mut tx = self.store.begin().await?;
        let plan = tx
            .lock_order(None, &OrderKey::Id(order_id))
            .await?
            .and_then(|order| lifecycle::time_out(&order));
        let Some(plan) = plan else {
            tx.rollback().await?;
            return Ok(false);
        };
        tx.apply(&plan).await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl<S: OrderBackOffice, K: Clock> OrderService<S, K> {
    /// Every buyer's orders matching an operator's search.
    pub async fn search(&self, search: &OrderSearch) -> Result<Page<Order>, StorageError> {
        self.store.search(search).await
    }

    /// The last `days` days' orders, revenue and refunds (today included), for the dashboard.
    pub async fn daily_figures(
        &self,
        days: i64,
        timezone: &str,
    ) -> Result<Vec<DayFigures>, StorageError> {
        let since = self.clock.now() - chrono::Duration::days(days.max(1) - 1);
        self.store.daily_figures(since, timezone).await
    }

    /// One order's dossier and its timeline, for operators.
    pub async fn dossier(
        &self,
        order_id: i64,
    ) -> Result<Option<(OrderDossier, Vec<TimelineEvent>)>, StorageError> {
        Ok(self.store.dossier(order_id).await?.map(|dossier| {
            let events = timeline(&dossier);
            (dossier, events)
        }))
    }
}

impl<S: OrderJobReads, K: Clock> OrderService<S, K> {
    /// The order if it is still unpaid.
    pub async fn unpaid_order(&self, order_id: i64) -> Result<Option<UnpaidOrder>, StorageError> {
        self.store.unpaid_order(order_id).await
    }

    /// Unpaid orders past their expiry that have no live timeout job, at most `limit`.
    pub async fn expired_without_timeout_job(&self, limit: i64) -> Result<Vec<i64>, StorageError> {
        self.store
            .expired_without_timeout_job(self.clock.now(), limit)
            .await
    }

    /// The refund still owed for a payment, if any.
    pub async fn pending_refund(
        &self,
        payment_id: i64,
    ) -> Result<Option<PendingRefund>, StorageError> {
        self.store.pending_refund(payment_id).await
    }

    /// Marks a payment refunded once the gateway confirmed it.
    pub async fn mark_refunded(&self, payment_id: i64) -> Result<(), StorageError> {
        self.store.mark_refunded(payment_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{at, unpaid, MemoryOrderStore};
    use luffy_common::FixedClock;
    use luffy_credit::LedgerOperation;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn service(store: &MemoryOrderStore) -> OrderService<MemoryOrderStore, FixedClock> {
        OrderService::new(store.clone(), FixedClock(at(60)))
    }

    #[tokio::test]
    async fn cancel_moves_the_order_and_restores_its_points_once() {
        let store = MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 40)]);
        let order = service(&store).cancel(UserId(3), 1).await.unwrap();
        assert_eq!(order.status, OrderStatus::Cancelled);
        let state = store.state();
        assert_eq!(state.applied.len(), 1);
        let points = state.applied[0].effects.restore_points.clone().unwrap();
        assert_eq!(
            (points.number, points.operation),
            (40, LedgerOperation::Refunded)
        );
        assert_eq!(state.commits, 1);
    }

    #[tokio::test]
    async fn cancel_refusals_change_nothing() {
        let store = MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 0)]);
        let orders = service(&store);
        assert!(matches!(
            orders.cancel(UserId(4), 1).await,
            Err(CancelError::NotFound)
        ));
        orders.cancel(UserId(3), 1).await.unwrap();
        assert!(matches!(
            orders.cancel(UserId(3), 1).await,
            Err(CancelError::NotUnpaid(OrderStatus::Cancelled))
        ));
        let state = store.state();
        assert_eq!(
            (state.applied.len(), state.commits, state.rollbacks),
            (1, 1, 2)
        );
    }

    #[tokio::test]
    async fn a_timeout_happens_once() {
        let store = MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 0)]);
        let orders = service(&store);
        assert!(orders.time_out(1).await.unwrap());
        assert!(!orders.time_out(1).await.unwrap());
        assert!(orders.unpaid_order(1).await.unwrap().is_none());
        assert_eq!(store.state().orders[&1].status, OrderStatus::TimedOut);
    }

    proptest! {
        /// Any interleaving of cancels and timeouts restores the points exactly once.
        #[test]
        fn restored_benefits_are_restored_once(steps in proptest::collection::vec(any::<bool>(), 1..8)) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let store = MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 25)]);
            let orders = service(&store);
            runtime.block_on(async {
                for cancel in steps {
                    if cancel {
                        let _ = orders.cancel(UserId(3), 1).await;
                    } else {
                        let _ = orders.time_out(1).await;
                    }
                }
            });
            let state = store.state();
            let restored: i32 = state
                .applied
                .iter()
                .filter_map(|p| p.effects.restore_points.as_ref())
                .map(|e| e.number)
                .sum();
            prop_assert_eq!(restored, 25);
            prop_assert!(state.orders[&1].status != OrderStatus::Unpaid);
        }
    }
}

#[cfg(test)]
mod pay_link_tests {
    use super::*;
    use crate::memory::{at, unpaid, MemoryOrderStore};
    use luffy_common::FixedClock;
    use rust_decimal::Decimal;

    #[tokio::test]
    async fn a_pay_link_needs_the_owners_unpaid_unexpired_order_and_is_recorded() {
        let store = MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 0)]);
        let orders = OrderService::new(store.clone(), FixedClock(at(60)));
        assert!(matches!(
            orders.open_for_payment(UserId(4), "N1").await,
            Err(PayLinkError::NotFound)
        ));
        assert!(store.state().links.is_empty());
        let (order, signed_at) = orders.open_for_payment(UserId(3), "N1").await.unwrap();
        assert_eq!((order.id, signed_at), (1, at(60)));
        assert!(store.state().links.contains(&1));
        let late = OrderService::new(store.clone(), FixedClock(at(900)));
        assert!(matches!(
            late.open_for_payment(UserId(3), "N1").await,
            Err(PayLinkError::Expired)
        ));
        orders.cancel(UserId(3), 1).await.unwrap();
        let refused = orders.open_for_payment(UserId(3), "N1").await.unwrap_err();
        assert_eq!(refused.to_string(), "订单已取消,无法支付!");
    }
}

#[cfg(test)]
mod hide_tests {
    use super::*;
    use crate::memory::{at, unpaid, MemoryOrderStore};
    use luffy_common::FixedClock;
    use rust_decimal::Decimal;

    #[tokio::test]
    async fn only_the_owners_cancelled_or_timed_out_orders_are_hidden() {
        let store =
            MemoryOrderStore::with_orders([unpaid(1, Decimal::TEN, 0), unpaid(2, Decimal::TEN, 0)]);
        let orders = OrderService::new(store.clone(), FixedClock(at(60)));
        assert!(matches!(
            orders.hide(UserId(3), 1).await,
            Err(HideError::NotHideable(OrderStatus::Unpaid))
        ));
        orders.cancel(UserId(3), 1).await.unwrap();
        assert!(matches!(
            orders.hide(UserId(4), 1).await,
            Err(HideError::NotFound)
        ));
        orders.hide(UserId(3), 1).await.unwrap();
        orders.hide(UserId(3), 1).await.unwrap();
        let state = store.state();
        assert!(state.hidden.contains(&1));
        assert!(!state.hidden.contains(&2));
    }
}
