//! The payment channel port: everything a remote channel (Alipay, WeChat Pay) does for us,
//! behind one object-safe trait, [`PaymentGateway`], with one adapter per channel, and the
//! [`Gateways`] registry keyed by [`Channel`]. The services and the job handlers only ever
//! talk to this port, so adding a channel adds an adapter and touches no rule.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::channel::Channel;

/// What a gateway call returns: a boxed future, so that adapters can sit behind `dyn`.
pub type GatewayFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a channel needs to start the payment of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Our order number (the channel's out_trade_no).
    pub order_number: String,
    /// What the buyer pays (the order's real_price, in yuan).
    pub amount: Decimal,
    /// What the buyer sees they pay for (the order's name).
    pub subject: String,
    /// When the order expires; the channel refuses payment after it.
    pub expires_at: DateTime<Utc>,
}

/// How the buyer goes on paying a started payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStart {
    /// A page to open (Alipay's signed page-pay link).
    Link(String),
    /// A code to scan with the channel's app (WeChat Pay Native's `code_url`).
    Code(String),
}

/// A request a channel sent us (a notify or a return), as received: the adapter verifies
/// it, so the route passes it on untouched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelRequest {
    /// The HTTP headers, names as received.
    pub headers: Vec<(String, String)>,
    /// The query string (without `?`).
    pub query: String,
    /// The raw body.
    pub body: Vec<u8>,
}

impl ChannelRequest {
    /// A header's value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What a verified notify says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeKind {
    /// The buyer paid, at the channel's time if it gave one.
    Paid {
        /// When the buyer paid, per the channel.
        paid_at: Option<DateTime<Utc>>,
    },
    /// Nothing was paid (waiting, or closed).
    NotPaid,
    /// Money went back to the buyer: a confirmation, never a payment.
    Refund {
        /// The refund's request number (our out_request_no), when the channel sent it.
        out_request_no: Option<String>,
    },
    /// A refund could not be completed (WeChat's REFUND.ABNORMAL / REFUND.CLOSED): nothing
    /// changes; the refund job's query finds it and, in the end, hands it to an operator.
    RefundNotDone {
        /// The refund's request number.
        out_request_no: Option<String>,
        /// The channel's status, for the log.
        status: String,
    },
}

/// A notify whose signature the channel adapter verified, in channel-independent terms.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentNotice {
    /// The channel that sent it.
    pub channel: Channel,
    /// The app it was sent for, when the message names one (WeChat refund notifies do not).
    pub app_id: Option<String>,
    /// The seller (Alipay seller_id) or merchant (WeChat mchid) it was sent for.
    pub seller_id: Option<String>,
    /// Our order number (out_trade_no).
    pub order_number: String,
    /// The channel's trade number.
    pub trade_no: String,
    /// The trade's total amount, in yuan.
    pub amount: Decimal,
    /// What happened.
    pub kind: NoticeKind,
    /// The verified message (decrypted, where the channel encrypts), kept as evidence.
    pub payload: String,
}

/// A verified synchronous return (the buyer's browser coming back from the channel's page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedTrade {
    /// The app it names.
    pub app_id: String,
    /// Our order number.
    pub order_number: String,
}

/// How handling a notify ended, for the channel's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyVerdict {
    /// Recorded (or nothing to record): the channel must stop sending it.
    Accepted,
    /// Forged, foreign, unknown or wrong: refused, nothing written.
    Refused,
    /// Ours but not recorded (storage failed): the channel should send it again.
    Failed,
}

/// A channel's answer to a notify, in the channel's own protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelReply {
    /// HTTP status.
    pub status: u16,
    /// Content type; `None` with an empty body.
    pub content_type: Option<&'static str>,
    /// Body.
    pub body: String,
}

/// What a gateway says about a trade.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteTrade {
    /// Paid: fulfil with these facts.
    Paid {
        /// The channel's trade number.
        trade_no: String,
        /// Amount paid, in yuan.
        amount: Decimal,
        /// The verified response, kept as evidence.
        raw: String,
    },
    /// Not paid (unknown to the gateway, waiting, or closed).
    NotPaid,
    /// The gateway could not tell (a system error, a timeout, unreachable).
    Unknown(String),
}

/// What a gateway says about a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteRefund {
    /// The money moved (or the refund query says it did).
    Done,
    /// Not known to be done: refused, a system error, a timeout, still processing. Ask the
    /// refund query, then retry with the same request number.
    NotConfirmed(String),
}

/// One refund at a gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// The order's number (out_trade_no).
    pub order_number: String,
    /// The refund's idempotency key: the same number never refunds twice.
    pub out_request_no: String,
    /// Money back, in yuan.
    pub amount: Decimal,
    /// What the buyer paid for the order (WeChat wants it with every refund).
    pub order_total: Decimal,
}

/// What a row of a channel's daily bill records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BillEntryKind {
    /// Money in: a payment of one of our orders.
    Payment,
    /// Money out: a refund of a payment.
    Refund,
}

/// One row of a channel's bill, in the channel-neutral shape reconciliation reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillEntry {
    /// Payment or refund.
    pub kind: BillEntryKind,
    /// Our order number (out_trade_no).
    pub order_number: String,
    /// The channel's trade number.
    pub trade_no: String,
    /// For a refund, our refund request number (Alipay's out_request_no, WeChat's
    /// out_refund_no).
    pub refund_no: Option<String>,
    /// The amount in fen, positive for both kinds: bills are compared in integers.
    pub amount_fen: i64,
    /// When the channel completed it.
    pub at: DateTime<Utc>,
}

