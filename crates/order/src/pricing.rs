//! Pricing a checkout: one pure function used by both the quote and the order
//! creation, so what the buyer is quoted is exactly what the order charges.

use chrono::{DateTime, Utc};
use luffy_catalog::Course;
use luffy_common::money::{non_negative, round_cents};
use luffy_common::{CourseId, UserId};
use luffy_coupon::UserCoupon;
use luffy_credit::CreditRate;
use rust_decimal::Decimal;

/// Everything pricing needs, read inside the order's transaction.
#[derive(Debug, Clone)]
pub struct PricingInput<'a> {
    /// The buyer.
    pub user: UserId,
    /// The selected courses.
    pub courses: &'a [Course],
    /// The coupon grant the buyer chose, if any (already loaded by id).
    pub coupon: Option<&'a UserCoupon>,
    /// Points the buyer wants to spend; 0 = none.
    pub points: i64,
    /// The buyer's points balance (the same integer type as `points`, so the two compare
    /// without a conversion).
    pub balance: i64,
    /// Points per yuan.
    pub rate: CreditRate,
    /// The pricing instant (promotions and coupon windows).
    pub now: DateTime<Utc>,
}

/// One priced line.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteLine {
    /// The course.
    pub course_id: CourseId,
    /// Its name at purchase time.
    pub name: String,
    /// List price.
    pub price: Decimal,
    /// Promotion price if the course has one, else the list price.
    pub real_price: Decimal,
    /// Promotion type name, or "".
    pub discount_name: String,
    /// The coupon's discount on this line (0 on all lines but one).
    pub coupon_discount: Decimal,
    /// The course's points cap.
    pub credit_cap: i32,
}

/// A priced checkout.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// Lines in course id order.
    pub lines: Vec<QuoteLine>,
    /// Sum of line real prices.
    pub total_price: Decimal,
    /// The coupon or points discount.
    pub discount_price: Decimal,
    /// What the buyer pays: total - discount, never below 0.
    pub real_price: Decimal,
    /// Points spent (0 when none).
    pub credit: i32,
    /// The most points this checkout accepts: min(balance, sum of course caps).
    pub max_use_credit: i32,
    /// The coupon grant used, if any.
    pub coupon_id: Option<i64>,
}

/// Why a checkout cannot be priced; every variant is a 400 with its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// Nothing selected.
    #[error("购物车中没有勾选任何课程!")]
    EmptySelection,
    /// A selected course is hidden or deleted.
    #[error("课程[{0}]已下架,请从购物车中移除后再下单!")]
    CourseUnavailable(String),
    /// A coupon and points together.
    #[error("优惠券和积分不能同时使用!")]
    CouponAndPoints,
    /// The coupon grant is not the buyer's (or does not exist).
    #[error("优惠券不存在!")]
    CouponNotFound,
    /// Used, reserved by another order, or outside its window.
    #[error("优惠券已使用、已被其他订单占用或不在有效期内!")]
    CouponUnavailable,
    /// No selected line is in scope, promotion-free and at least the condition.
    #[error("当前优惠券不适用于本次购买的课程!")]
    CouponNotApplicable,
    /// Negative points.
    #[error("积分数量不能为负数!")]
    NegativePoints,
    /// More points than the buyer has.
    #[error("您拥有的积分不足以抵扣本次下单的积分!")]
    PointsOverBalance,
    /// More points than the courses accept.
    #[error("本次使用的抵扣积分数额超过了限制!最多可以使用{max}积分")]
    PointsOverCap {
        /// The most points this checkout accepts.
        max: i32,
    },
    /// Points worth more than the order.
    #[error("抵扣积分超过了订单金额!")]
    PointsOverTotal,
}

