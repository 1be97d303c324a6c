//! The order's job handlers: the order timeout, trade close and trade refund, and the
//! expired-order sweep. They run on the generic `luffy-scheduler` worker, reach channels only
//! through the [`Gateways`] registry, and change orders only through [`OrderService`],
//! [`PaymentService`] and [`RefundService`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use luffy_common::{Clock, StorageError};
use luffy_scheduler::worker::{HandlerFuture, PeriodicTask};
use luffy_scheduler::{Job, JobError, JobHandler, JobStore, NewJob};

use crate::channel::Channel;
use crate::gateway::{refund_at_gateway, Gateways, RefundRequest};
use crate::jobs::{job_channel, order_timeout_job, UnpaidOrder};
use crate::payment::{GatewayCheck, PaymentOutcome, PaymentService};
use crate::ports::{OrderJobReads, OrderStore};
use crate::refund_service::RefundService;
use crate::service::OrderService;
use crate::status::PayType;

/// What the timeout handler reports as it decides, for metrics; every method defaults to
/// doing nothing (`()` reports nothing).
pub trait TimeoutEvents: Send + Sync + 'static {
    /// This run timed the order out (it won the compare-and-set).
    fn timed_out(&self, _order: &UnpaidOrder) {}
    /// This run found the order paid at the gateway and fulfilled it `at` that instant.
    fn paid_remotely(&self, _order: &UnpaidOrder, _at: chrono::DateTime<chrono::Utc>) {}
}

impl TimeoutEvents for () {}

fn storage(error: StorageError) -> JobError {
    JobError::Retry(error.to_string())
}

/// Handles `order_timeout`.
pub struct OrderTimeoutHandler<S, K, E = ()> {
    /// The channels' adapters.
    pub gateways: Gateways,
    /// The timeout transition.
    pub orders: OrderService<S, K>,
    /// Records a payment the gateway reports.
    pub payments: PaymentService<S, K>,
    /// Where outcomes are reported (metrics).
    pub events: E,
}

impl<S, K, E> OrderTimeoutHandler<S, K, E>
where
    S: OrderStore + OrderJobReads,
    K: Clock + 'static,
    E: TimeoutEvents,
{
    async fn time_out(&self, order: &UnpaidOrder) -> Result<(), JobError> {
        if self.orders.time_out(order.id).await.map_err(storage)? {
            tracing::info!(order = %order.order_number, "order timed out");
            self.events.timed_out(order);
        }
        Ok(())
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let order_id = job.payload_i64("order_id")?;
        let Some(order) = self.orders.unpaid_order(order_id).await.map_err(storage)? else {
            return Ok(()); // paid or cancelled meanwhile: moot
        };
        let channel = PayType::from_code(order.pay_type.into()).map(Channel::of);
        let gateway = channel.and_then(|c| self.gateways.get(c));
        let Some(gateway) = gateway.filter(|_| order.pay_link_issued) else {
            // No payment was ever started at a channel (and none is after expiry): no remote
            // trade can exist for this order, so there is nothing to query or close.
            return self.time_out(&order).await;
        };
        let check = self
            .payments
            .check_with_gateway(gateway, &order.order_number)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        match check {
            GatewayCheck::Recorded(outcome) => {
                // Paid but the notify has not arrived: fulfilled now.
                if matches!(outcome, PaymentOutcome::Fulfilled(_)) {
                    tracing::info!(order = %order.order_number, channel = %gateway.channel(), "order paid (found by the timeout's query)");
                    self.events.paid_remotely(&order, self.orders.now());
                }
                return Ok(());
            }
            GatewayCheck::NotPaid => {
                if let Err(error) = gateway.close(&order.order_number).await {
                    tracing::warn!(%error, order = %order.order_number, "could not close the trade; timing out anyway");
                }
            }
            GatewayCheck::Unknown(error) => {
                // The gateway being down must not keep coupons and points locked; a
                // payment that still lands is refunded.
                tracing::warn!(%error, order = %order.order_number, "gateway unavailable; timing out anyway");
            }
        }
        self.time_out(&order).await
    }
}

