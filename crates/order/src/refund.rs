//! After-sale refunds, the domain half: the refund's state machine, and what each line of a paid
//! order gives back when it is refunded (money and points), allocated so that any sequence of
//! partial refunds adds up to at most what the buyer paid, and to exactly that once every line
//! is refunded. `docs/pricing.md` has the rule with worked examples.

use chrono::{DateTime, Duration, Utc};
use luffy_common::{CourseId, StorageError, UserId};
use luffy_credit::{BalanceEntry, BalanceOperation, LedgerEntry, LedgerOperation};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::channel::Channel;
use crate::jobs::refund_job;
use crate::lifecycle::{self, Effects, LockedOrder, OrderStatus, Revocation, TransitionPlan};
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

/// How a refund's money goes back: the way the order was paid.
pub use crate::payment::Channel as RefundChannel;

/// A refund as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// Id.
    pub id: i64,
    /// The order.
    pub order_id: i64,
    /// The order's number (out_trade_no).
    pub order_number: String,
    /// The buyer.
    pub user: UserId,
    /// Where it is.
    pub status: RefundStatus,
    /// How the money goes back.
    pub channel: RefundChannel,
    /// Money back.
    pub amount: Decimal,
    /// Points back.
    pub points: i32,
    /// The gateway's idempotency key; every retry reuses it.
    pub out_request_no: String,
    /// Why the buyer (or operator) asked.
    pub reason: String,
    /// The operator's note (a rejection's reason).
    pub review_note: String,
    /// Whether an operator started it.
    pub by_operator: bool,
    /// The refunded lines (order_details ids), in course order.
    pub line_ids: Vec<i64>,
    /// Their courses.
    pub course_ids: Vec<CourseId>,
    /// The gateway's last error, if any.
    pub last_error: Option<String>,
    /// When it was asked for.
    pub created_time: DateTime<Utc>,
    /// When it last changed.
    pub updated_time: DateTime<Utc>,
}

impl Refund {
    /// Whether its lines count as refunded: approved, on its way, done, or failed at the
    /// gateway (access has ended; an operator retries the money).
    pub fn granted(&self) -> bool {
        matches!(
            self.status,
            RefundStatus::Approved
                | RefundStatus::Refunding
                | RefundStatus::Refunded
                | RefundStatus::Failed
        )
    }
}

/// The store's rules for refunds, from settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundPolicy {
    /// A buyer may ask within this long of paying (`LUFFY_REFUND_WINDOW_DAYS`, 7 days).
    pub buyer_window: Duration,
    /// Requests inside the window wait for an operator (`LUFFY_REFUND_REVIEW`).
    pub review: bool,
    /// An operator may refund within this long of payment: the gateway's refund window
    /// (`LUFFY_REFUND_OPERATOR_WINDOW_DAYS`, 90 days).
    pub operator_window: Duration,
}

impl Default for RefundPolicy {
    fn default() -> Self {
        Self {
            buyer_window: Duration::days(7),
            review: false,
            operator_window: Duration::days(90),
        }
    }
}

/// Who asks for a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// The order's owner, inside the buyer's window.
    Buyer(UserId),
    /// An operator, inside the gateway's window; approved at once.
    Operator(UserId),
}

/// What a refund request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundAsk {
    /// The courses to refund; `None` means every line not refunded yet.
    pub course_ids: Option<Vec<CourseId>>,
    /// Why.
    pub reason: String,
}