/// Prices a checkout.
pub fn price_checkout(input: &PricingInput<'_>) -> Result<Quote, PricingError> {
    if input.courses.is_empty() {
        return Err(PricingError::EmptySelection);
    }
    if let Some(course) = input.courses.iter().find(|c| !c.is_purchasable()) {
        return Err(PricingError::CourseUnavailable(course.name.clone()));
    }
    if input.points < 0 {
        return Err(PricingError::NegativePoints);
    }
    if input.coupon.is_some() && input.points > 0 {
        return Err(PricingError::CouponAndPoints);
    }
    let mut courses: Vec<&Course> = input.courses.iter().collect();
    courses.sort_by_key(|c| c.id);
    courses.dedup_by_key(|c| c.id);

    let mut lines: Vec<QuoteLine> = courses
        .iter()
        .map(|course| {
            let discount = course.discount_at(input.now);
            QuoteLine {
                course_id: course.id,
                name: course.name.clone(),
                price: round_cents(course.price),
                real_price: round_cents(discount.price.unwrap_or(course.price)),
                discount_name: discount.type_name.unwrap_or_default(),
                coupon_discount: round_cents(Decimal::ZERO),
                credit_cap: course.credit,
            }
        })
        .collect();
    let total_price = round_cents(lines.iter().map(|l| l.real_price).sum());
    let cap_sum: i64 = lines.iter().map(|l| i64::from(l.credit_cap.max(0))).sum();
    let max_use_credit = i32::try_from(cap_sum.min(input.balance.max(0))).unwrap_or(i32::MAX);

    let mut discount_price = round_cents(Decimal::ZERO);
    let mut credit = 0;
    let mut coupon_id = None;
    if let Some(grant) = input.coupon {
        if grant.user != input.user {
            return Err(PricingError::CouponNotFound);
        }
        if !grant.is_available(input.now) {
            return Err(PricingError::CouponUnavailable);
        }
        let target = courses
            .iter()
            .filter(|course| grant.coupon.can_discount(course, input.now))
            .max_by(|a, b| a.price.cmp(&b.price).then(b.id.cmp(&a.id)))
            .ok_or(PricingError::CouponNotApplicable)?;
        let line = lines
            .iter_mut()
            .find(|line| line.course_id == target.id)
            .ok_or(PricingError::CouponNotApplicable)?;
        line.coupon_discount = grant.coupon.discount_on(line.real_price);
        discount_price = line.coupon_discount;
        coupon_id = Some(grant.id);
    } else if input.points > 0 {
        if input.points > input.balance {
            return Err(PricingError::PointsOverBalance);
        }
        if input.points > i64::from(max_use_credit) {
            return Err(PricingError::PointsOverCap {
                max: max_use_credit,
            });
        }
        let points = u32::try_from(input.points).map_err(|_| PricingError::PointsOverBalance)?;
        let money = input.rate.to_money(points);
        if money > total_price {
            return Err(PricingError::PointsOverTotal);
        }
        discount_price = money;
        credit = i32::try_from(points).map_err(|_| PricingError::PointsOverBalance)?;
    }
    let real_price = round_cents(non_negative(total_price - discount_price));
    Ok(Quote {
        lines,
        total_price,
        discount_price,
        real_price,
        credit,
        max_use_credit,
        coupon_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use luffy_catalog::{Category, CourseType, Direction, PromotionLink, SaleFormula};
    use luffy_coupon::{Coupon, CouponKind, CouponScope, GetType, ScopeItem, UseStatus};
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn course(id: i64, price: Decimal, credit: i32, category: i64, promo: Option<&str>) -> Course {
        Course {
            id: CourseId(id),
            name: format!("course {id}"),
            course_cover: String::new(),
            course_type: CourseType::Practical,
            price,
            credit,
            direction: Direction {
                id: if category == 1 { 1 } else { 2 },
                name: String::new(),
            },
            category: Category {
                id: category,
                name: String::new(),
                direction_id: 1,
            },
            is_show: true,
            is_deleted: false,
            promotions: promo
                .map(|sale| PromotionLink {
                    id,
                    activity_name: String::new(),
                    starts_at: now() - Duration::hours(1),
                    ends_at: now() + Duration::hours(1),
                    discount_type: "限时折扣".into(),
                    condition: 0,
                    sale: sale.parse().unwrap(),
                })
                .into_iter()
                .collect(),
        }
    }

    fn grant(sale: &str, scope: CouponScope, condition: i32) -> UserCoupon {
        UserCoupon {
            id: 9,
            user: UserId(1),
            coupon: Coupon {
                id: 3,
                name: "coupon".into(),
                kind: if sale.starts_with('-') {
                    CouponKind::Reduction
                } else {
                    CouponKind::Percent
                },
                scope,
                total: 10,
                has_total: 10,
                starts_at: now() - Duration::days(1),
                ends_at: now() + Duration::days(1),
                get_type: GetType::Granted,
                condition,
                per_limit: 1,
                sale: sale.parse().unwrap(),
                enabled: true,
            },
            order_id: None,
            use_status: UseStatus::Unused,
            use_time: None,
        }
    }

    fn input<'a>(
        courses: &'a [Course],
        coupon: Option<&'a UserCoupon>,
        points: i64,
    ) -> PricingInput<'a> {
        PricingInput {
            user: UserId(1),
            courses,
            coupon,
            points,
            balance: 1000,
            rate: CreditRate::default(),
            now: now(),
        }
    }

    fn cart() -> Vec<Course> {
        vec![
            course(1, dec!(398.00), 100, 1, None),
            course(3, dec!(699.00), 0, 1, Some("*0.8")),
            course(7, dec!(299.00), 100, 4, None),
        ]
    }

    #[test]
    fn totals_use_promotion_prices() {
        let quote = price_checkout(&input(&cart(), None, 0)).unwrap();
        assert_eq!(quote.total_price, dec!(1256.20));
        assert_eq!(quote.real_price, dec!(1256.20));
        assert_eq!(quote.lines[1].real_price, dec!(559.20));
        assert_eq!(quote.lines[1].discount_name, "限时折扣");
        assert_eq!(quote.max_use_credit, 200);
    }

    #[test]
    fn coupon_goes_to_the_most_expensive_eligible_line_without_promotion() {
        let courses = cart();
        let all = grant("-30", CouponScope::All, 100);
        let quote = price_checkout(&input(&courses, Some(&all), 0)).unwrap();
        assert_eq!(
            quote.lines[0].coupon_discount,
            dec!(30.00),
            "398 beats 299; 699 has a promotion"
        );
        assert_eq!(quote.real_price, dec!(1226.20));
        assert_eq!(quote.coupon_id, Some(9));

        let percent = grant(
            "*0.85",
            CouponScope::Categories(vec![ScopeItem {
                id: 4,
                name: String::new(),
            }]),
            200,
        );
        let quote = price_checkout(&input(&courses, Some(&percent), 0)).unwrap();
        assert_eq!(quote.lines[2].coupon_discount, dec!(44.85));
        assert_eq!(quote.discount_price, dec!(44.85));

        let too_high = grant("-30", CouponScope::All, 400);
        assert_eq!(
            price_checkout(&input(&courses, Some(&too_high), 0)),
            Err(PricingError::CouponNotApplicable)
        );
        let promo_only = grant(
            "-30",
            CouponScope::Courses(vec![ScopeItem {
                id: 3,
                name: String::new(),
            }]),
            0,
        );
        assert_eq!(
            price_checkout(&input(&courses, Some(&promo_only), 0)),
            Err(PricingError::CouponNotApplicable)
        );
    }

    #[test]
    fn ties_go_to_the_lower_course_id() {
        let courses = vec![
            course(5, dec!(100), 0, 1, None),
            course(2, dec!(100), 0, 1, None),
        ];
        let all = grant("-10", CouponScope::All, 0);
        let quote = price_checkout(&input(&courses, Some(&all), 0)).unwrap();
        assert_eq!(quote.lines[0].course_id, CourseId(2));
        assert_eq!(quote.lines[0].coupon_discount, dec!(10.00));
    }

    #[test]
    fn coupon_state_errors() {
        let courses = cart();
        let mut foreign = grant("-30", CouponScope::All, 0);
        foreign.user = UserId(2);
        assert_eq!(
            price_checkout(&input(&courses, Some(&foreign), 0)),
            Err(PricingError::CouponNotFound)
        );
        let mut used = grant("-30", CouponScope::All, 0);
        used.use_status = UseStatus::Used;
        assert_eq!(
            price_checkout(&input(&courses, Some(&used), 0)),
            Err(PricingError::CouponUnavailable)
        );
        let mut reserved = grant("-30", CouponScope::All, 0);
        reserved.order_id = Some(4);
        assert_eq!(
            price_checkout(&input(&courses, Some(&reserved), 0)),
            Err(PricingError::CouponUnavailable)
        );
        let mut expired = grant("-30", CouponScope::All, 0);
        expired.coupon.ends_at = now() - Duration::seconds(1);
        assert_eq!(
            price_checkout(&input(&courses, Some(&expired), 0)),
            Err(PricingError::CouponUnavailable)
        );
        let ok = grant("-30", CouponScope::All, 0);
        assert_eq!(
            price_checkout(&input(&courses, Some(&ok), 10)),
            Err(PricingError::CouponAndPoints)
        );
    }

    #[test]
    fn points_rules() {
        let courses = cart();
        let quote = price_checkout(&input(&courses, None, 15)).unwrap();
        assert_eq!(quote.discount_price, dec!(1.50));
        assert_eq!(quote.credit, 15);
        assert_eq!(quote.real_price, dec!(1254.70));
        assert_eq!(
            price_checkout(&input(&courses, None, -1)),
            Err(PricingError::NegativePoints)
        );
        assert_eq!(
            price_checkout(&input(&courses, None, 201)),
            Err(PricingError::PointsOverCap { max: 200 })
        );
        let mut poor = input(&courses, None, 150);
        poor.balance = 100;
        assert_eq!(price_checkout(&poor), Err(PricingError::PointsOverBalance));
        let cheap = vec![course(1, dec!(1.00), 100, 1, None)];
        assert_eq!(
            price_checkout(&input(&cheap, None, 11)),
            Err(PricingError::PointsOverTotal)
        );
        assert_eq!(
            price_checkout(&input(&cheap, None, 10)).unwrap().real_price,
            dec!(0.00)
        );
    }

    #[test]
    fn empty_and_unavailable_selections() {
        assert_eq!(
            price_checkout(&input(&[], None, 0)),
            Err(PricingError::EmptySelection)
        );
        let mut hidden = cart();
        hidden[0].is_show = false;
        assert!(matches!(
            price_checkout(&input(&hidden, None, 0)),
            Err(PricingError::CourseUnavailable(_))
        ));
    }

    fn arb_course() -> impl Strategy<Value = Course> {
        (
            1i64..20,
            0i64..200_000,
            0i32..500,
            1i64..5,
            prop::option::of(prop_oneof![
                Just("0".to_owned()),
                (1i64..10_000).prop_map(|f| format!("*{}", Decimal::new(f, 4))),
                (1i64..100_000).prop_map(|r| format!("-{}", Decimal::new(r, 2))),
            ]),
        )
            .prop_map(|(id, cents, credit, category, promo)| {
                course(
                    id,
                    Decimal::new(cents, 2),
                    credit,
                    category,
                    promo.as_deref(),
                )
            })
    }

    fn arb_coupon() -> impl Strategy<Value = UserCoupon> {
        (
            prop_oneof![
                (1i64..100_000).prop_map(|r| format!("-{}", Decimal::new(r, 2))),
                (1i64..10_000).prop_map(|f| format!("*{}", Decimal::new(f, 4))),
            ],
            0i32..1000,
            0u8..4,
            1i64..5,
        )
            .prop_map(|(sale, condition, kind, id)| {
                let item = ScopeItem {
                    id,
                    name: String::new(),
                };
                let scope = match kind {
                    0 => CouponScope::All,
                    1 => CouponScope::Directions(vec![item]),
                    2 => CouponScope::Categories(vec![item]),
                    _ => CouponScope::Courses(vec![item]),
                };
                grant(&sale, scope, condition)
            })
    }

    proptest! {
        #[test]
        fn pricing_invariants(
            courses in prop::collection::vec(arb_course(), 1..6),
            coupon in prop::option::of(arb_coupon()),
            points in 0i64..2000,
            balance in 0i32..2000,
            rate in 1u32..50,
        ) {
            let use_points = if coupon.is_some() { 0 } else { points };
            let input = PricingInput {
                user: UserId(1), courses: &courses, coupon: coupon.as_ref(), points: use_points,
                balance: balance.into(), rate: CreditRate::new(rate).unwrap(), now: now(),
            };
            if let Ok(quote) = price_checkout(&input) {
                prop_assert!(quote.real_price >= Decimal::ZERO);
                prop_assert!(quote.real_price <= quote.total_price);
                prop_assert_eq!(quote.real_price, quote.total_price - quote.discount_price);
                prop_assert_eq!(quote.total_price, quote.lines.iter().map(|l| l.real_price).sum::<Decimal>());
                for line in &quote.lines {
                    prop_assert!(line.coupon_discount >= Decimal::ZERO);
                    prop_assert!(line.coupon_discount <= line.real_price);
                    prop_assert!(line.real_price <= line.price);
                }
                let coupon_lines = quote.lines.iter().filter(|l| l.coupon_discount > Decimal::ZERO).count();
                prop_assert!(coupon_lines <= 1);
                prop_assert!(!(quote.coupon_id.is_some() && quote.credit > 0), "coupon and points never both");
                if quote.credit > 0 {
                    prop_assert_eq!(quote.discount_price, CreditRate::new(rate).unwrap().to_money(quote.credit as u32));
                    prop_assert!(quote.credit <= quote.max_use_credit);
                    prop_assert!(quote.credit <= balance);
                }
                for v in [quote.total_price, quote.real_price, quote.discount_price] {
                    prop_assert_eq!(v.scale(), 2);
                }
            }
        }

        #[test]
        fn coupon_and_points_together_always_fail(courses in prop::collection::vec(arb_course(), 1..4), coupon in arb_coupon(), points in 1i64..100) {
            let input = PricingInput { user: UserId(1), courses: &courses, coupon: Some(&coupon), points, balance: 1000, rate: CreditRate::default(), now: now() };
            prop_assert_eq!(price_checkout(&input), Err(PricingError::CouponAndPoints));
        }
    }

    /// The worked examples of docs/pricing.md: the five seed coupons on one sample cart.
    #[test]
    fn documented_examples() {
        let courses = vec![
            course(1, dec!(398.00), 100, 1, None), // Typescript入门到实战, direction 1
            course(3, dec!(699.00), 0, 1, Some("*0.8")), // Vue3全家桶实战, promotion 559.20
            course(5, dec!(1299.00), 300, 3, None), // Python Web全栈开发, category 3
            course(7, dec!(299.00), 100, 4, None), // 数据结构与算法, category 4
        ];
        let item = |id| ScopeItem {
            id,
            name: String::new(),
        };
        let cases = [
            (
                grant("-30", CouponScope::All, 100),
                dec!(30.00),
                dec!(2525.20),
            ),
            (
                grant("-50", CouponScope::Directions(vec![item(1)]), 0),
                dec!(50.00),
                dec!(2505.20),
            ),
            (
                grant("*0.88", CouponScope::Courses(vec![item(1), item(2)]), 0),
                dec!(47.76),
                dec!(2507.44),
            ),
            (
                grant("-99", CouponScope::Categories(vec![item(2), item(3)]), 0),
                dec!(99.00),
                dec!(2456.20),
            ),
            (
                grant("*0.85", CouponScope::Categories(vec![item(4)]), 200),
                dec!(44.85),
                dec!(2510.35),
            ),
        ];
        for (coupon, discount, real) in cases {
            let quote = price_checkout(&input(&courses, Some(&coupon), 0)).unwrap();
            assert_eq!(quote.total_price, dec!(2555.20));
            assert_eq!(
                (quote.discount_price, quote.real_price),
                (discount, real),
                "{}",
                coupon.coupon.sale
            );
        }
        let quote = price_checkout(&input(&courses, None, 500)).unwrap();
        assert_eq!(
            (quote.max_use_credit, quote.discount_price, quote.real_price),
            (500, dec!(50.00), dec!(2505.20))
        );
    }

    #[test]
    fn sale_formula_reexport_compiles() {
        let _ = SaleFormula::Free;
    }
}