impl<S, K, E> JobHandler for OrderTimeoutHandler<S, K, E>
where
    S: OrderStore + OrderJobReads,
    K: Clock + 'static,
    E: TimeoutEvents,
{
    fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(self.handle(job))
    }
}

/// The adapter of the channel a job names; a channel not configured here is retried (another
/// instance, or this one after its settings are fixed, may have it).
fn gateway_for(
    gateways: &Gateways,
    channel: Channel,
) -> Result<&dyn crate::gateway::PaymentGateway, JobError> {
    gateways
        .get(channel)
        .ok_or_else(|| JobError::Retry(format!("no {channel} gateway is configured")))
}

/// Handles `trade_close` (and the legacy `alipay_close`).
pub struct TradeCloseHandler {
    /// The channels' adapters.
    pub gateways: Gateways,
}

impl JobHandler for TradeCloseHandler {
    fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(async move {
            let number = job
                .payload
                .get("order_number")
                .and_then(|v| v.as_str())
                .ok_or_else(|| JobError::Fatal("payload has no order_number".into()))?;
            let gateway = gateway_for(&self.gateways, job_channel(job)?)?;
            gateway.close(number).await.map_err(JobError::Retry)
        })
    }
}

/// Handles `trade_refund` (and the legacy `alipay_refund`): pays money back through the
/// channel that took it.
pub struct TradeRefundHandler<S, K> {
    /// The channels' adapters.
    pub gateways: Gateways,
    /// The late payment to refund.
    pub orders: OrderService<S, K>,
    /// The granted refund to pay back.
    pub refunds: RefundService<S, K>,
}

