//! How money moves: the payment [`Channel`]s and the [`PaymentStatus`] of a recorded payment.
//! A leaf module: the gateway port, the jobs and the services all name channels through it.

use std::fmt;

use crate::status::PayType;

/// How the money came, and how it goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// Alipay page payment.
    Alipay,
    /// WeChat Pay (Native: the buyer scans a code).
    Wechat,
    /// The user's balance (`users.money`): no remote trade, paid and refunded in our own
    /// transaction.
    Balance,
}

impl Channel {
    /// Every channel, in stored-name order of introduction.
    pub const ALL: [Channel; 3] = [Channel::Alipay, Channel::Wechat, Channel::Balance];

    /// Stored name (payments, refunds, job payloads, metrics labels).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alipay => "alipay",
            Self::Wechat => "wechat",
            Self::Balance => "balance",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The channel an order of this pay type is paid (and refunded) through: the buyer chose
    /// it at checkout, and only that channel may start a payment of the order.
    pub fn of(pay_type: PayType) -> Self {
        match pay_type {
            PayType::Alipay => Self::Alipay,
            PayType::Wechat => Self::Wechat,
            PayType::Balance => Self::Balance,
        }
    }

    /// Whether money moves at a remote gateway (a trade to close, a refund to send).
    pub fn is_remote(self) -> bool {
        self != Self::Balance
    }

    /// The name buyers see (支付宝, 微信, 余额).
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Alipay => PayType::Alipay.display_name(),
            Self::Wechat => PayType::Wechat.display_name(),
            Self::Balance => PayType::Balance.display_name(),
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a recorded payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// It paid its order.
    Paid,
    /// It arrived when the order could no longer be paid (cancelled, timed out, paid by
    /// another trade): its refund job sends it back.
    RefundPending,
    /// Sent back.
    Refunded,
}

impl PaymentStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::RefundPending => "refund_pending",
            Self::Refunded => "refunded",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Paid, Self::RefundPending, Self::Refunded]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
        for status in [
            PaymentStatus::Paid,
            PaymentStatus::RefundPending,
            PaymentStatus::Refunded,
        ] {
            assert_eq!(PaymentStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(Channel::parse("paypal"), None);
        assert!(!Channel::of(PayType::Balance).is_remote());
        assert_eq!(Channel::of(PayType::Wechat), Channel::Wechat);
    }
}