/// Why a refund request, review or cancel was refused.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    /// No such order (or refund) of the caller.
    #[error("订单不存在!")]
    OrderNotFound,
    /// No such refund.
    #[error("退款申请不存在!")]
    RefundNotFound,
    /// The order is not paid (or fully refunded).
    #[error("当前订单无法退款,订单状态为{}!", .0.display_name())]
    NotRefundable(OrderStatus),
    /// Past the buyer's window.
    #[error("订单支付已超过{0}天,无法申请退款!")]
    BuyerWindowClosed(i64),
    /// Past the gateway's window.
    #[error("订单支付已超过{0}天,超出支付宝退款期限,无法退款!")]
    GatewayWindowClosed(i64),
    /// A named course is not a line of the order.
    #[error("课程[{0}]不在该订单中!")]
    ForeignCourse(i64),
    /// A course was named twice.
    #[error("课程[{0}]重复!")]
    DuplicateCourse(i64),
    /// `course_ids` was given but empty.
    #[error("请选择要退款的课程!")]
    NoCourses,
    /// A named line was refunded already.
    #[error("课程《{0}》已退款!")]
    AlreadyRefunded(String),
    /// Every line was refunded or is being asked for already.
    #[error("订单没有可退款的课程!")]
    NothingLeft,
    /// A named line has an open request (409).
    #[error("课程《{0}》已有退款申请在处理中!")]
    OpenRequest(String),
    /// The refund is no longer in a status that allows this (409).
    #[error("退款申请{},无法{}!", .0.display_name(), .1)]
    WrongStatus(RefundStatus, &'static str),
    /// The reason is too long.
    #[error("退款原因不能超过255个字符!")]
    ReasonTooLong,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl RefundError {
    /// True for the refusals that are conflicts with another request or review (409).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::OpenRequest(_) | Self::WrongStatus(..))
    }
}

/// The refund a request creates, decided by [`plan_request`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewRefund {
    /// The order.
    pub order_id: i64,
    /// The buyer.
    pub user: UserId,
    /// The first status: requested (review), approved (the gateway pays it back) or refunded
    /// (balance or nothing to pay back: done in the approving transaction).
    pub status: RefundStatus,
    /// How the money goes back.
    pub channel: RefundChannel,
    /// Money back (the sum of the lines').
    pub amount: Decimal,
    /// Points back (the sum of the lines').
    pub points: i32,
    /// `<order number>R<nn>`: unique, and the same on every gateway retry.
    pub out_request_no: String,
    /// Why.
    pub reason: String,
    /// Whether an operator started it.
    pub by_operator: bool,
    /// The lines with what each gives back.
    pub lines: Vec<LineRefund>,
    /// The operator, for the audit trail.
    pub actor: Option<UserId>,
}

/// The longest reason kept.
pub const MAX_REASON_CHARS: usize = 255;

/// Decides a refund request against the order as read under its lock (with its refunds):
/// the order must be paid and not fully refunded, inside the requester's window; the named
/// courses must be lines of the order, not refunded and not asked for already (every line left
/// when none are named). Within the buyer's window the request is approved by policy unless
/// review is on; an operator's is always approved.
pub fn plan_request(
    order: &Order,
    requester: Requester,
    ask: &RefundAsk,
    policy: &RefundPolicy,
    now: DateTime<Utc>,
) -> Result<NewRefund, RefundError> {
    if ask.reason.chars().count() > MAX_REASON_CHARS {
        return Err(RefundError::ReasonTooLong);
    }
    if !order.status.refundable() {
        return Err(RefundError::NotRefundable(order.status));
    }
    let paid_at = order.pay_time.unwrap_or(order.created_time);
    let (window, by_operator) = match requester {
        Requester::Buyer(_) => (policy.buyer_window, false),
        Requester::Operator(_) => (policy.operator_window, true),
    };
    if now >= paid_at + window {
        return Err(if by_operator {
            RefundError::GatewayWindowClosed(window.num_days())
        } else {
            RefundError::BuyerWindowClosed(window.num_days())
        });
    }
    let holder = |line_id: i64| {
        order
            .refunds
            .iter()
            .find(|r| r.status.holds_lines() && r.line_ids.contains(&line_id))
    };
    let chosen: Vec<&crate::order::OrderLine> = match &ask.course_ids {
        Some(ids) => {
            if ids.is_empty() {
                return Err(RefundError::NoCourses);
            }
            let mut chosen = Vec::with_capacity(ids.len());
            for (i, id) in ids.iter().enumerate() {
                if ids[..i].contains(id) {
                    return Err(RefundError::DuplicateCourse(id.get()));
                }
                let line = order
                    .lines
                    .iter()
                    .find(|l| l.course_id == *id)
                    .ok_or(RefundError::ForeignCourse(id.get()))?;
                if let Some(refund) = holder(line.id) {
                    return Err(if refund.status == RefundStatus::Requested {
                        RefundError::OpenRequest(line.course_name.clone())
                    } else {
                        RefundError::AlreadyRefunded(line.course_name.clone())
                    });
                }
                chosen.push(line);
            }
            chosen
        }
        None => {
            let left: Vec<_> = order
                .lines
                .iter()
                .filter(|l| holder(l.id).is_none())
                .collect();
            if left.is_empty() {
                return Err(RefundError::NothingLeft);
            }
            left
        }
    };
    let all = line_refunds(order);
    let mut lines: Vec<LineRefund> = all
        .into_iter()
        .filter(|r| chosen.iter().any(|l| l.id == r.line_id))
        .collect();
    lines.sort_by_key(|l| l.course_id);
    let amount: Decimal = lines.iter().map(|l| l.amount).sum();
    let points: i32 = lines.iter().map(|l| l.points).sum();
    let channel = Channel::of(order.pay_type);
    let status = if !by_operator && policy.review {
        RefundStatus::Requested
    } else {
        approved_status(channel, amount)
    };
    Ok(NewRefund {
        order_id: order.id,
        user: order.user,
        status,
        channel,
        amount,
        points,
        out_request_no: format!("{}R{:02}", order.order_number, order.refunds.len() + 1),
        reason: ask.reason.trim().to_owned(),
        by_operator,
        lines,
        actor: match requester {
            Requester::Operator(staff) => Some(staff),
            Requester::Buyer(_) => None,
        },
    })
}

