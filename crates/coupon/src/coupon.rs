//! A coupon definition and how it discounts a course.

use chrono::{DateTime, Utc};
use luffy_catalog::{Course, SaleFormula};
use luffy_common::money::round_cents;
use rust_decimal::Decimal;

/// 1 减免 (take N yuan off) or 2 折扣 (pay a fraction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponKind {
    /// 1 减免: the sale is `-N`.
    Reduction,
    /// 2 折扣: the sale is `*0.xx`.
    Percent,
}

impl CouponKind {
    /// Stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Reduction => 1,
            Self::Percent => 2,
        }
    }

    /// Maps a stored code.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            1 => Some(Self::Reduction),
            2 => Some(Self::Percent),
            _ => None,
        }
    }

    /// `get_discount_display`.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Reduction => "减免",
            Self::Percent => "折扣",
        }
    }
}

/// 0 系统赠送 (operators grant it) or 1 自行领取 (users claim it themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetType {
    /// 0 系统赠送.
    Granted,
    /// 1 自行领取.
    SelfClaim,
}

impl GetType {
    /// Stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Granted => 0,
            Self::SelfClaim => 1,
        }
    }

    /// Maps a stored code.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Granted),
            1 => Some(Self::SelfClaim),
            _ => None,
        }
    }

    /// `get_get_type_display`.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Granted => "系统赠送",
            Self::SelfClaim => "自行领取",
        }
    }
}

/// An id with its display name, for the scope lists the client shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeItem {
    /// Direction, category or course id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// The kind of a coupon's scope, as stored (`coupon_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// 0 通用类型.
    All,
    /// 1 指定方向.
    Directions,
    /// 2 指定分类.
    Categories,
    /// 3 指定课程.
    Courses,
}

impl ScopeKind {
    /// Every kind, in code order.
    pub const ALL: [Self; 4] = [Self::All, Self::Directions, Self::Categories, Self::Courses];

    /// Stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::All => 0,
            Self::Directions => 1,
            Self::Categories => 2,
            Self::Courses => 3,
        }
    }

    /// Maps a stored code.
    pub fn from_code(code: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// The scope of this kind over these items (ignored for [`ScopeKind::All`]).
    pub fn with_items(self, items: Vec<ScopeItem>) -> CouponScope {
        match self {
            Self::All => CouponScope::All,
            Self::Directions => CouponScope::Directions(items),
            Self::Categories => CouponScope::Categories(items),
            Self::Courses => CouponScope::Courses(items),
        }
    }
}

/// Which courses a coupon may discount (coupon_type 0..3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CouponScope {
    /// 0 通用类型: every course.
    All,
    /// 1 指定方向: courses in these directions.
    Directions(Vec<ScopeItem>),
    /// 2 指定分类: courses in these categories.
    Categories(Vec<ScopeItem>),
    /// 3 指定课程: these courses.
    Courses(Vec<ScopeItem>),
}

impl CouponScope {
    /// Its kind.
    pub fn kind(&self) -> ScopeKind {
        match self {
            Self::All => ScopeKind::All,
            Self::Directions(_) => ScopeKind::Directions,
            Self::Categories(_) => ScopeKind::Categories,
            Self::Courses(_) => ScopeKind::Courses,
        }
    }

    /// Stored coupon_type.
    pub fn code(&self) -> i16 {
        self.kind().code()
    }

    /// `get_coupon_type_display`.
    pub fn display_name(&self) -> &'static str {
        match self {
            Self::All => "通用类型",
            Self::Directions(_) => "指定方向",
            Self::Categories(_) => "指定分类",
            Self::Courses(_) => "指定课程",
        }
    }

    /// Whether the course falls in this scope.
    pub fn covers(&self, course: &Course) -> bool {
        match self {
            Self::All => true,
            Self::Directions(items) => items.iter().any(|i| i.id == course.direction.id),
            Self::Categories(items) => items.iter().any(|i| i.id == course.category.id),
            Self::Courses(items) => items.iter().any(|i| i.id == course.id.get()),
        }
    }
}

/// A coupon definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Coupon {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Reduction or percent; always consistent with `sale`.
    pub kind: CouponKind,
    /// Which courses it covers.
    pub scope: CouponScope,
    /// How many were issued in all.
    pub total: i32,
    /// How many are still available to grant or claim.
    pub has_total: i32,
    /// Valid from (inclusive).
    pub starts_at: DateTime<Utc>,
    /// Valid until (inclusive).
    pub ends_at: DateTime<Utc>,
    /// Granted by operators or self-claimed.
    pub get_type: GetType,
    /// Minimum line price in whole yuan; 0 = none.
    pub condition: i32,
    /// How many grants one user may hold.
    pub per_limit: i32,
    /// `-N` or `*0.xx`.
    pub sale: SaleFormula,
    /// Switched on; an operator may switch a coupon off (its grants stay, unusable).
    pub enabled: bool,
}

impl Coupon {
    /// Whether the coupon is on and `now` is inside its validity window (both ends inclusive).
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.enabled && self.starts_at <= now && now <= self.ends_at
    }

    /// Whether the coupon may discount this course line: in scope, no promotion on it (no
    /// discount on a discount), and the line price reaches the condition.
    pub fn can_discount(&self, course: &Course, now: DateTime<Utc>) -> bool {
        self.scope.covers(course)
            && !course.discount_at(now).has_promotion()
            && course.price >= Decimal::from(self.condition)
    }

    /// The discount this coupon gives on a line of `price` (never more than the price):
    /// `-30` takes min(30, price); `*0.88` takes price x 0.12 rounded half-up to cents.
    pub fn discount_on(&self, price: Decimal) -> Decimal {
        let discount = match self.sale {
            SaleFormula::Reduce(amount) => amount.min(price),
            SaleFormula::Multiply(factor) => price * (Decimal::ONE - factor),
            SaleFormula::Free => price,
        };
        round_cents(discount.min(price))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn coupon(sale: &str) -> Coupon {
        let now = Utc::now();
        Coupon {
            id: 1,
            name: "c".into(),
            kind: if sale.starts_with('-') {
                CouponKind::Reduction
            } else {
                CouponKind::Percent
            },
            scope: CouponScope::All,
            total: 1,
            has_total: 1,
            starts_at: now,
            ends_at: now,
            get_type: GetType::Granted,
            condition: 0,
            per_limit: 1,
            sale: sale.parse().unwrap(),
            enabled: true,
        }
    }

    #[test]
    fn reduction_and_percent_discounts() {
        assert_eq!(coupon("-30").discount_on(dec!(398.00)), dec!(30.00));
        assert_eq!(coupon("-30").discount_on(dec!(20.00)), dec!(20.00));
        assert_eq!(coupon("*0.88").discount_on(dec!(398.00)), dec!(47.76));
        assert_eq!(coupon("*0.85").discount_on(dec!(299.00)), dec!(44.85));
        assert_eq!(coupon("*0.88").discount_on(dec!(0.05)), dec!(0.01));
    }

    proptest! {
        #[test]
        fn discount_never_exceeds_the_line(cents in 0i64..100_000_000, amount in 1i64..10_000_000, factor in 1i64..10_000) {
            let price = Decimal::new(cents, 2);
            for sale in [format!("-{}", Decimal::new(amount, 2)), format!("*{}", Decimal::new(factor, 4))] {
                let discount = coupon(&sale).discount_on(price);
                prop_assert!(discount >= Decimal::ZERO);
                prop_assert!(discount <= price);
                prop_assert_eq!(discount.scale(), 2);
            }
        }
    }
}
