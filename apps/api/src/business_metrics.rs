//! What `/metrics` tells about the business, not only the HTTP layer: orders created, paid,
//! cancelled and timed out by pay type, the amount paid, Alipay notify outcomes, and how long
//! buyers take from order to payment. `docs/grafana-dashboard.json` draws them.

use anyhow::Context;
use luffy_order::handlers::TimeoutEvents;
use luffy_order::jobs::UnpaidOrder;
use luffy_order::{Finding, PaidOrder, PayType, Reconciliation, Refund, RefundEvents};
use prometheus::{CounterVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// The outcomes an Alipay notify can have, as the `outcome` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyOutcome {
    /// It paid the order.
    Fulfilled,
    /// The trade was recorded before (a retry or replay).
    Duplicate,
    /// The order was no longer payable: the payment is recorded and its refund job enqueued.
    LateRefund,
    /// Undecodable or the signature does not verify.
    Forged,
    /// Verified, but for another app or seller.
    Foreign,
    /// The amount differs from the order's.
    AmountMismatch,
    /// No order has this number.
    UnknownOrder,
    /// A status that is not a payment (`WAIT_BUYER_PAY`, `TRADE_CLOSED`).
    NotPaid,
    /// A refund notify, confirmed and never recorded as a payment.
    Refund,
}

impl NotifyOutcome {
    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            Self::Fulfilled => "fulfilled",
            Self::Refund => "refund",
            Self::Duplicate => "duplicate",
            Self::LateRefund => "late_refund",
            Self::Forged => "forged",
            Self::Foreign => "foreign",
            Self::AmountMismatch => "amount_mismatch",
            Self::UnknownOrder => "unknown_order",
            Self::NotPaid => "not_paid",
        }
    }
}

/// The `pay_type` label of a pay type.
pub fn pay_type_label(pay_type: PayType) -> &'static str {
    match pay_type {
        PayType::Alipay => "alipay",
        PayType::Wechat => "wechat",
        PayType::Balance => "balance",
    }
}

fn code_label(code: i16) -> &'static str {
    PayType::from_code(i64::from(code)).map_or("unknown", pay_type_label)
}

/// The business counters and histogram, registered in the server's registry.
#[derive(Clone)]
pub struct BusinessMetrics {
    created: IntCounterVec,
    paid: IntCounterVec,
    cancelled: IntCounterVec,
    timed_out: IntCounterVec,
    amount: CounterVec,
    notifies: IntCounterVec,
    time_to_pay: HistogramVec,
    refunds: IntCounterVec,
    reconciliation_findings: IntCounterVec,
    reconciliation_open: prometheus::IntGaugeVec,
    refunded_amount: CounterVec,
}

impl BusinessMetrics {
    /// Creates and registers every metric.
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let by_pay_type = |name: &str, help: &str| {
            IntCounterVec::new(Opts::new(name, help), &["pay_type"])
                .with_context(|| format!("creating {name}"))
        };
        let metrics = Self {
            created: by_pay_type("luffy_orders_created_total", "Orders created")?,
            paid: by_pay_type("luffy_orders_paid_total", "Orders paid")?,
            cancelled: by_pay_type(
                "luffy_orders_cancelled_total",
                "Orders cancelled by the buyer",
            )?,
            timed_out: by_pay_type("luffy_orders_timed_out_total", "Unpaid orders timed out")?,
            amount: CounterVec::new(
                Opts::new("luffy_paid_amount_yuan_total", "Yuan paid for orders"),
                &["pay_type"],
            )
            .context("creating the amount counter")?,
            notifies: IntCounterVec::new(
                Opts::new(
                    "luffy_payment_notifies_total",
                    "Payment channels' notifies by channel and outcome",
                ),
                &["channel", "outcome"],
            )
            .context("creating the notify counter")?,
            time_to_pay: HistogramVec::new(
                HistogramOpts::new(
                    "luffy_order_time_to_pay_seconds",
                    "Time from order creation to payment",
                )
                .buckets(vec![
                    5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
                ]),
                &["pay_type"],
            )
            .context("creating the time-to-pay histogram")?,
            refunds: IntCounterVec::new(
                Opts::new(
                    "luffy_refunds_total",
                    "Refunds by event: requested, approved, refunded, failed",
                ),
                &["event", "channel"],
            )
            .context("creating the refund counter")?,
            refunded_amount: CounterVec::new(
                Opts::new(
                    "luffy_refunded_amount_yuan_total",
                    "Yuan paid back to buyers",
                ),
                &["channel"],
            )
            .context("creating the refunded amount counter")?,
            reconciliation_findings: IntCounterVec::new(
                Opts::new(
                    "luffy_reconciliation_findings_total",
                    "Differences between a channel's daily bill and our books, by kind, as found",
                ),
                &["channel", "kind"],
            )
            .context("creating the reconciliation counter")?,
            reconciliation_open: prometheus::IntGaugeVec::new(
                Opts::new(
                    "luffy_reconciliation_open_findings",
                    "Unresolved differences of the channel's last reconciled day",
                ),
                &["channel"],
            )
            .context("creating the reconciliation gauge")?,
        };
        for collector in [
            Box::new(metrics.created.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(metrics.paid.clone()),
            Box::new(metrics.cancelled.clone()),
            Box::new(metrics.timed_out.clone()),
            Box::new(metrics.amount.clone()),
            Box::new(metrics.notifies.clone()),
            Box::new(metrics.time_to_pay.clone()),
            Box::new(metrics.refunds.clone()),
            Box::new(metrics.refunded_amount.clone()),
            Box::new(metrics.reconciliation_findings.clone()),
            Box::new(metrics.reconciliation_open.clone()),
        ] {
            registry
                .register(collector)
                .context("registering a business metric")?;
        }
        Ok(metrics)
    }

