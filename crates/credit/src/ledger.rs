//! Ledger rows: why a balance changed and by how much.

use luffy_common::UserId;

/// Why points changed (the tutorial's `operation` choices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerOperation {
    /// 0 业务增值: earned through the business (e.g. a purchase reward).
    Earned,
    /// 1 购物消费: spent on an order (a negative number).
    Spent,
    /// 2 系统赠送: granted or adjusted by an operator or the demo seed.
    Granted,
    /// 3 订单退还: given back by a cancelled or timed-out order.
    Refunded,
}

impl LedgerOperation {
    /// The stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Earned => 0,
            Self::Spent => 1,
            Self::Granted => 2,
            Self::Refunded => 3,
        }
    }

    /// Maps a stored code; unknown codes are refused.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Earned),
            1 => Some(Self::Spent),
            2 => Some(Self::Granted),
            3 => Some(Self::Refunded),
            _ => None,
        }
    }

    /// The display name shown to the buyer.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Earned => "业务增值",
            Self::Spent => "购物消费",
            Self::Granted => "系统赠送",
            Self::Refunded => "订单退还",
        }
    }
}

/// One balance change to record in the same transaction as the balance update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Whose balance.
    pub user: UserId,
    /// Why.
    pub operation: LedgerOperation,
    /// Signed change: spending is negative.
    pub number: i32,
    /// The order involved, if any.
    pub order_id: Option<i64>,
    /// Free text for the buyer and operators.
    pub remark: String,
}
