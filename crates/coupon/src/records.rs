//! What operators read about coupons: stock counts and the grants of one coupon.

use chrono::{DateTime, Utc};
use luffy_common::UserId;

use crate::coupon::Coupon;
use crate::grant::UseStatus;

/// A coupon with how its stock is spent, as operators list it.
#[derive(Debug, Clone, PartialEq)]
pub struct CouponStats {
    /// The coupon (its `has_total` is what is left).
    pub coupon: Coupon,
    /// Grants made and not revoked.
    pub granted: i64,
    /// Grants used by a paid order.
    pub used: i64,
    /// Grants held by an unpaid order.
    pub reserved: i64,
}

/// One grant, as operators list a coupon's grants.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantRecord {
    /// The grant id.
    pub id: i64,
    /// Who holds it.
    pub user: UserId,
    /// Their username.
    pub username: String,
    /// The order holding or having used it.
    pub order_id: Option<i64>,
    /// Unused, used or expired.
    pub use_status: UseStatus,
    /// When its order was paid.
    pub use_time: Option<DateTime<Utc>>,
    /// When it was granted.
    pub granted_at: DateTime<Utc>,
}
