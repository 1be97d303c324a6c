//! The order timeout, trade close and refund handlers (SPEC 2.7, 2.8), generic over the gateway
//! and store ports so they are tested without Alipay or PostgreSQL.

use std::future::Future;

use rust_decimal::Decimal;
use serde_json::json;

use crate::job::{Job, JobError, NewJob};
use crate::worker::{HandlerFuture, JobHandler};
use luffy_common::StorageError;

/// `order_timeout`: at `expires_at`, time an unpaid order out (or fulfil it if it was paid).
pub const ORDER_TIMEOUT: &str = "order_timeout";
/// `alipay_close`: after a user cancel, refuse further payment at the gateway.
pub const ALIPAY_CLOSE: &str = "alipay_close";
/// `alipay_refund`: refund a late payment.
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
    /// Refunds; the same `out_request_no` never refunds twice. `Err` = try later.
    fn refund(
        &self,
        order_number: &str,
        amount: Decimal,
        out_request_no: &str,
    ) -> impl Future<Output = Result<(), String>> + Send;
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
    /// This run found the order paid at the gateway and fulfilled it.
    fn paid_remotely(&self, _order: &UnpaidOrder) {}
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

/// The store calls the handlers need; each is one transaction in the adapter.
pub trait TimeoutStore: Send + Sync + 'static {
    /// The order if it is still unpaid.
    fn unpaid_order(
        &self,
        order_id: i64,
    ) -> impl Future<Output = Result<Option<UnpaidOrder>, StorageError>> + Send;
    /// Records a payment found by querying and fulfils (idempotent, like a notify); true when
    /// this call paid the order.
    fn fulfil_remote(
        &self,
        order_number: &str,
        trade_no: &str,
        amount: Decimal,
        raw: &str,
    ) -> impl Future<Output = Result<bool, String>> + Send;
    /// 0 -> 3 compare-and-set restoring coupon and points; true if this call won.
    fn time_out(&self, order_id: i64) -> impl Future<Output = Result<bool, StorageError>> + Send;
    /// The refund still to make for a payment, if any.
    fn pending_refund(
        &self,
        payment_id: i64,
    ) -> impl Future<Output = Result<Option<PendingRefund>, StorageError>> + Send;
    /// Marks a payment refunded.
    fn mark_refunded(
        &self,
        payment_id: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}

fn storage(error: StorageError) -> JobError {
    JobError::Retry(error.to_string())
}

/// Handles `order_timeout`.
pub struct OrderTimeoutHandler<G, S, E = ()> {
    /// Gateway.
    pub gateway: G,
    /// Store.
    pub store: S,
    /// Where outcomes are reported (metrics).
    pub events: E,
}

impl<G: TradeGateway, S: TimeoutStore, E: TimeoutEvents> OrderTimeoutHandler<G, S, E> {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let order_id = job.payload_i64("order_id")?;
        let Some(order) = self.store.unpaid_order(order_id).await.map_err(storage)? else {
            return Ok(()); // paid or cancelled meanwhile: moot
        };
        if !order.pay_link_issued {
            // No signed link was ever handed out, and none is after expiry: the gateway cannot
            // hold a trade for this order, so there is nothing to query or close.
            if self.store.time_out(order_id).await.map_err(storage)? {
                tracing::info!(order = %order.order_number, "order timed out");
                self.events.timed_out(&order);
            }
            return Ok(());
        }
        match self.gateway.query(&order.order_number).await {
            RemoteTrade::Paid {
                trade_no,
                amount,
                raw,
            } => {
                // Paid but the notify has not arrived: fulfil now.
                let paid = self
                    .store
                    .fulfil_remote(&order.order_number, &trade_no, amount, &raw)
                    .await
                    .map_err(JobError::Retry)?;
                if paid {
                    tracing::info!(order = %order.order_number, "order paid (found by the timeout's query)");
                    self.events.paid_remotely(&order);
                }
                return Ok(());
            }
            RemoteTrade::NotPaid => {
                if let Err(error) = self.gateway.close(&order.order_number).await {
                    tracing::warn!(%error, order = %order.order_number, "could not close the trade; timing out anyway");
                }
            }
            RemoteTrade::Unknown(error) => {
                // SPEC 2.8: the gateway being down must not keep coupons and points locked; a
                // payment that still lands is refunded.
                tracing::warn!(%error, order = %order.order_number, "gateway unavailable; timing out anyway");
            }
        }
        if self.store.time_out(order_id).await.map_err(storage)? {
            tracing::info!(order = %order.order_number, "order timed out");
            self.events.timed_out(&order);
        }
        Ok(())
    }
}

