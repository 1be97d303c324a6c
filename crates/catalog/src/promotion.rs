//! Which promotion a course is under right now, and the price it gives.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::sale::SaleFormula;

/// One course-activity link: an activity window plus the discount rule it applies.
#[derive(Debug, Clone, PartialEq)]
pub struct PromotionLink {
    /// The link's id; among running links the highest (newest) wins.
    pub id: i64,
    /// Activity name, for operators.
    pub activity_name: String,
    /// The activity runs strictly after this instant...
    pub starts_at: DateTime<Utc>,
    /// ...and strictly before this one.
    pub ends_at: DateTime<Utc>,
    /// Discount type name (限时免费, 限时折扣, 限时减免); may be empty.
    pub discount_type: String,
    /// Minimum list price in whole yuan for the sale price to apply; 0 = none.
    pub condition: i32,
    /// The sale formula, validated when it was saved.
    pub sale: SaleFormula,
}

impl PromotionLink {
    /// Whether the activity is running at `now` (both ends exclusive, as the tutorial's query).
    pub fn is_running(&self, now: DateTime<Utc>) -> bool {
        self.starts_at < now && now < self.ends_at
    }
}

/// The computed `discount` object of a course; all fields absent means "no promotion" (`{}`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CourseDiscount {
    /// Discount type name, absent when the running rule has none.
    pub type_name: Option<String>,
    /// Seconds until the running activity ends.
    pub expire: Option<i64>,
    /// The promotion price; present exactly when the course "has a promotion".
    pub price: Option<Decimal>,
}

impl CourseDiscount {
    /// A course has a promotion exactly when a promotion price is present; coupons
    /// never apply on top of one.
    pub fn has_promotion(&self) -> bool {
        self.price.is_some()
    }
}

/// Computes a course's discount at `now` from its promotion links: the newest running link wins;
/// its price applies only when the list price reaches the link's condition.
pub fn current_discount(
    price: Decimal,
    links: &[PromotionLink],
    now: DateTime<Utc>,
) -> CourseDiscount {
    let Some(link) = links
        .iter()
        .filter(|link| link.is_running(now))
        .max_by_key(|link| link.id)
    else {
        return CourseDiscount::default();
    };
    let type_name = Some(link.discount_type.clone()).filter(|name| !name.is_empty());
    let expire = Some((link.ends_at - now).num_seconds());
    let sale_price = (price >= Decimal::from(link.condition)).then(|| link.sale.apply(price));
    CourseDiscount {
        type_name,
        expire,
        price: sale_price,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 11, 12, 0, 0)
            .single()
            .unwrap()
    }

    fn link(id: i64, from: i64, to: i64, condition: i32, sale: &str) -> PromotionLink {
        PromotionLink {
            id,
            activity_name: format!("activity {id}"),
            starts_at: now() + Duration::seconds(from),
            ends_at: now() + Duration::seconds(to),
            discount_type: "限时折扣".into(),
            condition,
            sale: sale.parse().unwrap(),
        }
    }

    #[test]
    fn no_links_means_empty_discount() {
        let discount = current_discount(dec!(100), &[], now());
        assert_eq!(discount, CourseDiscount::default());
        assert!(!discount.has_promotion());
    }

    #[test]
    fn running_link_gives_type_expire_and_price() {
        let discount = current_discount(dec!(699.00), &[link(1, -60, 3600, 0, "*0.8")], now());
        assert_eq!(discount.type_name.as_deref(), Some("限时折扣"));
        assert_eq!(discount.expire, Some(3600));
        assert_eq!(discount.price, Some(dec!(559.20)));
    }

    #[test]
    fn window_ends_are_exclusive() {
        assert_eq!(
            current_discount(dec!(10), &[link(1, 0, 60, 0, "0")], now()),
            CourseDiscount::default()
        );
        assert_eq!(
            current_discount(dec!(10), &[link(1, -60, 0, 0, "0")], now()),
            CourseDiscount::default()
        );
    }

    #[test]
    fn newest_running_link_wins_over_older_and_future_ones() {
        let links = [
            link(1, -60, 60, 0, "-10"),
            link(2, -60, 60, 0, "-20"),
            link(3, 30, 90, 0, "0"),
        ];
        assert_eq!(
            current_discount(dec!(100), &links, now()).price,
            Some(dec!(80.00))
        );
    }

    #[test]
    fn condition_not_met_keeps_type_but_no_price() {
        let discount = current_discount(dec!(299), &[link(1, -60, 60, 300, "-100")], now());
        assert_eq!(discount.type_name.as_deref(), Some("限时折扣"));
        assert_eq!(discount.price, None);
        assert_eq!(
            current_discount(dec!(300), &[link(1, -60, 60, 300, "-100")], now()).price,
            Some(dec!(200.00))
        );
    }

    #[test]
    fn empty_type_name_is_omitted() {
        let mut only = link(1, -60, 60, 0, "0");
        only.discount_type.clear();
        let discount = current_discount(dec!(5), &[only], now());
        assert_eq!(discount.type_name, None);
        assert_eq!(discount.price, Some(dec!(0.00)));
    }

    proptest! {
        #[test]
        fn promotion_price_never_exceeds_list_price_nor_goes_negative(
            cents in 0i64..10_000_000,
            condition in 0i32..2000,
            ids in proptest::collection::vec((1i64..50, -100i64..100, 1i64..200), 0..6),
            kind in 0u8..3,
            amount in 1i64..100_000,
        ) {
            let sale = match kind {
                0 => SaleFormula::Free,
                1 => SaleFormula::Multiply(Decimal::new(amount % 9999 + 1, 4)),
                _ => SaleFormula::Reduce(Decimal::new(amount, 2)),
            };
            let price = Decimal::new(cents, 2);
            let links: Vec<_> = ids.iter().map(|(id, from, len)| PromotionLink {
                id: *id,
                activity_name: String::new(),
                starts_at: now() + Duration::seconds(*from),
                ends_at: now() + Duration::seconds(*from + *len),
                discount_type: "t".into(),
                condition,
                sale,
            }).collect();
            let discount = current_discount(price, &links, now());
            let any_running = links.iter().any(|l| l.is_running(now()));
            prop_assert_eq!(discount.expire.is_some(), any_running);
            if let Some(sale_price) = discount.price {
                prop_assert!(any_running);
                prop_assert!(sale_price >= Decimal::ZERO && sale_price <= price);
                prop_assert!(price >= Decimal::from(condition));
            }
            if let Some(expire) = discount.expire {
                prop_assert!(expire >= 0);
            }
        }
    }
}
