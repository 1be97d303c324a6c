//! The order's jobs: their definitions (one place builds each job, for checkout,
//! cancel, late payments and the sweep alike), and the order timeout, trade close and refund
//! handlers and the expired-order sweep, which run on the generic `luffy-scheduler` worker and
//! change orders only through [`OrderService`] and [`PaymentService`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use luffy_common::{Clock, StorageError};
use luffy_scheduler::worker::{HandlerFuture, PeriodicTask};
use luffy_scheduler::{Job, JobError, JobHandler, JobStore, NewJob};
use rust_decimal::Decimal;
use serde_json::json;

use crate::payment::{GatewayCheck, PaymentOutcome, PaymentService};
use crate::ports::{OrderJobReads, OrderStore};
use crate::refund_service::RefundService;
use crate::service::OrderService;

/// `order_timeout`: at `expires_at`, time an unpaid order out (or fulfil it if it was paid).
pub const ORDER_TIMEOUT: &str = "order_timeout";
/// `alipay_close`: after a user cancel, refuse further payment at the gateway.
pub const ALIPAY_CLOSE: &str = "alipay_close";
/// `alipay_refund`: pay back a late payment (`payment_id`) or a granted refund (`refund_id`).
pub const ALIPAY_REFUND: &str = "alipay_refund";

/// The timeout job of an order, inserted in the order's creation transaction.
pub fn order_timeout_job(order_id: i64, expires_at: chrono::DateTime<chrono::Utc>) -> NewJob {
    NewJob {
        kind: ORDER_TIMEOUT.into(),
        payload: json!({"order_id": order_id}),
        run_at: expires_at,
        max_attempts: 20,
        order_id: Some(order_id),
    }
}

/// The close job of a cancelled order, inserted in the cancel transaction.
pub fn alipay_close_job(
    order_id: i64,
    order_number: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> NewJob {
    NewJob {
        kind: ALIPAY_CLOSE.into(),
        payload: json!({"order_id": order_id, "order_number": order_number}),
        run_at: now,
        max_attempts: 10,
        order_id: Some(order_id),
    }
}

/// The refund job of a late payment, inserted in the transaction that recorded it.
pub fn alipay_refund_job(
    order_id: i64,
    payment_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> NewJob {
    NewJob {
        kind: ALIPAY_REFUND.into(),
        payload: json!({"payment_id": payment_id}),
        run_at: now,
        max_attempts: 30,
        order_id: Some(order_id),
    }
}

/// The gateway job of a granted Alipay refund, inserted in the granting transaction.
pub fn refund_job(order_id: i64, refund_id: i64, now: chrono::DateTime<chrono::Utc>) -> NewJob {
    NewJob {
        kind: ALIPAY_REFUND.into(),
        payload: json!({"refund_id": refund_id}),
        run_at: now,
        max_attempts: 30,
        order_id: Some(order_id),
    }
}

/// What the gateway says about a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteRefund {
    /// The money moved (`fund_change=Y`, or the refund query's `REFUND_SUCCESS`).
    Done,
    /// Not known to be done: refused, 20000, a timeout, or a retry's `fund_change=N`. Ask the
    /// refund query, then retry with the same `out_request_no`.
    NotConfirmed(String),
}

/// Pays money back at the gateway exactly once: `alipay.trade.refund` with the refund's
/// `out_request_no`; unless that answer shows money moved, `alipay.trade.fastpay.refund.query`
/// decides. `Err` means not confirmed: retry later with the same number (never a new one).
pub async fn refund_at_gateway<G: TradeGateway>(
    gateway: &G,
    order_number: &str,
    amount: Decimal,
    out_request_no: &str,
) -> Result<(), String> {
    let refused = match gateway.refund(order_number, amount, out_request_no).await {
        RemoteRefund::Done => return Ok(()),
        RemoteRefund::NotConfirmed(why) => why,
    };
    match gateway.refund_query(order_number, out_request_no).await {
        RemoteRefund::Done => Ok(()),
        RemoteRefund::NotConfirmed(why) => Err(format!("refund: {refused}; query: {why}")),
    }
}

/// What the gateway says about a trade.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteTrade {
    /// Paid: fulfil with these facts.
    Paid {
        /// Gateway trade number.
        trade_no: String,
        /// Amount paid.
        amount: Decimal,
        /// The verified response, kept as evidence.
        raw: String,
    },
    /// Not paid (unknown to the gateway, waiting, or closed).
    NotPaid,
    /// The gateway could not tell (20000, timeout, unreachable).
    Unknown(String),
}