impl<G: TradeGateway, S: TimeoutStore, E: TimeoutEvents> JobHandler
    for OrderTimeoutHandler<G, S, E>
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
pub struct AlipayRefundHandler<G, S> {
    /// Gateway.
    pub gateway: G,
    /// Store.
    pub store: S,
}

impl<G: TradeGateway, S: TimeoutStore> JobHandler for AlipayRefundHandler<G, S> {
    fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(async move {
            let payment_id = job.payload_i64("payment_id")?;
            let Some(refund) = self
                .store
                .pending_refund(payment_id)
                .await
                .map_err(storage)?
            else {
                return Ok(()); // already refunded
            };
            self.gateway
                .refund(&refund.order_number, refund.amount, &refund.out_request_no)
                .await
                .map_err(JobError::Retry)?;
            self.store.mark_refunded(payment_id).await.map_err(storage)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct FakeGateway {
        answer: Mutex<Option<RemoteTrade>>,
        close_fails: bool,
        calls: Mutex<Vec<String>>,
    }

    impl TradeGateway for &'static FakeGateway {
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
        async fn refund(
            &self,
            order_number: &str,
            amount: Decimal,
            request: &str,
        ) -> Result<(), String> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("refund {order_number} {amount} {request}"));
            Ok(())
        }
    }

    #[derive(Default)]
    struct FakeStore {
        unpaid: bool,
        no_link: bool,
        refund_pending: bool,
        calls: Mutex<Vec<String>>,
    }

    impl TimeoutStore for &'static FakeStore {
        async fn unpaid_order(&self, order_id: i64) -> Result<Option<UnpaidOrder>, StorageError> {
            Ok(self.unpaid.then(|| UnpaidOrder {
                id: order_id,
                order_number: "N1".into(),
                pay_link_issued: !self.no_link,
                pay_type: 0,
                real_price: Decimal::new(1999, 2),
                created_at: chrono::Utc::now(),
            }))
        }
        async fn fulfil_remote(
            &self,
            number: &str,
            trade_no: &str,
            _amount: Decimal,
            _raw: &str,
        ) -> Result<bool, String> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("fulfil {number} {trade_no}"));
            Ok(true)
        }
        async fn time_out(&self, order_id: i64) -> Result<bool, StorageError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("time_out {order_id}"));
            Ok(true)
        }
        async fn pending_refund(
            &self,
            _payment_id: i64,
        ) -> Result<Option<PendingRefund>, StorageError> {
            Ok(self.refund_pending.then(|| PendingRefund {
                order_number: "N1".into(),
                amount: Decimal::new(1999, 2),
                out_request_no: "refund-T1".into(),
            }))
        }
        async fn mark_refunded(&self, payment_id: i64) -> Result<(), StorageError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("refunded {payment_id}"));
            Ok(())
        }
    }

    fn leak<T>(value: T) -> &'static T {
        Box::leak(Box::new(value))
    }

    fn job(payload: serde_json::Value) -> Job {
        Job {
            id: 1,
            kind: ORDER_TIMEOUT.into(),
            payload,
            run_at: chrono::Utc::now(),
            attempts: 1,
            max_attempts: 5,
        }
    }

    #[tokio::test]
    async fn unpaid_order_is_closed_then_timed_out() {
        let gateway = leak(FakeGateway::default());
        let store = leak(FakeStore {
            unpaid: true,
            ..Default::default()
        });
        OrderTimeoutHandler {
            gateway,
            store,
            events: (),
        }
        .run(&job(json!({"order_id": 7})))
        .await
        .unwrap();
        assert_eq!(*gateway.calls.lock().unwrap(), vec!["query N1", "close N1"]);
        assert_eq!(*store.calls.lock().unwrap(), vec!["time_out 7"]);
    }

    #[tokio::test]
    async fn orders_without_a_pay_link_time_out_without_the_gateway() {
        let gateway = leak(FakeGateway::default());
        let store = leak(FakeStore {
            unpaid: true,
            no_link: true,
            ..Default::default()
        });
        OrderTimeoutHandler {
            gateway,
            store,
            events: (),
        }
        .run(&job(json!({"order_id": 7})))
        .await
        .unwrap();
        assert!(gateway.calls.lock().unwrap().is_empty());
        assert_eq!(*store.calls.lock().unwrap(), vec!["time_out 7"]);
    }

    #[tokio::test]
    async fn paid_at_the_gateway_is_fulfilled_not_timed_out() {
        let gateway = leak(FakeGateway {
            answer: Mutex::new(Some(RemoteTrade::Paid {
                trade_no: "T1".into(),
                amount: Decimal::ONE,
                raw: String::new(),
            })),
            ..Default::default()
        });
        let store = leak(FakeStore {
            unpaid: true,
            ..Default::default()
        });
        OrderTimeoutHandler {
            gateway,
            store,
            events: (),
        }
        .run(&job(json!({"order_id": 7})))
        .await
        .unwrap();
        assert_eq!(*store.calls.lock().unwrap(), vec!["fulfil N1 T1"]);
    }

    #[tokio::test]
    async fn gateway_down_still_times_out() {
        let gateway = leak(FakeGateway {
            answer: Mutex::new(Some(RemoteTrade::Unknown("20000".into()))),
            close_fails: true,
            ..Default::default()
        });
        let store = leak(FakeStore {
            unpaid: true,
            ..Default::default()
        });
        OrderTimeoutHandler {
            gateway,
            store,
            events: (),
        }
        .run(&job(json!({"order_id": 7})))
        .await
        .unwrap();
        assert_eq!(*store.calls.lock().unwrap(), vec!["time_out 7"]);
        assert_eq!(
            *gateway.calls.lock().unwrap(),
            vec!["query N1"],
            "no close attempt when the state is unknown"
        );
    }

    #[tokio::test]
    async fn settled_orders_and_bad_payloads() {
        let gateway = leak(FakeGateway::default());
        let store = leak(FakeStore::default());
        OrderTimeoutHandler {
            gateway,
            store,
            events: (),
        }
        .run(&job(json!({"order_id": 7})))
        .await
        .unwrap();
        assert!(
            gateway.calls.lock().unwrap().is_empty(),
            "moot: no gateway call"
        );
        let error = OrderTimeoutHandler {
            gateway,
            store,
            events: (),
        }
        .run(&job(json!({})))
        .await
        .unwrap_err();
        assert!(matches!(error, JobError::Fatal(_)));
    }

    #[tokio::test]
    async fn refunds_once_with_the_request_number() {
        let gateway = leak(FakeGateway::default());
        let store = leak(FakeStore {
            refund_pending: true,
            ..Default::default()
        });
        AlipayRefundHandler { gateway, store }
            .run(&job(json!({"payment_id": 3})))
            .await
            .unwrap();
        assert_eq!(
            *gateway.calls.lock().unwrap(),
            vec!["refund N1 19.99 refund-T1"]
        );
        assert_eq!(*store.calls.lock().unwrap(), vec!["refunded 3"]);
        let done = leak(FakeStore::default());
        AlipayRefundHandler {
            gateway,
            store: done,
        }
        .run(&job(json!({"payment_id": 3})))
        .await
        .unwrap();
        assert_eq!(
            gateway.calls.lock().unwrap().len(),
            1,
            "already refunded: no second gateway call"
        );
    }

    #[tokio::test]
    async fn close_failures_retry() {
        let gateway = leak(FakeGateway {
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
