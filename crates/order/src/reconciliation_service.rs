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
