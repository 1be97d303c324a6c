//! The sandbox's trades, in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use luffy_payment_alipay::TradeStatus;
use rust_decimal::Decimal;
use serde::Serialize;

/// One trade as the gateway knows it.
#[derive(Debug, Clone, Serialize)]
pub struct Trade {
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Our trade number.
    pub trade_no: String,
    /// The merchant app.
    pub app_id: String,
    /// Subject.
    pub subject: String,
    /// Amount.
    pub total_amount: Decimal,
    /// Where notifies go.
    pub notify_url: String,
    /// Where the buyer returns.
    pub return_url: String,
    /// No payment after this.
    pub time_expire: DateTime<Utc>,
    /// State.
    #[serde(serialize_with = "status_text")]
    pub status: TradeStatus,
    /// When paid.
    pub gmt_payment: Option<DateTime<Utc>>,
    /// Refunded so far.
    pub refunded: Decimal,
    /// Refunds made, by out_request_no.
    pub refund_requests: HashMap<String, RefundMade>,
    /// Notify attempts made.
    pub notify_attempts: u32,
    /// Whether a notify got `success`.
    pub notify_acknowledged: bool,
}

/// A refund the gateway made.
#[derive(Debug, Clone, Serialize)]
pub struct RefundMade {
    /// Its amount.
    pub amount: Decimal,
    /// When the money went back (the bill's completion time).
    pub at: DateTime<Utc>,
}

fn status_text<S: serde::Serializer>(
    status: &TradeStatus,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(status.as_str())
}

impl Trade {
    /// An unpaid trade past its expiry is closed, as Alipay does.
    pub fn refresh(&mut self, now: DateTime<Utc>) {
        if self.status == TradeStatus::WaitBuyerPay && now > self.time_expire {
            self.status = TradeStatus::TradeClosed;
        }
    }
}

/// Trades by out_trade_no.
#[derive(Debug, Clone, Default)]
pub struct Trades(Arc<Mutex<HashMap<String, Trade>>>);

impl Trades {
    /// Runs `f` on the trade (refreshed at `now`), if it exists.
    pub fn with<R>(
        &self,
        out_trade_no: &str,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Trade) -> R,
    ) -> Option<R> {
        let mut map = self.0.lock().ok()?;
        let trade = map.get_mut(out_trade_no)?;
        trade.refresh(now);
        Some(f(trade))
    }

    /// Inserts a trade unless one exists; returns the stored trade.
    pub fn insert_or_get(&self, trade: Trade) -> Option<Trade> {
        let mut map = self.0.lock().ok()?;
        Some(
            map.entry(trade.out_trade_no.clone())
                .or_insert(trade)
                .clone(),
        )
    }

    /// Every trade, as it is now (for bills).
    pub fn all(&self) -> Vec<Trade> {
        self.0
            .lock()
            .map(|map| map.values().cloned().collect())
            .unwrap_or_default()
    }
}