/// The gateway calls the handlers need.
pub trait TradeGateway: Send + Sync + 'static {
    /// Queries a trade by our order number.
    fn query(&self, order_number: &str) -> impl Future<Output = RemoteTrade> + Send;
    /// Closes an unpaid trade; a trade the gateway never saw is fine. `Err` = try later.
    fn close(&self, order_number: &str) -> impl Future<Output = Result<(), String>> + Send;
    /// `alipay.trade.refund`; the same `out_request_no` never refunds twice.
    fn refund(
        &self,
        order_number: &str,
        amount: Decimal,
        out_request_no: &str,
    ) -> impl Future<Output = RemoteRefund> + Send;
    /// `alipay.trade.fastpay.refund.query`: whether the refund with this number is done.
    fn refund_query(
        &self,
        order_number: &str,
        out_request_no: &str,
    ) -> impl Future<Output = RemoteRefund> + Send;
}

/// An order still unpaid.
#[derive(Debug, Clone, PartialEq)]
pub struct UnpaidOrder {
    /// Id.
    pub id: i64,
    /// Number (out_trade_no).
    pub order_number: String,
    /// Whether a pay link was ever issued; without one no remote trade can exist.
    pub pay_link_issued: bool,
    /// The buyer's pay type code (for metrics and logs).
    pub pay_type: i16,
    /// What the order costs.
    pub real_price: Decimal,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// What the timeout handler reports as it decides, for metrics; every method defaults to
/// doing nothing (`()` reports nothing).
pub trait TimeoutEvents: Send + Sync + 'static {
    /// This run timed the order out (it won the compare-and-set).
    fn timed_out(&self, _order: &UnpaidOrder) {}
    /// This run found the order paid at the gateway and fulfilled it `at` that instant.
    fn paid_remotely(&self, _order: &UnpaidOrder, _at: chrono::DateTime<chrono::Utc>) {}
}

impl TimeoutEvents for () {}

/// A payment waiting for its refund.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRefund {
    /// The order's number.
    pub order_number: String,
    /// Amount to refund.
    pub amount: Decimal,
    /// Idempotency key for the gateway.
    pub out_request_no: String,
}

fn storage(error: StorageError) -> JobError {
    JobError::Retry(error.to_string())
}

/// Handles `order_timeout`.
pub struct OrderTimeoutHandler<G, S, K, E = ()> {
    /// Gateway.
    pub gateway: G,
    /// The timeout transition.
    pub orders: OrderService<S, K>,
    /// Records a payment the gateway reports.
    pub payments: PaymentService<S, K>,
    /// Where outcomes are reported (metrics).
    pub events: E,
}

