//! A coupon granted to a user (the tutorial's "coupon log").

use chrono::{DateTime, Utc};
use luffy_common::UserId;

use crate::coupon::Coupon;

/// 0 未使用, 1 已使用, 2 已过期.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseStatus {
    /// 0 未使用: may be reserved by an order.
    Unused,
    /// 1 已使用: its order was paid.
    Used,
    /// 2 已过期.
    Expired,
}

impl UseStatus {
    /// Stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Unused => 0,
            Self::Used => 1,
            Self::Expired => 2,
        }
    }

    /// Maps a stored code.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Unused),
            1 => Some(Self::Used),
            2 => Some(Self::Expired),
            _ => None,
        }
    }
}

/// One grant of a coupon to a user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserCoupon {
    /// The grant's id (`user_coupon_id` on the wire).
    pub id: i64,
    /// Owner.
    pub user: UserId,
    /// The coupon definition.
    pub coupon: Coupon,
    /// The order that reserved it, if any.
    pub order_id: Option<i64>,
    /// Usage status.
    pub use_status: UseStatus,
    /// When its order was paid.
    pub use_time: Option<DateTime<Utc>>,
}

impl UserCoupon {
    /// Available to a new order: unused, held by no order, the coupon on and inside its window.
    pub fn is_available(&self, now: DateTime<Utc>) -> bool {
        self.use_status == UseStatus::Unused
            && self.order_id.is_none()
            && self.coupon.is_valid_at(now)
    }
}
