//! The order's jobs: their kinds, and one constructor per job (checkout, cancel, late
//! payments, granted refunds and the sweep all build their jobs here), with what the jobs
//! read. The handlers that run them live in the `handlers` module.

use chrono::{DateTime, Utc};
use luffy_scheduler::{Job, JobError, NewJob};
use rust_decimal::Decimal;
use serde_json::json;

use crate::channel::Channel;

/// `order_timeout`: at `expires_at`, time an unpaid order out (or fulfil it if it was paid).
pub const ORDER_TIMEOUT: &str = "order_timeout";
/// `trade_close`: after a buyer's cancel, refuse further payment at the order's channel.
pub const TRADE_CLOSE: &str = "trade_close";
/// `trade_refund`: pay back a late payment (`payment_id`) or a granted refund (`refund_id`)
/// through the channel that took the money.
pub const TRADE_REFUND: &str = "trade_refund";
/// The close job's kind before channels were generic (always Alipay); still handled, so a
/// job written by an older instance finishes.
pub const LEGACY_ALIPAY_CLOSE: &str = "alipay_close";
/// The refund job's kind before channels were generic; still handled.
pub const LEGACY_ALIPAY_REFUND: &str = "alipay_refund";

/// The timeout job of an order, inserted in the order's creation transaction.
pub fn order_timeout_job(order_id: i64, expires_at: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: ORDER_TIMEOUT.into(),
        payload: json!({"order_id": order_id}),
        run_at: expires_at,
        max_attempts: 20,
        order_id: Some(order_id),
    }
}

/// The close job of a cancelled order, inserted in the cancel transaction.
pub fn trade_close_job(
    channel: Channel,
    order_id: i64,
    order_number: &str,
    now: DateTime<Utc>,
) -> NewJob {
    NewJob {
        kind: TRADE_CLOSE.into(),
        payload: json!({
            "channel": channel.as_str(),
            "order_id": order_id,
            "order_number": order_number,
        }),
        run_at: now,
        max_attempts: 10,
        order_id: Some(order_id),
    }
}

/// The refund job of a late payment, inserted in the transaction that recorded it.
pub fn payment_refund_job(
    channel: Channel,
    order_id: i64,
    payment_id: i64,
    now: DateTime<Utc>,
) -> NewJob {
    NewJob {
        kind: TRADE_REFUND.into(),
        payload: json!({"channel": channel.as_str(), "payment_id": payment_id}),
        run_at: now,
        max_attempts: 30,
        order_id: Some(order_id),
    }
}

/// The gateway job of a granted refund, inserted in the granting transaction.
pub fn refund_job(channel: Channel, order_id: i64, refund_id: i64, now: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: TRADE_REFUND.into(),
        payload: json!({"channel": channel.as_str(), "refund_id": refund_id}),
        run_at: now,
        max_attempts: 30,
        order_id: Some(order_id),
    }
}

/// Whether a job kind closes a trade (the generic kind or the legacy one).
pub fn is_trade_close(kind: &str) -> bool {
    kind == TRADE_CLOSE || kind == LEGACY_ALIPAY_CLOSE
}

/// `reconcile`: each morning (10:05 Beijing, once the channels have published the previous
/// day's bills) reconcile one channel's previous Beijing day; each run schedules the next.
pub const RECONCILE: &str = "reconcile";

/// The next daily reconciliation of a channel: the first 10:05 Beijing time after `now`.
pub fn reconcile_job(channel: Channel, now: DateTime<Utc>) -> NewJob {
    let beijing_now = now + chrono::Duration::hours(8);
    let today_at = beijing_now
        .date_naive()
        .and_hms_opt(10, 5, 0)
        .unwrap_or_default();
    let mut run_at_local = today_at;
    if beijing_now.naive_utc() >= today_at {
        run_at_local += chrono::Duration::days(1);
    }
    NewJob {
        kind: RECONCILE.into(),
        payload: json!({"channel": channel.as_str()}),
        run_at: chrono::TimeZone::from_utc_datetime(
            &Utc,
            &(run_at_local - chrono::Duration::hours(8)),
        ),
        max_attempts: 5,
        order_id: None,
    }
}

/// The channel a job names; legacy `alipay_*` jobs carry none and are Alipay's.
pub fn job_channel(job: &Job) -> Result<Channel, JobError> {
    match job.payload.get("channel").and_then(|v| v.as_str()) {
        Some(name) => {
            Channel::parse(name).ok_or_else(|| JobError::Fatal(format!("unknown channel {name:?}")))
        }
        None if job.kind.starts_with("alipay_") => Ok(Channel::Alipay),
        None => Err(JobError::Fatal("payload has no channel".into())),
    }
}

/// An order still unpaid, as the timeout job reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct UnpaidOrder {
    /// Id.
    pub id: i64,
    /// Number (out_trade_no).
    pub order_number: String,
    /// Whether a payment was ever started at its channel; without one no remote trade exists.
    pub pay_link_issued: bool,
    /// The buyer's pay type code (its channel, for metrics and logs).
    pub pay_type: i16,
    /// What the order costs.
    pub real_price: Decimal,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A payment waiting for its refund.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRefund {
    /// The channel that took the money (and gives it back).
    pub channel: Channel,
    /// The order's number.
    pub order_number: String,
    /// Amount to refund: the whole payment.
    pub amount: Decimal,
    /// Idempotency key for the gateway.
    pub out_request_no: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(kind: &str, payload: serde_json::Value) -> Job {
        Job {
            id: 1,
            kind: kind.into(),
            payload,
            run_at: Utc::now(),
            attempts: 1,
            max_attempts: 5,
        }
    }

    #[test]
    fn jobs_name_their_channel_and_legacy_jobs_are_alipays() {
        let now = Utc::now();
        let close = trade_close_job(Channel::Wechat, 1, "N1", now);
        assert_eq!(
            job_channel(&job(&close.kind, close.payload)).unwrap(),
            Channel::Wechat
        );
        let legacy = job(LEGACY_ALIPAY_REFUND, json!({"payment_id": 3}));
        assert_eq!(job_channel(&legacy).unwrap(), Channel::Alipay);
        assert!(job_channel(&job(TRADE_REFUND, json!({"payment_id": 3}))).is_err());
        assert!(job_channel(&job(TRADE_CLOSE, json!({"channel": "paypal"}))).is_err());
        assert!(is_trade_close(LEGACY_ALIPAY_CLOSE) && is_trade_close(TRADE_CLOSE));
    }
}