impl<G, S, K, E> OrderTimeoutHandler<G, S, K, E>
where
    G: TradeGateway,
    S: OrderStore + OrderJobReads,
    K: Clock + 'static,
    E: TimeoutEvents,
{
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let order_id = job.payload_i64("order_id")?;
        let Some(order) = self.orders.unpaid_order(order_id).await.map_err(storage)? else {
            return Ok(()); // paid or cancelled meanwhile: moot
        };
        if !order.pay_link_issued {
            // No signed link was ever handed out, and none is after expiry: the gateway cannot
            // hold a trade for this order, so there is nothing to query or close.
            if self.orders.time_out(order_id).await.map_err(storage)? {
                tracing::info!(order = %order.order_number, "order timed out");
                self.events.timed_out(&order);
            }
            return Ok(());
        }
        let check = self
            .payments
            .check_with_gateway(&self.gateway, &order.order_number)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        match check {
            GatewayCheck::Recorded(outcome) => {
                // Paid but the notify has not arrived: fulfilled now.
                if matches!(outcome, PaymentOutcome::Fulfilled(_)) {
                    tracing::info!(order = %order.order_number, "order paid (found by the timeout's query)");
                    self.events.paid_remotely(&order, self.orders.now());
                }
                return Ok(());
            }
            GatewayCheck::NotPaid => {
                if let Err(error) = self.gateway.close(&order.order_number).await {
                    tracing::warn!(%error, order = %order.order_number, "could not close the trade; timing out anyway");
                }
            }
            GatewayCheck::Unknown(error) => {
                // The gateway being down must not keep coupons and points locked; a
                // payment that still lands is refunded.
                tracing::warn!(%error, order = %order.order_number, "gateway unavailable; timing out anyway");
            }
        }
        if self.orders.time_out(order_id).await.map_err(storage)? {
            tracing::info!(order = %order.order_number, "order timed out");
            self.events.timed_out(&order);
        }
        Ok(())
    }
}

impl<G, S, K, E> JobHandler for OrderTimeoutHandler<G, S, K, E>
where
    G: TradeGateway,
    S: OrderStore + OrderJobReads,
    K: Clock + 'static,
    E: TimeoutEvents,
{
    fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(self.handle(job))
    }
}

/// Handles `alipay_close`.
pub struct AlipayCloseHandler<G> {
    /// Gateway.
    pub gateway: G,
}

impl<G: TradeGateway> JobHandler for AlipayCloseHandler<G> {
    fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(async move {
            let number = job
                .payload
                .get("order_number")
                .and_then(|v| v.as_str())
                .ok_or_else(|| JobError::Fatal("payload has no order_number".into()))?;
            self.gateway.close(number).await.map_err(JobError::Retry)
        })
    }
}

/// Handles `alipay_refund`.
pub struct AlipayRefundHandler<G, S, K> {
    /// Gateway.
    pub gateway: G,
    /// The late payment to refund.
    pub orders: OrderService<S, K>,
    /// The granted refund to pay back.
    pub refunds: RefundService<S, K>,
}

impl<G: TradeGateway, S: OrderStore + OrderJobReads, K: Clock + 'static> JobHandler
    for AlipayRefundHandler<G, S, K>
{
    fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(async move {
            if job.payload.get("refund_id").is_some() {
                let refund_id = job.payload_i64("refund_id")?;
                let last_attempt = job.attempts >= job.max_attempts;
                return self
                    .refunds
                    .pay_back(&self.gateway, refund_id, last_attempt)
                    .await;
            }
            let payment_id = job.payload_i64("payment_id")?;
            let Some(refund) = self
                .orders
                .pending_refund(payment_id)
                .await
                .map_err(storage)?
            else {
                return Ok(()); // already refunded
            };
            refund_at_gateway(
                &self.gateway,
                &refund.order_number,
                refund.amount,
                &refund.out_request_no,
            )
            .await
            .map_err(JobError::Retry)?;
            self.orders.mark_refunded(payment_id).await.map_err(storage)
        })
    }
}

/// How many expired orders one sweep repairs at most (the next sweep takes the rest).
const SWEEP_BATCH: i64 = 1000;

/// Defence in depth: every unpaid order past its expiry that has no live timeout job
/// gets one, built by [`order_timeout_job`] like checkout's. Safe from any number of workers at
/// once: the store admits one live timeout job per order and skips the others.
pub struct ExpiredOrderSweep<S, K, J> {
    /// Finds the orders.
    pub orders: OrderService<S, K>,
    /// Inserts their jobs.
    pub jobs: Arc<J>,
}

impl<S: OrderStore + OrderJobReads, K: Clock + 'static, J: JobStore> ExpiredOrderSweep<S, K, J> {
    /// Runs one sweep; answers how many jobs it created.
    pub async fn sweep(&self) -> Result<usize, StorageError> {
        let ids = self.orders.expired_without_timeout_job(SWEEP_BATCH).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let now = self.orders.now();
        let jobs: Vec<NewJob> = ids.iter().map(|id| order_timeout_job(*id, now)).collect();
        self.jobs.enqueue(&jobs).await
    }
}