/// A channel's bill of one Beijing day, already checked against its own totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelBill {
    /// The day (Beijing) it covers.
    pub day: chrono::NaiveDate,
    /// Its rows.
    pub entries: Vec<BillEntry>,
}

/// Why a channel's bill could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillError {
    /// The channel has no bill for that day yet (it publishes the previous day's in the
    /// morning): try later.
    NotReady,
    /// The bill is malformed or truncated (bad hash, rows not adding up to its summary):
    /// nothing of it may be used.
    Refused(String),
    /// The channel could not be reached or answered an error.
    Unavailable(String),
}

impl std::fmt::Display for BillError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotReady => f.write_str("the channel has no bill for that day yet"),
            Self::Refused(why) => write!(f, "the bill was refused: {why}"),
            Self::Unavailable(why) => write!(f, "the channel is unavailable: {why}"),
        }
    }
}

/// One payment channel: start a payment, verify its messages, and the calls the jobs need.
/// Object-safe, so the app keeps one registry of `dyn` adapters ([`Gateways`]).
pub trait PaymentGateway: Send + Sync + 'static {
    /// Which channel this adapter speaks for.
    fn channel(&self) -> Channel;

    /// Starts the payment of an order: a link to open or a code to scan. `Err` = the
    /// channel could not start it (the buyer may try again).
    fn start<'a>(
        &'a self,
        payment: &'a PaymentRequest,
        now: DateTime<Utc>,
    ) -> GatewayFuture<'a, Result<PaymentStart, String>>;

    /// Verifies a notify (signature, and decryption where the channel encrypts) and reads it
    /// into a [`PaymentNotice`]. `Err` = forged or unreadable: refuse it, write nothing.
    fn verify_notify(&self, request: &ChannelRequest) -> Result<PaymentNotice, String>;

    /// The channel's answer to a notify, in its protocol.
    fn notify_reply(&self, verdict: NotifyVerdict) -> ChannelReply;

    /// Verifies a synchronous return; channels without one refuse every request.
    fn verify_return(&self, _request: &ChannelRequest) -> Result<ReturnedTrade, String> {
        Err(format!("{} has no return page", self.channel()))
    }

    /// Queries a trade by our order number.
    fn query<'a>(&'a self, order_number: &'a str) -> GatewayFuture<'a, RemoteTrade>;

    /// Closes an unpaid trade; a trade the gateway never saw (or that was paid, which the
    /// notify path records and refunds) is fine. `Err` = try later.
    fn close<'a>(&'a self, order_number: &'a str) -> GatewayFuture<'a, Result<(), String>>;

    /// Sends a refund; the same `out_request_no` never refunds twice.
    fn refund<'a>(&'a self, refund: &'a RefundRequest) -> GatewayFuture<'a, RemoteRefund>;

    /// Whether the refund with this request number is done.
    fn refund_query<'a>(&'a self, refund: &'a RefundRequest) -> GatewayFuture<'a, RemoteRefund>;

    /// The channel's bill of a Beijing day, downloaded and checked; channels without bills
    /// (the balance) have none.
    fn bill(&self, day: chrono::NaiveDate) -> GatewayFuture<'_, Result<ChannelBill, BillError>> {
        let channel = self.channel();
        Box::pin(async move {
            let _ = day;
            Err(BillError::Unavailable(format!(
                "{channel} publishes no bills"
            )))
        })
    }
}

/// Pays money back at a gateway exactly once: the refund call with the refund's one request
/// number; unless that answer shows money moved, the refund query decides. `Err` means not
/// confirmed: retry later with the same number (never a new one).
pub async fn refund_at_gateway(
    gateway: &dyn PaymentGateway,
    refund: &RefundRequest,
) -> Result<(), String> {
    let refused = match gateway.refund(refund).await {
        RemoteRefund::Done => return Ok(()),
        RemoteRefund::NotConfirmed(why) => why,
    };
    match gateway.refund_query(refund).await {
        RemoteRefund::Done => Ok(()),
        RemoteRefund::NotConfirmed(why) => Err(format!("refund: {refused}; query: {why}")),
    }
}

/// The configured channels' adapters, keyed by [`Channel`]: cheap to clone, shared by the
/// routes and the job handlers.
#[derive(Clone, Default)]
pub struct Gateways {
    by_channel: BTreeMap<Channel, Arc<dyn PaymentGateway>>,
}

impl Gateways {
    /// No channel yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the adapter of its channel.
    pub fn with(mut self, gateway: Arc<dyn PaymentGateway>) -> Self {
        self.by_channel.insert(gateway.channel(), gateway);
        self
    }

    /// The adapter of a channel, if it is configured.
    pub fn get(&self, channel: Channel) -> Option<&dyn PaymentGateway> {
        self.by_channel.get(&channel).map(|g| g.as_ref())
    }

    /// The configured channels.
    pub fn channels(&self) -> impl Iterator<Item = Channel> + '_ {
        self.by_channel.keys().copied()
    }
}

impl fmt::Debug for Gateways {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.by_channel.keys()).finish()
    }
}