/// Where an approved refund goes at once: a remote channel pays money back later (approved,
/// with its job); balance money, and a refund of nothing, are done in the approving
/// transaction (refunded).
pub fn approved_status(channel: RefundChannel, amount: Decimal) -> RefundStatus {
    if channel.is_remote() && amount > Decimal::ZERO {
        RefundStatus::Approved
    } else {
        RefundStatus::Refunded
    }
}

/// The refund being granted, as [`settle`] needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant<'a> {
    /// The refund's id (the gateway job's payload).
    pub refund_id: i64,
    /// Its lines.
    pub line_ids: &'a [i64],
    /// Its courses.
    pub course_ids: &'a [CourseId],
    /// Money back.
    pub amount: Decimal,
    /// Points back.
    pub points: i32,
    /// How.
    pub channel: RefundChannel,
}

/// What granting a refund does, in the granting transaction: the order
/// becomes partly or fully refunded ([`lifecycle::refund`]); the buyer stops owning the
/// refunded courses; the lines' points come back with a 订单退还 ledger row; on a full refund
/// the coupon grant comes back if its window is still open; and the money's way back is
/// committed with it: a balance credit with its ledger row, or a `trade_refund` job.
pub fn settle(
    order: &Order,
    locked: &LockedOrder,
    grant: &Grant<'_>,
    now: DateTime<Utc>,
) -> Result<TransitionPlan, OrderStatus> {
    let refunded_before = order
        .lines
        .iter()
        .filter(|l| {
            order
                .refunds
                .iter()
                .any(|r| r.granted() && r.id != grant.refund_id && r.line_ids.contains(&l.id))
        })
        .count();
    let all_lines_refunded = refunded_before + grant.line_ids.len() >= order.lines.len();
    let number = &order.order_number;
    let mut effects = Effects {
        revoke_courses: Some(Revocation {
            user: order.user,
            course_ids: grant.course_ids.to_vec(),
        }),
        restore_points: (grant.points > 0).then(|| LedgerEntry {
            user: order.user,
            operation: LedgerOperation::Refunded,
            number: grant.points,
            order_id: Some(order.id),
            remark: format!("订单[{number}]退款,退还积分"),
        }),
        return_coupon: all_lines_refunded
            && order
                .coupon
                .as_ref()
                .is_some_and(|c| !c.released && c.ends_at > now),
        ..Effects::default()
    };
    if grant.amount > Decimal::ZERO {
        match grant.channel {
            RefundChannel::Balance => {
                effects.credit_balance = Some(BalanceEntry {
                    user: order.user,
                    operation: BalanceOperation::Refund,
                    amount: grant.amount,
                    order_id: Some(order.id),
                    remark: format!("订单[{number}]退款"),
                });
            }
            remote => effects
                .enqueue
                .push(refund_job(remote, order.id, grant.refund_id, now)),
        }
    }
    lifecycle::refund(locked, all_lines_refunded, effects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::at;
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
            refunds: Vec::new(),
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