impl<S: OrderStore + OrderJobReads, K: Clock + 'static, J: JobStore> PeriodicTask
    for ExpiredOrderSweep<S, K, J>
{
    fn run(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(async move {
            let created = self
                .sweep()
                .await
                .map_err(|e| luffy_scheduler::worker::error_chain(&e))?;
            if created > 0 {
                tracing::warn!(
                    created,
                    "sweep found unpaid expired orders without a timeout job"
                );
            }
            Ok(())
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fake::{at, unpaid, FakeStore};
    use crate::lifecycle::OrderStatus;
    use crate::payment::{Merchant, QueriedTrade};
    use luffy_common::FixedClock;
    use std::sync::Mutex;

    #[derive(Default)]
    pub(crate) struct FakeGateway {
        answer: Mutex<Option<RemoteTrade>>,
        pub(crate) refund_answer: Mutex<Option<RemoteRefund>>,
        pub(crate) refund_query_answer: Mutex<Option<RemoteRefund>>,
        close_fails: bool,
        pub(crate) calls: Mutex<Vec<String>>,
    }

    impl TradeGateway for Arc<FakeGateway> {
        async fn query(&self, order_number: &str) -> RemoteTrade {
            self.calls
                .lock()
                .unwrap()
                .push(format!("query {order_number}"));
            self.answer
                .lock()
                .unwrap()
                .clone()
                .unwrap_or(RemoteTrade::NotPaid)
        }
        async fn close(&self, order_number: &str) -> Result<(), String> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("close {order_number}"));
            if self.close_fails {
                Err("down".into())
            } else {
                Ok(())
            }
        }
        async fn refund(&self, number: &str, amount: Decimal, request: &str) -> RemoteRefund {
            self.calls
                .lock()
                .unwrap()
                .push(format!("refund {number} {amount} {request}"));
            self.refund_answer
                .lock()
                .unwrap()
                .clone()
                .unwrap_or(RemoteRefund::Done)
        }
        async fn refund_query(&self, number: &str, request: &str) -> RemoteRefund {
            self.calls
                .lock()
                .unwrap()
                .push(format!("refund query {number} {request}"));
            self.refund_query_answer
                .lock()
                .unwrap()
                .clone()
                .unwrap_or(RemoteRefund::NotConfirmed("no such refund".into()))
        }
    }

    fn timeout_handler(
        gateway: &Arc<FakeGateway>,
        store: &FakeStore,
    ) -> OrderTimeoutHandler<Arc<FakeGateway>, FakeStore, FixedClock> {
        let clock = FixedClock(at(1000));
        OrderTimeoutHandler {
            gateway: gateway.clone(),
            orders: OrderService::new(store.clone(), clock),
            payments: PaymentService::new(
                store.clone(),
                clock,
                Merchant {
                    app_id: "app".into(),
                    seller_id: None,
                },
            ),
            events: (),
        }
    }

    fn job(payload: serde_json::Value) -> Job {
        Job {
            id: 1,
            kind: ORDER_TIMEOUT.into(),
            payload,
            run_at: at(900),
            attempts: 1,
            max_attempts: 5,
        }
    }

    fn linked_store() -> FakeStore {
        let store = FakeStore::with_orders([unpaid(7, Decimal::TEN, 0)]);
        store.state().links.insert(7);
        store
    }

    #[tokio::test]
    async fn unpaid_order_is_closed_then_timed_out() {
        let gateway = Arc::new(FakeGateway::default());
        let store = linked_store();
        timeout_handler(&gateway, &store)
            .run(&job(json!({"order_id": 7})))
            .await
            .unwrap();
        assert_eq!(*gateway.calls.lock().unwrap(), vec!["query N7", "close N7"]);
        assert_eq!(store.state().orders[&7].status, OrderStatus::TimedOut);
    }

    #[tokio::test]
    async fn orders_without_a_pay_link_time_out_without_the_gateway() {
        let gateway = Arc::new(FakeGateway::default());
        let store = FakeStore::with_orders([unpaid(7, Decimal::TEN, 0)]);
        timeout_handler(&gateway, &store)
            .run(&job(json!({"order_id": 7})))
            .await
            .unwrap();
        assert!(gateway.calls.lock().unwrap().is_empty());
        assert_eq!(store.state().orders[&7].status, OrderStatus::TimedOut);
    }

    #[tokio::test]
    async fn paid_at_the_gateway_is_fulfilled_not_timed_out() {
        let gateway = Arc::new(FakeGateway {
            answer: Mutex::new(Some(RemoteTrade::Paid {
                trade_no: "T1".into(),
                amount: Decimal::TEN,
                raw: String::new(),
            })),
            ..Default::default()
        });
        let store = linked_store();
        timeout_handler(&gateway, &store)
            .run(&job(json!({"order_id": 7})))
            .await
            .unwrap();
        let state = store.state();
        assert_eq!(state.orders[&7].status, OrderStatus::Paid);
        assert_eq!(state.payments.len(), 1);
    }

    #[tokio::test]
    async fn gateway_down_still_times_out_without_a_close() {
        let gateway = Arc::new(FakeGateway {
            answer: Mutex::new(Some(RemoteTrade::Unknown("20000".into()))),
            close_fails: true,
            ..Default::default()
        });
        let store = linked_store();
        timeout_handler(&gateway, &store)
            .run(&job(json!({"order_id": 7})))
            .await
            .unwrap();
        assert_eq!(store.state().orders[&7].status, OrderStatus::TimedOut);
        assert_eq!(*gateway.calls.lock().unwrap(), vec!["query N7"]);
    }

    #[tokio::test]
    async fn settled_orders_are_moot_and_bad_payloads_fatal() {
        let gateway = Arc::new(FakeGateway::default());
        let store = FakeStore::default();
        let handler = timeout_handler(&gateway, &store);
        handler.run(&job(json!({"order_id": 7}))).await.unwrap();
        assert!(
            gateway.calls.lock().unwrap().is_empty(),
            "moot: no gateway call"
        );
        let error = handler.run(&job(json!({}))).await.unwrap_err();
        assert!(matches!(error, JobError::Fatal(_)));
    }

    #[tokio::test]
    async fn a_late_payment_is_refunded_once_with_its_request_number() {
        let mut order = unpaid(7, Decimal::TEN, 0);
        order.status = OrderStatus::Cancelled;
        let store = FakeStore::with_orders([order]);
        let clock = FixedClock(at(10));
        let payments = PaymentService::new(
            store.clone(),
            clock,
            Merchant {
                app_id: "app".into(),
                seller_id: None,
            },
        );
        let outcome = payments
            .record_queried(QueriedTrade {
                order_number: "N7".into(),
                trade_no: "T1".into(),
                amount: Decimal::TEN,
                payload: String::new(),
            })
            .await
            .unwrap();
        let PaymentOutcome::RefundPending { payment_id, .. } = outcome else {
            panic!("{outcome:?}")
        };
        let gateway = Arc::new(FakeGateway::default());
        let handler = AlipayRefundHandler {
            gateway: gateway.clone(),
            orders: OrderService::new(store.clone(), clock),
            refunds: RefundService::new(store.clone(), clock, Default::default()),
        };
        let refund_job = job(json!({"payment_id": payment_id}));
        handler.run(&refund_job).await.unwrap();
        handler.run(&refund_job).await.unwrap();
        assert_eq!(
            *gateway.calls.lock().unwrap(),
            vec!["refund N7 10 refund-T1"],
            "already refunded: no second gateway call"
        );
    }

    #[tokio::test]
    async fn close_failures_retry() {
        let gateway = Arc::new(FakeGateway {
            close_fails: true,
            ..Default::default()
        });
        let error = AlipayCloseHandler { gateway }
            .run(&job(json!({"order_number": "N1"})))
            .await
            .unwrap_err();
        assert!(matches!(error, JobError::Retry(_)));
    }
}