    /// A channel's day was reconciled: its new findings counted, its open ones shown.
    pub fn reconciled(&self, day: &Reconciliation, new: &[Finding]) {
        let channel = day.channel.as_str();
        for finding in new {
            self.reconciliation_findings
                .with_label_values(&[channel, finding.kind.code()])
                .inc();
        }
        self.reconciliation_open
            .with_label_values(&[channel])
            .set(i64::try_from(day.open_findings()).unwrap_or(i64::MAX));
    }

    /// An order was created (a zero-price order is also counted paid by the caller).
    pub fn order_created(&self, pay_type: PayType) {
        self.created
            .with_label_values(&[pay_type_label(pay_type)])
            .inc();
    }

    /// A payment paid an order.
    pub fn order_paid(&self, paid: &PaidOrder) {
        let label = pay_type_label(paid.pay_type);
        self.record_paid(label, paid.amount, paid.paid_at - paid.ordered_at);
    }

    fn record_paid(&self, label: &str, amount: Decimal, waited: chrono::Duration) {
        self.paid.with_label_values(&[label]).inc();
        self.amount
            .with_label_values(&[label])
            .inc_by(amount.to_f64().unwrap_or_default());
        let seconds = waited.num_milliseconds().max(0) as f64 / 1000.0;
        self.time_to_pay
            .with_label_values(&[label])
            .observe(seconds);
    }

    /// A zero-price order was paid the moment it was created.
    pub fn free_order_paid(&self, pay_type: PayType) {
        self.record_paid(
            pay_type_label(pay_type),
            Decimal::ZERO,
            chrono::Duration::zero(),
        );
    }

    /// A buyer cancelled an order.
    pub fn order_cancelled(&self, pay_type: PayType) {
        self.cancelled
            .with_label_values(&[pay_type_label(pay_type)])
            .inc();
    }

    /// An Alipay notify was answered.
    pub fn notify(&self, channel: luffy_order::Channel, outcome: NotifyOutcome) {
        self.notifies
            .with_label_values(&[channel.as_str(), outcome.label()])
            .inc();
    }
}

impl BusinessMetrics {
    fn refund_event(&self, event: &str, refund: &Refund) {
        self.refunds
            .with_label_values(&[event, refund.channel.as_str()])
            .inc();
    }
}

impl RefundEvents for BusinessMetrics {
    fn requested(&self, refund: &Refund) {
        self.refund_event("requested", refund);
    }

    fn approved(&self, refund: &Refund) {
        self.refund_event("approved", refund);
    }

    fn refunded(&self, refund: &Refund) {
        self.refund_event("refunded", refund);
        self.refunded_amount
            .with_label_values(&[refund.channel.as_str()])
            .inc_by(refund.amount.to_f64().unwrap_or_default());
    }

    fn failed(&self, refund: &Refund) {
        self.refund_event("failed", refund);
    }
}

impl TimeoutEvents for BusinessMetrics {
    fn timed_out(&self, order: &UnpaidOrder) {
        self.timed_out
            .with_label_values(&[code_label(order.pay_type)])
            .inc();
    }

    fn paid_remotely(&self, order: &UnpaidOrder, at: chrono::DateTime<chrono::Utc>) {
        self.record_paid(
            code_label(order.pay_type),
            order.real_price,
            at - order.created_at,
        );
    }
}
