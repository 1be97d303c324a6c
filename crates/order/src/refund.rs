//! After-sale refunds, the domain half: the refund's state machine, and what each line of a paid
//! order gives back when it is refunded (money and points), allocated so that any sequence of
//! partial refunds adds up to at most what the buyer paid, and to exactly that once every line
//! is refunded. `docs/pricing.md` has the rule with worked examples.

use luffy_common::CourseId;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::order::Order;

/// Where a refund is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    /// The buyer asked; an operator decides (review mode).
    Requested,
    /// Approved (by policy within the window, or by an operator): access ended, points back,
    /// the money's way back is committed with it.
    Approved,
    /// The gateway is being asked to pay it back.
    Refunding,
    /// The money is back (the gateway confirmed, or the balance was credited).
    Refunded,
    /// An operator refused it.
    Rejected,
    /// The buyer withdrew it while it was still requested.
    Cancelled,
    /// The gateway refund's retries ran out; an operator must look.
    Failed,
}

impl RefundStatus {
    /// Every status.
    pub const ALL: [RefundStatus; 7] = [
        Self::Requested,
        Self::Approved,
        Self::Refunding,
        Self::Refunded,
        Self::Rejected,
        Self::Cancelled,
        Self::Failed,
    ];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Refunding => "refunding",
            Self::Refunded => "refunded",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The display name.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Requested => "待审核",
            Self::Approved => "已同意",
            Self::Refunding => "退款中",
            Self::Refunded => "已退款",
            Self::Rejected => "已拒绝",
            Self::Cancelled => "已撤销",
            Self::Failed => "退款失败",
        }
    }

    /// The allowed changes: a request is approved, rejected or withdrawn; an approved refund is
    /// sent to the gateway (or, to the balance, done at once); a gateway refund ends refunded or
    /// failed, and a failed one may be sent again by an operator. Nothing leaves refunded,
    /// rejected or cancelled.
    pub fn can_become(self, next: RefundStatus) -> bool {
        use RefundStatus::*;
        matches!(
            (self, next),
            (Requested, Approved | Rejected | Cancelled)
                | (Approved, Refunding | Refunded)
                | (Refunding, Refunded | Failed)
                | (Failed, Refunding)
        )
    }

    /// Whether the refund still holds its lines: no other request may take them, and a line
    /// whose refund is done can never be refunded again.
    pub fn holds_lines(self) -> bool {
        !matches!(self, Self::Rejected | Self::Cancelled)
    }
}

/// What refunding one line gives back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRefund {
    /// The order line.
    pub line_id: i64,
    /// Its course (which the buyer stops owning).
    pub course_id: CourseId,
    /// Money back: what the buyer actually paid for the line.
    pub amount: Decimal,
    /// Points back: the line's share of the points spent on the order.
    pub points: i32,
}

