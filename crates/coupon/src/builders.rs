//! Coupons and grants for tests: a valid coupon around an instant, to change with struct
//! update syntax (`Coupon { per_limit: 2, ..coupon_at(now) }`), and a buyer's unused grant of it.

use chrono::{DateTime, Duration, Utc};
use luffy_catalog::SaleFormula;
use rust_decimal::Decimal;

use luffy_common::UserId;

use crate::coupon::{Coupon, CouponKind, CouponScope, GetType};
use crate::grant::{UseStatus, UserCoupon};

/// An operator-granted `-10` coupon for every course, switched on, valid from a day before
/// `now` to a day after, 10 issued and all left, one per user.
pub fn coupon_at(now: DateTime<Utc>) -> Coupon {
    Coupon {
        id: 1,
        name: "十元券".into(),
        kind: CouponKind::Reduction,
        scope: CouponScope::All,
        total: 10,
        has_total: 10,
        starts_at: now - Duration::days(1),
        ends_at: now + Duration::days(1),
        get_type: GetType::Granted,
        condition: 0,
        per_limit: 1,
        sale: SaleFormula::Reduce(Decimal::TEN),
        enabled: true,
    }
}

/// Grant `id` of `coupon` to `user`: unused and held by no order, so usable while the coupon
/// is on and in its window.
pub fn grant_of(id: i64, user: UserId, coupon: Coupon) -> UserCoupon {
    UserCoupon {
        id,
        user,
        coupon,
        order_id: None,
        use_status: UseStatus::Unused,
        use_time: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_built_grant_is_available_inside_its_coupons_window() {
        let now = Utc::now();
        let grant = grant_of(5, UserId(3), coupon_at(now));
        assert!(grant.is_available(now));
        assert!(!grant.is_available(now + Duration::days(2)));
    }
}
