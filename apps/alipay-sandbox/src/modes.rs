//! Test modes that make the sandbox misbehave on purpose.

use serde::{Deserialize, Serialize};

/// What happens to notifies after a payment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyMode {
    /// Send, retrying until `success`.
    #[default]
    Normal,
    /// Never send (tests then rely on return or query).
    Drop,
}

/// The sandbox's behaviour switches, set with `PUT control/mode`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Modes {
    /// query/close/refund answer code 20000 (service unavailable).
    pub answer_20000: bool,
    /// query/close/refund wait this long before answering (client timeouts).
    pub response_delay_ms: u64,
    /// Notify behaviour.
    pub notify: NotifyMode,
    /// Wait this long before the first notify.
    pub notify_delay_ms: u64,
    /// Send each notify this many times (duplicates), at least 1.
    pub notify_copies: u32,
    /// refund answers a business failure (ACQ.SYSTEM_ERROR) and moves no money.
    pub refund_fails: bool,
    /// refund moves the money, then answers 20000 as if the answer was lost (the merchant
    /// must find out with the refund query, and a retry must not refund twice).
    pub refund_answer_lost: bool,
    /// Bills are served cut before their summary lines (a truncated download).
    pub bill_truncated: bool,
}
