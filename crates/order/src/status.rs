//! Order statuses and pay types, and which status changes are allowed.

/// 0 未支付, 1 已支付, 2 已取消, 3 超时取消.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// 0 未支付: the only status that can change.
    Unpaid,
    /// 1 已支付.
    Paid,
    /// 2 已取消 by the owner.
    Cancelled,
    /// 3 超时取消 by the timeout job.
    TimedOut,
}

impl OrderStatus {
    /// Every status in code order, for `GET /orders/pay/choices/`.
    pub const ALL: [OrderStatus; 4] = [Self::Unpaid, Self::Paid, Self::Cancelled, Self::TimedOut];

    /// Stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Unpaid => 0,
            Self::Paid => 1,
            Self::Cancelled => 2,
            Self::TimedOut => 3,
        }
    }

    /// Maps a stored code.
    pub fn from_code(code: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The display name.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Unpaid => "未支付",
            Self::Paid => "已支付",
            Self::Cancelled => "已取消",
            Self::TimedOut => "超时取消",
        }
    }

    /// SPEC 2.6: only an unpaid order moves, to paid, cancelled or timed out; nothing leaves a
    /// final status. Adapters enforce this with `... WHERE order_status = 0`.
    pub fn can_become(self, next: OrderStatus) -> bool {
        self == Self::Unpaid && next != Self::Unpaid
    }
}

/// 0 支付宝, 1 微信, 2 余额.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayType {
    /// 0 支付宝.
    Alipay,
    /// 1 微信: no channel yet, refused at checkout.
    Wechat,
    /// 2 余额: pay from `users.money`.
    Balance,
}

impl PayType {
    /// Stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Alipay => 0,
            Self::Wechat => 1,
            Self::Balance => 2,
        }
    }

    /// Maps a stored or submitted code.
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(Self::Alipay),
            1 => Some(Self::Wechat),
            2 => Some(Self::Balance),
            _ => None,
        }
    }

    /// The display name.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Alipay => "支付宝",
            Self::Wechat => "微信",
            Self::Balance => "余额",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unpaid_orders_move() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let allowed = from == OrderStatus::Unpaid && to != OrderStatus::Unpaid;
                assert_eq!(from.can_become(to), allowed, "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn codes_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(OrderStatus::from_code(4), None);
        assert_eq!(PayType::from_code(3), None);
        assert_eq!(PayType::from_code(-1), None);
    }
}