/// What each line of an order gives back, in line order: the order's `real_price` and its
/// points allocated over the lines pro rata to what each line cost after its coupon discount
/// (`real_price - coupon_discount`), every line but the last rounded down to the cent (to the
/// point), the last taking the remainder. The amounts add up to the order's `real_price` and
/// the points to its `credit` exactly, and none is negative, so refunding lines in any groups
/// and any order never pays back more than was paid.
pub fn line_refunds(order: &Order) -> Vec<LineRefund> {
    let weights: Vec<Decimal> = order
        .lines
        .iter()
        .map(|line| (line.real_price - line.coupon_discount).max(Decimal::ZERO))
        .collect();
    let total_weight: Decimal = weights.iter().sum();
    let paid = order.real_price.max(Decimal::ZERO);
    let points = Decimal::from(order.credit.max(0));
    let last = order.lines.len().saturating_sub(1);
    let (mut money_given, mut points_given) = (Decimal::ZERO, Decimal::ZERO);
    order
        .lines
        .iter()
        .zip(&weights)
        .enumerate()
        .map(|(i, (line, weight))| {
            let (amount, line_points) = if i == last {
                (paid - money_given, points - points_given)
            } else if total_weight.is_zero() {
                (Decimal::ZERO, Decimal::ZERO)
            } else {
                let share = *weight / total_weight;
                (
                    (paid * share).round_dp_with_strategy(2, RoundingStrategy::ToZero),
                    (points * share).round_dp_with_strategy(0, RoundingStrategy::ToZero),
                )
            };
            money_given += amount;
            points_given += line_points;
            LineRefund {
                line_id: line.id,
                course_id: line.course_id,
                amount,
                points: line_points.to_i32().unwrap_or(0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::at;
    use crate::lifecycle::OrderStatus;
    use crate::order::OrderLine;
    use crate::status::PayType;
    use luffy_common::UserId;
    use proptest::prelude::*;

    /// An order from (line price, coupon discount) pairs, its price and its points.
    fn order(lines: &[(i64, i64)], real_price: i64, credit: i32) -> Order {
        Order {
            id: 1,
            order_number: "N1".into(),
            user: UserId(3),
            name: "购买课程".into(),
            status: OrderStatus::Paid,
            pay_type: PayType::Alipay,
            total_price: Decimal::new(lines.iter().map(|l| l.0).sum(), 2),
            real_price: Decimal::new(real_price, 2),
            credit,
            pay_time: Some(at(10)),
            created_time: at(0),
            expires_at: at(900),
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, (price, coupon))| OrderLine {
                    id: 10 + i as i64,
                    course_id: CourseId(i as i64 + 1),
                    course_name: format!("课程{i}"),
                    course_cover: String::new(),
                    price: Decimal::new(*price, 2),
                    real_price: Decimal::new(*price, 2),
                    discount_name: String::new(),
                    coupon_discount: Decimal::new(*coupon, 2),
                })
                .collect(),
            coupon: None,
        }
    }

    fn amounts(refunds: &[LineRefund]) -> Vec<(Decimal, i32)> {
        refunds.iter().map(|r| (r.amount, r.points)).collect()
    }

    #[test]
    fn documented_examples() {
        // docs/pricing.md, "Refund amounts". A coupon sits on its line: each line gives back
        // what it cost after the coupon.
        let coupon = order(&[(29_900, 3_000), (19_900, 0)], 46_800, 0);
        assert_eq!(
            amounts(&line_refunds(&coupon)),
            vec![(Decimal::new(26_900, 2), 0), (Decimal::new(19_900, 2), 0)]
        );
        // 500 points (50.00) over three lines: pro rata, the last line takes the remainder.
        let points = order(&[(10_000, 0), (5_000, 0), (3_333, 0)], 13_333, 500);
        assert_eq!(
            amounts(&line_refunds(&points)),
            vec![
                (Decimal::new(7_272, 2), 272),
                (Decimal::new(3_636, 2), 136),
                (Decimal::new(2_425, 2), 92),
            ]
        );
        // A free order gives nothing back.
        let free = order(&[(0, 0), (0, 0)], 0, 0);
        assert!(line_refunds(&free)
            .iter()
            .all(|r| r.amount.is_zero() && r.points == 0));
    }

    #[test]
    fn the_state_machine() {
        use RefundStatus::*;
        for status in RefundStatus::ALL {
            assert_eq!(RefundStatus::parse(status.as_str()), Some(status));
        }
        assert!(Requested.can_become(Approved) && Requested.can_become(Cancelled));
        assert!(
            !Approved.can_become(Cancelled),
            "the buyer may withdraw only a request"
        );
        assert!(!Rejected.can_become(Approved));
        assert!(
            Failed.can_become(Refunding),
            "an operator may send it again"
        );
        for end in [Refunded, Rejected, Cancelled] {
            assert!(RefundStatus::ALL.iter().all(|n| !end.can_become(*n)));
        }
        assert!(!Rejected.holds_lines() && !Cancelled.holds_lines());
        assert!(Refunded.holds_lines() && Requested.holds_lines());
    }

    /// A priced order: lines, a coupon on one line or points (never both), as checkout makes.
    fn priced_order() -> impl Strategy<Value = Order> {
        (
            proptest::collection::vec(0i64..1_000_000, 1..6),
            any::<bool>(),
            0u32..100,
            0i32..20_000,
        )
            .prop_map(|(prices, use_coupon, coupon_percent, points)| {
                let total: i64 = prices.iter().sum();
                let mut lines: Vec<(i64, i64)> = prices.iter().map(|p| (*p, 0)).collect();
                let (discount, credit) = if use_coupon {
                    let target = prices
                        .iter()
                        .enumerate()
                        .max_by_key(|(_, p)| **p)
                        .map(|(i, _)| i)
                        .unwrap_or(0);
                    let cut = lines[target].0 * i64::from(coupon_percent) / 100;
                    lines[target].1 = cut;
                    (cut, 0)
                } else {
                    // 10 points a yuan: 1 point = 10 cents, never more than the total.
                    let points = i64::from(points).min(total / 10);
                    (points * 10, i32::try_from(points).unwrap())
                };
                order(&lines, total - discount, credit)
            })
    }

    proptest! {
        /// Refunding the lines in any groups, in any order: the running total never exceeds
        /// what was paid, ends exactly at it, and no line's amount or points are negative.
        #[test]
        fn partial_refunds_never_pay_back_more_than_was_paid(
            order in priced_order(),
            order_of_lines in any::<u64>(),
            group_size in 1usize..4,
        ) {
            let refunds = line_refunds(&order);
            prop_assert_eq!(refunds.len(), order.lines.len());
            prop_assert!(refunds.iter().all(|r| r.amount >= Decimal::ZERO && r.points >= 0));
            prop_assert_eq!(refunds.iter().map(|r| r.points).sum::<i32>(), order.credit);
            let mut remaining: Vec<&LineRefund> = refunds.iter().collect();
            let mut seed = order_of_lines;
            let mut refunded = Decimal::ZERO;
            while !remaining.is_empty() {
                let take = group_size.min(remaining.len());
                for _ in 0..take {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    let pick = (seed >> 33) as usize % remaining.len();
                    refunded += remaining.swap_remove(pick).amount;
                }
                prop_assert!(refunded <= order.real_price);
            }
            prop_assert_eq!(refunded, order.real_price);
        }
    }
}
