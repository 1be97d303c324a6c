//! Running a channel's day of reconciliation: download and check the bill (and the
//! neighbouring days' when a payment near midnight needs them), load our books, compare
//! ([`crate::reconciliation`]), settle each new 长款 through the normal payment path (query the
//! trade, then fulfil the order or refund the money), and store the day's result in one
//! transaction with the job that runs the next day. Results are idempotent per (channel, day):
//! a rerun keeps what earlier runs found and did ([`merge`]).

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use luffy_common::{Clock, Page, PageRequest, StorageError};
use luffy_scheduler::NewJob;

use crate::channel::Channel;
use crate::gateway::{BillError, ChannelBill, Gateways};
use crate::payment::{GatewayCheck, PaymentError, PaymentOutcome, PaymentService};
use crate::ports::OrderStore;
use crate::reconciliation::{
    compare, merge, neighbours_needed, Books, Comparison, DayWindow, Finding, FindingKind,
    Neighbours,
};

/// A channel's day as stored: the bill's totals, how many rows agreed, and the findings with
/// what was done about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    /// The channel.
    pub channel: Channel,
    /// The Beijing day.
    pub day: NaiveDate,
    /// Bill rows that agreed with our books.
    pub matched: usize,
    /// Payments on the bill, and their sum in fen.
    pub bill_payments: (usize, i64),
    /// Refunds on the bill, and their sum in fen.
    pub bill_refunds: (usize, i64),
    /// The differences, each with its resolution.
    pub findings: Vec<Finding>,
    /// How many times the day was run.
    pub runs: i32,
    /// When it was last run.
    pub updated_at: DateTime<Utc>,
}

impl Reconciliation {
    /// Findings nobody has resolved yet.
    pub fn open_findings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.resolution.is_empty())
            .count()
    }
}

/// What one run of a day stores.
#[derive(Debug, Clone, PartialEq)]
pub struct DayResult {
    /// The channel.
    pub channel: Channel,
    /// The day.
    pub day: NaiveDate,
    /// The comparison, its findings merged with the earlier runs'.
    pub comparison: Comparison,
    /// The job that runs the next day (the daily job's successor), stored with the result.
    pub next_job: Option<NewJob>,
}

/// The reconciliation store port: our books around a day, and the stored results.
pub trait ReconciliationStore: Send + Sync {
    /// The channel's payments recorded and refunds completed between `from` and `to`, and
    /// those of the orders named (a bill row may name an order recorded on another day).
    fn books(
        &self,
        channel: Channel,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        order_numbers: &[String],
    ) -> impl Future<Output = Result<Books, StorageError>> + Send;

    /// The stored result of a day, if it was run.
    fn find(
        &self,
        channel: Channel,
        day: NaiveDate,
    ) -> impl Future<Output = Result<Option<Reconciliation>, StorageError>> + Send;

    /// Stores a day's result in one transaction: the day's row (created, or rerun), its
    /// findings replaced, and the next job.
    fn save(
        &self,
        result: &DayResult,
    ) -> impl Future<Output = Result<Reconciliation, StorageError>> + Send;

