//! Coupons for tests: a valid coupon around an instant, to change with struct update syntax
//! (`Coupon { per_limit: 2, ..coupon_at(now) }`).

use chrono::{DateTime, Duration, Utc};
use luffy_catalog::SaleFormula;
use rust_decimal::Decimal;

use crate::coupon::{Coupon, CouponKind, CouponScope, GetType};

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