impl<S: OrderStore + OrderJobReads, K: Clock + 'static> JobHandler for TradeRefundHandler<S, K> {
    fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(async move {
            if job.payload.get("refund_id").is_some() {
                let refund_id = job.payload_i64("refund_id")?;
                let last_attempt = job.attempts >= job.max_attempts;
                return self
                    .refunds
                    .pay_back(&self.gateways, refund_id, last_attempt)
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
            let gateway = gateway_for(&self.gateways, refund.channel)?;
            let request = RefundRequest {
                order_number: refund.order_number,
                out_request_no: refund.out_request_no,
                amount: refund.amount,
                order_total: refund.amount,
            };
            refund_at_gateway(gateway, &request)
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
    use crate::gateway::{
        ChannelReply, ChannelRequest, GatewayFuture, NotifyVerdict, PaymentGateway, PaymentNotice,
        PaymentRequest, PaymentStart, RemoteRefund, RemoteTrade,
    };
    use crate::jobs::ORDER_TIMEOUT;
    use crate::lifecycle::OrderStatus;
    use crate::memory::{at, unpaid, MemoryOrderStore};
    use crate::payment::{Merchant, QueriedTrade};
    use luffy_common::FixedClock;
    use rust_decimal::Decimal;
    use serde_json::json;
    use std::sync::Mutex;

    #[derive(Default)]
    pub(crate) struct FakeGateway {
        answer: Mutex<Option<RemoteTrade>>,
        pub(crate) refund_answer: Mutex<Option<RemoteRefund>>,
        pub(crate) refund_query_answer: Mutex<Option<RemoteRefund>>,
        close_fails: bool,
        pub(crate) calls: Mutex<Vec<String>>,
    }

    fn boxed<'a, T: Send + 'a>(value: T) -> GatewayFuture<'a, T> {
        Box::pin(std::future::ready(value))
    }

    impl PaymentGateway for FakeGateway {
        fn channel(&self) -> Channel {
            Channel::Alipay
        }
        fn start<'a>(
            &'a self,
            payment: &'a PaymentRequest,
            _now: chrono::DateTime<chrono::Utc>,
        ) -> GatewayFuture<'a, Result<PaymentStart, String>> {
            boxed(Ok(PaymentStart::Link(format!(
                "pay {}",
                payment.order_number
            ))))
        }
        fn verify_notify(&self, _request: &ChannelRequest) -> Result<PaymentNotice, String> {
            Err("the fake verifies nothing".into())
        }
        fn notify_reply(&self, verdict: NotifyVerdict) -> ChannelReply {
            ChannelReply {
                status: 200,
                content_type: None,
                body: format!("{verdict:?}"),
            }
        }
        fn query<'a>(&'a self, order_number: &'a str) -> GatewayFuture<'a, RemoteTrade> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("query {order_number}"));
            boxed(
                self.answer
                    .lock()
                    .unwrap()
                    .clone()
                    .unwrap_or(RemoteTrade::NotPaid),
            )
        }
        fn close<'a>(&'a self, order_number: &'a str) -> GatewayFuture<'a, Result<(), String>> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("close {order_number}"));
            boxed(if self.close_fails {
                Err("down".into())
            } else {
                Ok(())
            })
        }
        fn refund<'a>(&'a self, refund: &'a RefundRequest) -> GatewayFuture<'a, RemoteRefund> {
            self.calls.lock().unwrap().push(format!(
                "refund {} {} {}",
                refund.order_number, refund.amount, refund.out_request_no
            ));
            boxed(
                self.refund_answer
                    .lock()
                    .unwrap()
                    .clone()
                    .unwrap_or(RemoteRefund::Done),
            )
        }
        fn refund_query<'a>(
            &'a self,
            refund: &'a RefundRequest,
        ) -> GatewayFuture<'a, RemoteRefund> {
            self.calls.lock().unwrap().push(format!(
                "refund query {} {}",
                refund.order_number, refund.out_request_no
            ));
            boxed(
                self.refund_query_answer
                    .lock()
                    .unwrap()
                    .clone()
                    .unwrap_or(RemoteRefund::NotConfirmed("no such refund".into())),
            )
        }
    }

    /// A registry holding the fake as the Alipay adapter.
    pub(crate) fn gateways(gateway: &Arc<FakeGateway>) -> Gateways {
        Gateways::new().with(gateway.clone())
    }

    fn timeout_handler(
        gateway: &Arc<FakeGateway>,
        store: &MemoryOrderStore,
    ) -> OrderTimeoutHandler<MemoryOrderStore, FixedClock> {
        let clock = FixedClock(at(1000));
        OrderTimeoutHandler {
            gateways: gateways(gateway),
            orders: OrderService::new(store.clone(), clock),
            payments: PaymentService::new(
                store.clone(),
                clock,
                [Merchant {
                    channel: Channel::Alipay,
                    app_id: "app".into(),
                    seller_id: None,
                }],
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

    fn linked_store() -> MemoryOrderStore {
        let store = MemoryOrderStore::with_orders([unpaid(7, Decimal::TEN, 0)]);
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
        let store = MemoryOrderStore::with_orders([unpaid(7, Decimal::TEN, 0)]);
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
        let store = MemoryOrderStore::default();
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
        let store = MemoryOrderStore::with_orders([order]);
        let clock = FixedClock(at(10));
        let payments = PaymentService::new(
            store.clone(),
            clock,
            [Merchant {
                channel: Channel::Alipay,
                app_id: "app".into(),
                seller_id: None,
            }],
        );
        let outcome = payments
            .record_queried(QueriedTrade {
                channel: Channel::Alipay,
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
        let handler = TradeRefundHandler {
            gateways: gateways(&gateway),
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
        let error = TradeCloseHandler {
            gateways: gateways(&gateway),
        }
        .run(&job(json!({"order_number": "N1", "channel": "alipay"})))
        .await
        .unwrap_err();
        assert!(matches!(error, JobError::Retry(_)));
    }
}
