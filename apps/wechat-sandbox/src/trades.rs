//! Trades and their refunds, in memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A refund of a trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WxRefund {
    /// WeChat's refund number.
    pub refund_id: String,
    /// Fen back.
    pub refund: i64,
    /// `SUCCESS` or `PROCESSING`.
    pub status: String,
    /// When it succeeds (a processing refund), or succeeded.
    pub done_at: DateTime<Utc>,
}

/// A Native trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WxTrade {
    /// The app.
    pub appid: String,
    /// The merchant.
    pub mchid: String,
    /// Our order number.
    pub out_trade_no: String,
    /// What the buyer sees.
    pub description: String,
    /// Fen.
    pub total: i64,
    /// The deadline.
    pub time_expire: DateTime<Utc>,
    /// Where notifies go.
    pub notify_url: String,
    /// `NOTPAY`, `SUCCESS`, `CLOSED`, `REFUND`.
    pub trade_state: String,
    /// WeChat's trade number, once paid.
    pub transaction_id: Option<String>,
    /// When it was paid.
    pub success_time: Option<DateTime<Utc>>,
    /// Refunds by out_refund_no.
    pub refunds: BTreeMap<String, WxRefund>,
    /// Notify attempts so far.
    pub notify_attempts: u32,
    /// Whether the merchant acknowledged a payment notify.
    pub notify_acknowledged: bool,
}

impl WxTrade {
    /// Fen refunded so far.
    pub fn refunded(&self) -> i64 {
        self.refunds.values().map(|r| r.refund).sum()
    }
}

/// Every trade by out_trade_no.
#[derive(Clone, Default)]
pub struct WxTrades {
    inner: Arc<Mutex<HashMap<String, WxTrade>>>,
}

impl WxTrades {
    /// Runs `f` on a trade, if it exists.
    pub fn with<T>(&self, no: &str, f: impl FnOnce(&mut WxTrade) -> T) -> Option<T> {
        let mut trades = self.inner.lock().ok()?;
        trades.get_mut(no).map(f)
    }

    /// Runs `f` on the whole map.
    pub fn all<T>(&self, f: impl FnOnce(&mut HashMap<String, WxTrade>) -> T) -> Option<T> {
        let mut trades = self.inner.lock().ok()?;
        Some(f(&mut trades))
    }
}