    /// Stored days, newest first, optionally of one channel.
    fn list(
        &self,
        channel: Option<Channel>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Reconciliation>, StorageError>> + Send;
}

/// Why a day could not be reconciled (nothing was stored).
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The channel is not configured.
    #[error("{0} is not configured")]
    NoChannel(Channel),
    /// The channel has not published the day's bill yet.
    #[error("the {0} bill of {1} is not out yet")]
    BillNotReady(Channel, NaiveDate),
    /// The bill is malformed or truncated.
    #[error("the {0} bill of {1} was refused: {2}")]
    BillRefused(Channel, NaiveDate, String),
    /// The channel could not be reached.
    #[error("{0} is unavailable: {1}")]
    Unavailable(Channel, String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The reconciliation use case.
#[derive(Clone)]
pub struct ReconciliationService<R, S, K> {
    store: R,
    payments: PaymentService<S, K>,
    gateways: Gateways,
}

impl<R: ReconciliationStore, S: OrderStore, K: Clock> ReconciliationService<R, S, K> {
    /// The service over its store, the payment service (which settles 长款) and the channels.
    pub fn new(store: R, payments: PaymentService<S, K>, gateways: Gateways) -> Self {
        Self {
            store,
            payments,
            gateways,
        }
    }

    /// The stored result of a day.
    pub async fn find(
        &self,
        channel: Channel,
        day: NaiveDate,
    ) -> Result<Option<Reconciliation>, StorageError> {
        self.store.find(channel, day).await
    }

    /// Stored days, newest first.
    pub async fn list(
        &self,
        channel: Option<Channel>,
        page: PageRequest,
    ) -> Result<Page<Reconciliation>, StorageError> {
        self.store.list(channel, page).await
    }

    async fn bill(&self, channel: Channel, day: NaiveDate) -> Result<ChannelBill, ReconcileError> {
        let gateway = self
            .gateways
            .get(channel)
            .ok_or(ReconcileError::NoChannel(channel))?;
        gateway.bill(day).await.map_err(|e| match e {
            BillError::NotReady => ReconcileError::BillNotReady(channel, day),
            BillError::Refused(why) => ReconcileError::BillRefused(channel, day, why),
            BillError::Unavailable(why) => ReconcileError::Unavailable(channel, why),
        })
    }

    /// A neighbouring day's bill when the channel has it; `None` when not out yet.
    async fn neighbour(
        &self,
        channel: Channel,
        day: Option<NaiveDate>,
    ) -> Result<Option<ChannelBill>, ReconcileError> {
        let Some(day) = day else { return Ok(None) };
        match self.bill(channel, day).await {
            Ok(bill) => Ok(Some(bill)),
            Err(ReconcileError::BillNotReady(..)) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Reconciles a channel's day and stores the result (with `next_job`, when the daily job
    /// runs it). Returns the stored day and the findings new in this run.
    pub async fn run(
        &self,
        channel: Channel,
        day: NaiveDate,
        next_job: Option<NewJob>,
    ) -> Result<(Reconciliation, Vec<Finding>), ReconcileError> {
        let bill = self.bill(channel, day).await?;
        let window = DayWindow::beijing(day);
        let (before, after) = (
            DayWindow::beijing(day.pred_opt().unwrap_or(day)),
            DayWindow::beijing(day.succ_opt().unwrap_or(day)),
        );
        let named: Vec<String> = bill
            .entries
            .iter()
            .map(|e| e.order_number.clone())
            .collect();
        let books = self
            .store
            .books(channel, before.start, after.end, &named)
            .await?;
        let (need_previous, need_next) = neighbours_needed(&window, &bill, &books);
        let previous = self
            .neighbour(channel, need_previous.then_some(before.day))
            .await?;
        let next = self
            .neighbour(channel, need_next.then_some(after.day))
            .await?;
        let mut comparison = compare(
            &window,
            &bill,
            Neighbours {
                previous: previous.as_ref(),
                next: next.as_ref(),
            },
            &books,
        );
        let earlier = self
            .store
            .find(channel, day)
            .await?
            .map(|r| r.findings)
            .unwrap_or_default();
        comparison.findings = merge(&earlier, comparison.findings);
        // A bill row with a finding (even one settled since) is not counted as agreeing, so a
        // rerun after a settlement shows the same day.
        let rows = comparison.bill_payments.0 + comparison.bill_refunds.0;
        let disputed = comparison
            .findings
            .iter()
            .filter(|f| f.bill_fen.is_some())
            .count();
        comparison.matched = rows.saturating_sub(disputed);
        for finding in comparison.findings.iter_mut() {
            if finding.kind == FindingKind::Long && finding.resolution.is_empty() {
                finding.resolution = self.settle_long(channel, &finding.order_number).await;
            }
        }
        let new: Vec<Finding> = comparison
            .findings
            .iter()
            .filter(|f| !earlier.iter().any(|e| e.key() == f.key()))
            .cloned()
            .collect();
        for finding in &new {
            tracing::warn!(
                channel = %channel,
                day = %day,
                kind = finding.kind.code(),
                order = %finding.order_number,
                refund = finding.refund_no.as_deref().unwrap_or(""),
                bill_fen = finding.bill_fen,
                our_fen = finding.our_fen,
                resolution = %finding.resolution,
                "reconciliation difference: {}",
                finding.kind.display_name()
            );
        }
        let stored = self
            .store
            .save(&DayResult {
                channel,
                day,
                comparison,
                next_job,
            })
            .await?;
        Ok((stored, new))
    }

    /// 长款: money the channel holds for an order we do not show as paid. Asks the channel
    /// about the trade and records it through the payment path, which fulfils the order or,
    /// when it can no longer be paid, keeps the payment for refund. Returns what was done
    /// (empty when the channel could not tell: the next run asks again).
    async fn settle_long(&self, channel: Channel, order_number: &str) -> String {
        let Some(gateway) = self.gateways.get(channel) else {
            return String::new();
        };
        match self
            .payments
            .check_with_gateway(gateway, order_number)
            .await
        {
            Ok(GatewayCheck::Recorded(PaymentOutcome::Fulfilled(_))) => {
                "已查询确认,补记支付,订单已支付".into()
            }
            Ok(GatewayCheck::Recorded(PaymentOutcome::RefundPending { .. })) => {
                "已查询确认,订单已不可支付,款项退回中".into()
            }
            Ok(GatewayCheck::Recorded(PaymentOutcome::AlreadyRecorded { .. })) => {
                "已查询确认,支付已在账".into()
            }
            Ok(GatewayCheck::NotPaid) => "渠道查询为未支付,需人工核查".into(),
            Ok(GatewayCheck::Unknown(_)) => String::new(),
            Err(PaymentError::UnknownOrder) => "非本店订单,需人工核查".into(),
            Err(PaymentError::AmountMismatch) => "金额与订单不符,需人工核查".into(),
            Err(_) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use chrono::{Duration, NaiveDate};
    use luffy_common::{FixedClock, Page};
    use rust_decimal::Decimal;

    use super::*;
    use crate::gateway::{
        BillEntry, BillEntryKind, ChannelReply, ChannelRequest, GatewayFuture, NotifyVerdict,
        PaymentGateway, PaymentRequest, PaymentStart, RefundRequest, RemoteRefund, RemoteTrade,
    };
    use crate::lifecycle::OrderStatus;
    use crate::memory::{unpaid_order, MemoryOrderStore};
    use crate::payment::PaymentNotice;
    use crate::reconciliation::OurPayment;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    /// A channel whose bills and trades the test sets.
    #[derive(Default)]
    struct FakeChannel {
        bills: Mutex<BTreeMap<NaiveDate, Result<ChannelBill, BillError>>>,
        paid: Mutex<Vec<String>>,
    }

    impl PaymentGateway for FakeChannel {
        fn channel(&self) -> Channel {
            Channel::Alipay
        }
        fn start<'a>(
            &'a self,
            _payment: &'a PaymentRequest,
            _now: DateTime<Utc>,
        ) -> GatewayFuture<'a, Result<PaymentStart, String>> {
            Box::pin(async { Err("no".into()) })
        }
        fn verify_notify(&self, _request: &ChannelRequest) -> Result<PaymentNotice, String> {
            Err("no".into())
        }
        fn notify_reply(&self, _verdict: NotifyVerdict) -> ChannelReply {
            ChannelReply {
                status: 200,
                content_type: None,
                body: String::new(),
            }
        }
        fn query<'a>(&'a self, order_number: &'a str) -> GatewayFuture<'a, RemoteTrade> {
            let paid = self.paid.lock().unwrap().iter().any(|n| n == order_number);
            Box::pin(async move {
                if paid {
                    RemoteTrade::Paid {
                        trade_no: format!("T{order_number}"),
                        amount: Decimal::new(299, 0),
                        raw: "{}".into(),
                    }
                } else {
                    RemoteTrade::NotPaid
                }
            })
        }
        fn close<'a>(&'a self, _order_number: &'a str) -> GatewayFuture<'a, Result<(), String>> {
            Box::pin(async { Ok(()) })
        }
        fn refund<'a>(&'a self, _refund: &'a RefundRequest) -> GatewayFuture<'a, RemoteRefund> {
            Box::pin(async { RemoteRefund::Done })
        }
        fn refund_query<'a>(
            &'a self,
            _refund: &'a RefundRequest,
        ) -> GatewayFuture<'a, RemoteRefund> {
            Box::pin(async { RemoteRefund::Done })
        }
        fn bill(&self, day: NaiveDate) -> GatewayFuture<'_, Result<ChannelBill, BillError>> {
            let bill = self
                .bills
                .lock()
                .unwrap()
                .get(&day)
                .cloned()
                .unwrap_or(Err(BillError::NotReady));
            Box::pin(async move { bill })
        }
    }

    /// Stored days and the books, in memory.
    #[derive(Clone, Default)]
    struct MemoryReconciliations {
        books: Arc<Mutex<Books>>,
        days: Arc<Mutex<BTreeMap<(Channel, NaiveDate), Reconciliation>>>,
        jobs: Arc<Mutex<Vec<NewJob>>>,
    }

    impl ReconciliationStore for MemoryReconciliations {
        async fn books(
            &self,
            _channel: Channel,
            _from: DateTime<Utc>,
            _to: DateTime<Utc>,
            _order_numbers: &[String],
        ) -> Result<Books, StorageError> {
            Ok(self.books.lock().unwrap().clone())
        }
        async fn find(
            &self,
            channel: Channel,
            day: NaiveDate,
        ) -> Result<Option<Reconciliation>, StorageError> {
            Ok(self.days.lock().unwrap().get(&(channel, day)).cloned())
        }
        async fn save(&self, result: &DayResult) -> Result<Reconciliation, StorageError> {
            let mut days = self.days.lock().unwrap();
            let runs = days
                .get(&(result.channel, result.day))
                .map_or(1, |d| d.runs + 1);
            let stored = Reconciliation {
                channel: result.channel,
                day: result.day,
                matched: result.comparison.matched,
                bill_payments: result.comparison.bill_payments,
                bill_refunds: result.comparison.bill_refunds,
                findings: result.comparison.findings.clone(),
                runs,
                updated_at: Utc::now(),
            };
            days.insert((result.channel, result.day), stored.clone());
            self.jobs.lock().unwrap().extend(result.next_job.clone());
            Ok(stored)
        }
        async fn list(
            &self,
            _channel: Option<Channel>,
            page: PageRequest,
        ) -> Result<Page<Reconciliation>, StorageError> {
            let items: Vec<Reconciliation> = self.days.lock().unwrap().values().cloned().collect();
            Ok(Page {
                total: items.len() as u64,
                items,
                request: page,
            })
        }
    }

    fn setup() -> (
        ReconciliationService<MemoryReconciliations, MemoryOrderStore, FixedClock>,
        Arc<FakeChannel>,
        MemoryReconciliations,
        MemoryOrderStore,
    ) {
        let orders = MemoryOrderStore::with_orders([unpaid_order(1, Decimal::new(299, 0), 0)]);
        let channel = Arc::new(FakeChannel::default());
        let store = MemoryReconciliations::default();
        let clock =
            FixedClock(unpaid_order(1, Decimal::ONE, 0).created_time + Duration::minutes(1));
        let payments = PaymentService::new(orders.clone(), clock, []);
        let service = ReconciliationService::new(
            store.clone(),
            payments,
            Gateways::new().with(channel.clone()),
        );
        (service, channel, store, orders)
    }

    fn row(order: &str, fen: i64) -> BillEntry {
        BillEntry {
            kind: BillEntryKind::Payment,
            order_number: order.into(),
            trade_no: format!("T{order}"),
            refund_no: None,
            amount_fen: fen,
            at: DayWindow::beijing(day()).start + Duration::hours(12),
        }
    }

    #[tokio::test]
    async fn a_long_payment_is_settled_through_the_payment_path_and_a_rerun_changes_nothing() {
        let (service, channel, store, orders) = setup();
        channel.paid.lock().unwrap().push("N1".into());
        channel.bills.lock().unwrap().insert(
            day(),
            Ok(ChannelBill {
                day: day(),
                entries: vec![row("N1", 29900)],
            }),
        );
        let (first, new) = service.run(Channel::Alipay, day(), None).await.unwrap();
        assert_eq!(new.len(), 1);
        assert_eq!(first.findings[0].kind, FindingKind::Long);
        assert_eq!(
            first.findings[0].resolution,
            "已查询确认,补记支付,订单已支付"
        );
        assert_eq!(orders.state().orders[&1].status, OrderStatus::Paid);
        assert_eq!(first.matched, 0);

        // Our books now hold the payment; the rerun keeps the settled finding as it was.
        store.books.lock().unwrap().payments.push(OurPayment {
            order_number: "N1".into(),
            trade_no: "TN1".into(),
            amount_fen: 29900,
            at: DayWindow::beijing(day()).start + Duration::hours(12),
        });
        let (second, new) = service.run(Channel::Alipay, day(), None).await.unwrap();
        assert!(new.is_empty());
        assert_eq!(second.findings, first.findings);
        assert_eq!((second.matched, second.runs), (first.matched, 2));
    }

    #[tokio::test]
    async fn a_refused_or_missing_bill_stores_nothing_and_the_daily_job_goes_with_the_result() {
        let (service, channel, store, _) = setup();
        assert!(matches!(
            service.run(Channel::Alipay, day(), None).await,
            Err(ReconcileError::BillNotReady(..))
        ));
        channel
            .bills
            .lock()
            .unwrap()
            .insert(day(), Err(BillError::Refused("truncated".into())));
        assert!(matches!(
            service.run(Channel::Alipay, day(), None).await,
            Err(ReconcileError::BillRefused(..))
        ));
        assert!(store.days.lock().unwrap().is_empty());
        assert!(matches!(
            service.run(Channel::Wechat, day(), None).await,
            Err(ReconcileError::NoChannel(Channel::Wechat))
        ));

        channel.bills.lock().unwrap().insert(
            day(),
            Ok(ChannelBill {
                day: day(),
                entries: Vec::new(),
            }),
        );
        let next = crate::jobs::reconcile_job(Channel::Alipay, Utc::now());
        let (stored, _) = service
            .run(Channel::Alipay, day(), Some(next.clone()))
            .await
            .unwrap();
        assert!(stored.findings.is_empty());
        assert_eq!(store.jobs.lock().unwrap().as_slice(), [next]);
    }

    #[test]
    fn the_daily_job_runs_at_the_next_1005_beijing_time() {
        let at = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc)
        };
        let job = |now| crate::jobs::reconcile_job(Channel::Wechat, now);
        // 09:00 Beijing: today at 10:05; 10:05 and later: tomorrow's.
        assert_eq!(
            job(at("2026-12-03T09:00:00+08:00")).run_at,
            at("2026-12-03T10:05:00+08:00")
        );
        assert_eq!(
            job(at("2026-12-03T10:05:00+08:00")).run_at,
            at("2026-12-04T10:05:00+08:00")
        );
        assert_eq!(
            job(at("2026-12-03T23:30:00+08:00")).run_at,
            at("2026-12-04T10:05:00+08:00")
        );
        assert_eq!(
            job(at("2026-12-03T09:00:00+08:00")).payload["channel"],
            "wechat"
        );
    }
}
