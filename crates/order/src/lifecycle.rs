//! The order state machine, in one place: the statuses, which changes are
//! allowed ([`OrderStatus::can_become`]), and what each change does. A transition is a pure
//! function from the locked order to a [`TransitionPlan`]; the store executes the plan in the
//! caller's transaction with a guarded update whose expected status is a bind parameter.
//!
//! This is the only module that knows the stored status codes.

use chrono::{DateTime, Utc};
use luffy_common::{CourseId, UserId};
use luffy_credit::{BalanceEntry, LedgerEntry, LedgerOperation};
use luffy_scheduler::NewJob;
use rust_decimal::Decimal;

use crate::channel::Channel;
use crate::jobs::{order_timeout_job, payment_refund_job, trade_close_job};
use crate::status::PayType;

/// 0 未支付, 1 已支付, 2 已取消, 3 超时取消, 4 部分退款, 5 已退款.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// 0 未支付: the only status that can change.
    Unpaid,
    /// 1 已支付.
    Paid,
    /// 2 已取消 by the owner.
    Cancelled,
    /// 3 超时取消 by the timeout job.
    TimedOut,
    /// 4 部分退款: paid, and some of its lines were refunded (access to them ended).
    PartlyRefunded,
    /// 5 已退款: paid, and every line was refunded.
    Refunded,
}

impl OrderStatus {
    /// Every status in code order: the one list the choices endpoint and the console show.
    pub const ALL: [OrderStatus; 6] = [
        Self::Unpaid,
        Self::Paid,
        Self::Cancelled,
        Self::TimedOut,
        Self::PartlyRefunded,
        Self::Refunded,
    ];

    /// Stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Unpaid => 0,
            Self::Paid => 1,
            Self::Cancelled => 2,
            Self::TimedOut => 3,
            Self::PartlyRefunded => 4,
            Self::Refunded => 5,
        }
    }

    /// Maps a stored code.
    pub fn from_code(code: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The display name.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Unpaid => "未支付",
            Self::Paid => "已支付",
            Self::Cancelled => "已取消",
            Self::TimedOut => "超时取消",
            Self::PartlyRefunded => "部分退款",
            Self::Refunded => "已退款",
        }
    }

    /// An unpaid order becomes paid, cancelled or timed out; a paid
    /// order becomes partly or fully refunded, and a partly refunded one fully refunded.
    /// Nothing leaves cancelled, timed out or refunded. Every transition below asks this
    /// before it plans anything.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Unpaid, Paid | Cancelled | TimedOut)
                | (Paid, PartlyRefunded | Refunded)
                | (PartlyRefunded, Refunded)
        )
    }

    /// Whether the buyer may hide the order from "my orders": it can no longer change and
    /// the buyer keeps nothing from it (cancelled, timed out or fully refunded).
    pub fn may_be_hidden(self) -> bool {
        self.is_final()
    }

    /// Whether the order was paid (its payment time is kept through refunds).
    pub fn was_paid(self) -> bool {
        matches!(self, Self::Paid | Self::PartlyRefunded | Self::Refunded)
    }

    /// Whether lines of the order may still be refunded.
    pub fn refundable(self) -> bool {
        matches!(self, Self::Paid | Self::PartlyRefunded)
    }

    /// True for the statuses nothing leaves.
    pub fn is_final(self) -> bool {
        Self::ALL.into_iter().all(|next| !self.can_become(next))
    }
}

/// The order row as a transition sees it, read under the row lock.
#[derive(Debug, Clone, PartialEq)]
pub struct LockedOrder {
    /// Id.
    pub id: i64,
    /// The 24-digit number (out_trade_no).
    pub order_number: String,
    /// Owner.
    pub user: UserId,
    /// Status now.
    pub status: OrderStatus,
    /// How the buyer chose to pay.
    pub pay_type: PayType,
    /// What the buyer pays.
    pub real_price: Decimal,
    /// Points spent on it.
    pub credit: i32,
    /// When it was created.
    pub created_time: DateTime<Utc>,
    /// When an unpaid order times out.
    pub expires_at: DateTime<Utc>,
}

/// A guarded status change: the row moves only if it still has `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    /// The expected status (a bind parameter of the update).
    pub from: OrderStatus,
    /// The new status.
    pub to: OrderStatus,
}

/// How a payment that paid the order is stamped on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentStamp {
    /// When the buyer paid.
    pub paid_at: DateTime<Utc>,
    /// The gateway trade number.
    pub trade_no: String,
    /// The channel that took the money (and gives a late payment back).
    pub channel: Channel,
}

/// The buyer gets the order's courses (once each) and the reserved coupon becomes used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fulfilment {
    /// The buyer.
    pub user: UserId,
    /// When the coupon was used.
    pub paid_at: DateTime<Utc>,
}

/// A recorded payment that must go back to the buyer (it arrived for an order that could no
/// longer be paid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRefund {
    /// The payment row.
    pub payment_id: i64,
    /// The gateway's idempotency key for the refund.
    pub out_request_no: String,
}

/// Everything one transition writes besides the status, executed in the same transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Effects {
    /// Give the reserved coupon grant back (never a used one).
    pub release_coupon: bool,
    /// Points to give back, with their 订单退还 ledger row.
    pub restore_points: Option<LedgerEntry>,
    /// Courses to grant.
    pub fulfil: Option<Fulfilment>,
    /// The order's pending timeout job is moot.
    pub settle_timeout_job: bool,
    /// Jobs that finish the transition (close the trade, refund a payment).
    pub enqueue: Vec<NewJob>,
    /// A payment to mark `refund_pending`.
    pub refund_payment: Option<PaymentRefund>,
    /// Refunded courses the buyer stops owning.
    pub revoke_courses: Option<Revocation>,
    /// The used coupon grant goes back to the buyer, unused (a full refund inside the
    /// coupon's window).
    pub return_coupon: bool,
    /// Money back to the balance, with its ledger row.
    pub credit_balance: Option<BalanceEntry>,
}

/// Courses a refund takes back from the buyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The buyer.
    pub user: UserId,
    /// The refunded courses.
    pub course_ids: Vec<CourseId>,
}

/// What a transition does to one order: the guarded status change (if any) and its effects.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionPlan {
    /// The order.
    pub order_id: i64,
    /// The status change; `None` when the order keeps its status (a late payment).
    pub change: Option<StatusChange>,
    /// Stamped on the order when it becomes paid.
    pub payment: Option<PaymentStamp>,
    /// The other writes.
    pub effects: Effects,
}

impl TransitionPlan {
    /// Applies the plan's status change to an order held in memory, under the guard the store's
    /// update has (the order must still be in the status the plan was decided from), so that
    /// code driving orders without a database follows the same rules. The other effects are not
    /// this order's to run: they are for the stores of coupons, points, courses and jobs.
    pub fn apply_to(&self, order: &mut LockedOrder) -> Result<(), PlanMismatch> {
        order.status = self.next_status(order.id, order.status)?;
        Ok(())
    }

    /// [`apply_to`](Self::apply_to) for the full order a read returns: its status, and its pay
    /// time when the plan pays it.
    pub fn apply_to_order(&self, order: &mut crate::order::Order) -> Result<(), PlanMismatch> {
        order.status = self.next_status(order.id, order.status)?;
        if let Some(stamp) = &self.payment {
            order.pay_time = Some(stamp.paid_at);
        }
        Ok(())
    }

    fn next_status(&self, order_id: i64, status: OrderStatus) -> Result<OrderStatus, PlanMismatch> {
        if order_id != self.order_id {
            return Err(PlanMismatch::OtherOrder {
                plan: self.order_id,
                order: order_id,
            });
        }
        match self.change {
            None => Ok(status),
            Some(change) if change.from == status => Ok(change.to),
            Some(change) => Err(PlanMismatch::StatusMoved {
                expected: change.from,
                found: status,
            }),
        }
    }
}

/// Why a plan does not apply to an order: the guard a real store's update would fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlanMismatch {
    /// The plan was made for another order.
    #[error("the plan is for order {plan}, not order {order}")]
    OtherOrder {
        /// The plan's order.
        plan: i64,
        /// The order it was applied to.
        order: i64,
    },
    /// The order moved on since the plan was decided (a concurrent change won).
    #[error("the plan expects status {expected:?}, the order is {found:?}")]
    StatusMoved {
        /// The status the plan was decided from.
        expected: OrderStatus,
        /// The status the order has.
        found: OrderStatus,
    },
}

fn change(order: &LockedOrder, to: OrderStatus) -> Option<StatusChange> {
    order.status.can_become(to).then_some(StatusChange {
        from: order.status,
        to,
    })
}

/// The coupon and points an unpaid order held go back.
fn restore_benefits(order: &LockedOrder, remark: String) -> Effects {
    Effects {
        release_coupon: true,
        restore_points: (order.credit > 0).then_some(LedgerEntry {
            user: order.user,
            operation: LedgerOperation::Refunded,
            number: order.credit,
            order_id: Some(order.id),
            remark,
        }),
        ..Effects::default()
    }
}

/// The owner cancels an unpaid order: its benefits come back, its timeout job is moot, and the
/// remote trade is closed so the buyer cannot pay it any more. `Err` carries
/// the status that refused it.
pub fn cancel(order: &LockedOrder, now: DateTime<Utc>) -> Result<TransitionPlan, OrderStatus> {
    let change = change(order, OrderStatus::Cancelled).ok_or(order.status)?;
    let mut effects = restore_benefits(order, format!("订单[{}]取消,退还积分", order.order_number));
    effects.settle_timeout_job = true;
    let channel = Channel::of(order.pay_type);
    if channel.is_remote() {
        effects
            .enqueue
            .push(trade_close_job(channel, order.id, &order.order_number, now));
    }
    Ok(TransitionPlan {
        order_id: order.id,
        change: Some(change),
        payment: None,
        effects,
    })
}

/// The timeout job times an unpaid order out and gives its benefits back; `None` when the
/// order was paid or cancelled meanwhile (the job is moot).
pub fn time_out(order: &LockedOrder) -> Option<TransitionPlan> {
    let change = change(order, OrderStatus::TimedOut)?;
    Some(TransitionPlan {
        order_id: order.id,
        change: Some(change),
        payment: None,
        effects: restore_benefits(
            order,
            format!("订单[{}]超时取消,退还积分", order.order_number),
        ),
    })
}

/// A newly recorded payment: it pays an unpaid order (courses granted, coupon used, timeout
/// job moot), or, when the order can no longer be paid, it is kept as `refund_pending` with a
/// refund job, never dropped.
pub fn pay(
    order: &LockedOrder,
    payment_id: i64,
    stamp: PaymentStamp,
    now: DateTime<Utc>,
) -> TransitionPlan {
    match change(order, OrderStatus::Paid) {
        Some(change) => TransitionPlan {
            order_id: order.id,
            change: Some(change),
            effects: Effects {
                fulfil: Some(Fulfilment {
                    user: order.user,
                    paid_at: stamp.paid_at,
                }),
                settle_timeout_job: true,
                ..Effects::default()
            },
            payment: Some(stamp),
        },
        None => TransitionPlan {
            order_id: order.id,
            change: None,
            payment: None,
            effects: Effects {
                refund_payment: Some(PaymentRefund {
                    payment_id,
                    out_request_no: format!("refund-{}", stamp.trade_no),
                }),
                enqueue: vec![payment_refund_job(stamp.channel, order.id, payment_id, now)],
                ..Effects::default()
            },
        },
    }
}

/// A refund of some of a paid order's lines was granted: the order becomes partly refunded, or
/// refunded once every line is (`all_lines_refunded`); a partly refunded order that stays
/// partly refunded keeps its status and only the effects run. `Err` carries the status that
/// refused it.
pub fn refund(
    order: &LockedOrder,
    all_lines_refunded: bool,
    effects: Effects,
) -> Result<TransitionPlan, OrderStatus> {
    let to = if all_lines_refunded {
        OrderStatus::Refunded
    } else {
        OrderStatus::PartlyRefunded
    };
    let change = if order.status == to && to == OrderStatus::PartlyRefunded {
        None
    } else {
        Some(change(order, to).ok_or(order.status)?)
    };
    Ok(TransitionPlan {
        order_id: order.id,
        change,
        payment: None,
        effects,
    })
}

/// What a new order starts as, decided at checkout: an order that costs nothing is paid and
/// fulfilled at once; any other is unpaid with its timeout job.
#[derive(Debug, Clone, PartialEq)]
pub struct Creation {
    /// The first status.
    pub status: OrderStatus,
    /// Stamped when paid at once.
    pub paid_at: Option<DateTime<Utc>>,
    /// Courses granted at once.
    pub fulfil: Option<Fulfilment>,
    /// The timeout job, committed with the order.
    pub timeout_job: Option<NewJob>,
}

/// See [`Creation`].
pub fn create(
    order_id: i64,
    user: UserId,
    real_price: Decimal,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Creation {
    if real_price.is_zero() {
        Creation {
            status: OrderStatus::Paid,
            paid_at: Some(now),
            fulfil: Some(Fulfilment { user, paid_at: now }),
            timeout_job: None,
        }
    } else {
        Creation {
            status: OrderStatus::Unpaid,
            paid_at: None,
            fulfil: None,
            timeout_job: Some(order_timeout_job(order_id, expires_at)),
        }
    }
}

/// Whether the buyer may still start paying an order at `now`: it must be able to become
/// paid, and not be past its expiry. A pay link and a balance payment both ask this; a
/// gateway payment that arrives anyway is recorded and refunded by [`pay`].
pub fn payable(
    status: OrderStatus,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Unpayable> {
    if !status.can_become(OrderStatus::Paid) {
        return Err(Unpayable::NotUnpaid(status));
    }
    if expires_at <= now {
        return Err(Unpayable::Expired);
    }
    Ok(())
}

/// Why an order cannot be paid any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpayable {
    /// Paid, cancelled or timed out.
    NotUnpaid(OrderStatus),
    /// Past `expires_at`.
    Expired,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    fn order(status: OrderStatus, credit: i32) -> LockedOrder {
        LockedOrder {
            id: 9,
            order_number: "N9".into(),
            user: UserId(3),
            status,
            pay_type: PayType::Alipay,
            real_price: Decimal::new(1999, 2),
            credit,
            created_time: at(0),
            expires_at: at(900),
        }
    }

    fn stamp() -> PaymentStamp {
        PaymentStamp {
            paid_at: at(10),
            trade_no: "T1".into(),
            channel: Channel::Alipay,
        }
    }

    #[test]
    fn unpaid_orders_settle_and_paid_orders_are_refunded() {
        use OrderStatus::*;
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let allowed = match from {
                    Unpaid => matches!(to, Paid | Cancelled | TimedOut),
                    Paid => matches!(to, PartlyRefunded | Refunded),
                    PartlyRefunded => to == Refunded,
                    Cancelled | TimedOut | Refunded => false,
                };
                assert_eq!(from.can_become(to), allowed, "{from:?} -> {to:?}");
            }
            assert_eq!(
                from.is_final(),
                matches!(from, Cancelled | TimedOut | Refunded)
            );
            assert_eq!(from.may_be_hidden(), from.is_final());
            assert_eq!(from.refundable(), matches!(from, Paid | PartlyRefunded));
        }
    }

    #[test]
    fn refunds_move_paid_orders_to_partly_then_fully_refunded() {
        let paid = order(OrderStatus::Paid, 0);
        let partly = refund(&paid, false, Effects::default()).unwrap();
        assert_eq!(partly.change.unwrap().to, OrderStatus::PartlyRefunded);
        let full = refund(&paid, true, Effects::default()).unwrap();
        assert_eq!(full.change.unwrap().to, OrderStatus::Refunded);
        let mut again = order(OrderStatus::PartlyRefunded, 0);
        assert_eq!(
            refund(&again, false, Effects::default()).unwrap().change,
            None
        );
        assert_eq!(
            refund(&again, true, Effects::default()).unwrap().change,
            Some(StatusChange {
                from: OrderStatus::PartlyRefunded,
                to: OrderStatus::Refunded
            })
        );
        for status in [
            OrderStatus::Unpaid,
            OrderStatus::Cancelled,
            OrderStatus::Refunded,
        ] {
            again.status = status;
            assert_eq!(refund(&again, true, Effects::default()), Err(status));
        }
    }

    #[test]
    fn codes_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(OrderStatus::from_code(6), None);
    }

    #[test]
    fn cancel_restores_benefits_settles_the_timeout_and_closes_the_trade() {
        let plan = cancel(&order(OrderStatus::Unpaid, 50), at(5)).unwrap();
        assert_eq!(
            plan.change,
            Some(StatusChange {
                from: OrderStatus::Unpaid,
                to: OrderStatus::Cancelled
            })
        );
        assert!(plan.effects.release_coupon && plan.effects.settle_timeout_job);
        let points = plan.effects.restore_points.unwrap();
        assert_eq!(
            (points.number, points.operation),
            (50, LedgerOperation::Refunded)
        );
        assert_eq!(points.remark, "订单[N9]取消,退还积分");
        assert_eq!(plan.effects.enqueue.len(), 1);
        assert_eq!(plan.effects.enqueue[0].kind, crate::jobs::TRADE_CLOSE);
        assert!(plan.effects.fulfil.is_none());
    }

    #[test]
    fn cancel_of_a_settled_order_is_refused_with_its_status() {
        for status in [
            OrderStatus::Paid,
            OrderStatus::Cancelled,
            OrderStatus::TimedOut,
        ] {
            assert_eq!(cancel(&order(status, 0), at(5)), Err(status));
        }
    }

    #[test]
    fn timeout_restores_benefits_without_points_when_none_were_spent() {
        let plan = time_out(&order(OrderStatus::Unpaid, 0)).unwrap();
        assert_eq!(plan.change.unwrap().to, OrderStatus::TimedOut);
        assert!(plan.effects.release_coupon);
        assert!(plan.effects.restore_points.is_none());
        assert!(plan.effects.enqueue.is_empty());
        assert!(time_out(&order(OrderStatus::Paid, 0)).is_none());
    }

    #[test]
    fn payment_of_an_unpaid_order_fulfils() {
        let plan = pay(&order(OrderStatus::Unpaid, 0), 4, stamp(), at(11));
        assert_eq!(plan.change.unwrap().to, OrderStatus::Paid);
        assert_eq!(plan.payment, Some(stamp()));
        assert_eq!(plan.effects.fulfil.unwrap().user, UserId(3));
        assert!(plan.effects.settle_timeout_job);
        assert!(plan.effects.refund_payment.is_none());
    }

    #[test]
    fn late_payment_is_refunded_never_dropped() {
        for status in [
            OrderStatus::Paid,
            OrderStatus::Cancelled,
            OrderStatus::TimedOut,
        ] {
            let plan = pay(&order(status, 0), 4, stamp(), at(11));
            assert_eq!(plan.change, None);
            assert!(plan.effects.fulfil.is_none());
            assert_eq!(
                plan.effects.refund_payment,
                Some(PaymentRefund {
                    payment_id: 4,
                    out_request_no: "refund-T1".into()
                })
            );
            assert_eq!(plan.effects.enqueue[0].kind, crate::jobs::TRADE_REFUND);
        }
    }

    #[test]
    fn free_orders_are_paid_at_creation_others_get_a_timeout_job() {
        let free = create(1, UserId(2), Decimal::ZERO, at(0), at(900));
        assert_eq!(free.status, OrderStatus::Paid);
        assert!(free.fulfil.is_some() && free.timeout_job.is_none());
        let paid = create(1, UserId(2), Decimal::ONE, at(0), at(900));
        assert_eq!(paid.status, OrderStatus::Unpaid);
        let job = paid.timeout_job.unwrap();
        assert_eq!(
            (job.kind.as_str(), job.run_at),
            (crate::jobs::ORDER_TIMEOUT, at(900))
        );
    }

    #[test]
    fn paying_needs_an_unpaid_unexpired_order() {
        assert_eq!(payable(OrderStatus::Unpaid, at(900), at(10)), Ok(()));
        assert_eq!(
            payable(OrderStatus::Unpaid, at(900), at(900)),
            Err(Unpayable::Expired)
        );
        assert_eq!(
            payable(OrderStatus::Cancelled, at(900), at(10)),
            Err(Unpayable::NotUnpaid(OrderStatus::Cancelled))
        );
    }

    #[derive(Debug, Clone, Copy)]
    enum Event {
        Cancel,
        TimeOut,
        Pay,
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![Just(Event::Cancel), Just(Event::TimeOut), Just(Event::Pay)]
    }

    proptest! {
        /// Applying any sequence of events: the first one that changes the status is the only
        /// one, nothing ever leaves a final status, and benefits are restored at most once.
        #[test]
        fn no_sequence_leaves_a_final_status(events in proptest::collection::vec(event(), 1..12)) {
            let mut current = order(OrderStatus::Unpaid, 30);
            let mut changes = 0;
            let mut restored = 0;
            for (i, e) in events.iter().enumerate() {
                let plan = match e {
                    Event::Cancel => cancel(&current, at(1)).ok(),
                    Event::TimeOut => time_out(&current),
                    Event::Pay => Some(pay(&current, i as i64, stamp(), at(1))),
                };
                let Some(plan) = plan else { continue };
                if let Some(change) = plan.change {
                    prop_assert_eq!(change.from, current.status);
                    prop_assert!(!current.status.is_final());
                    current.status = change.to;
                    changes += 1;
                }
                if plan.effects.restore_points.is_some() || plan.effects.release_coupon {
                    restored += 1;
                }
                if plan.change.is_none() {
                    // Only a late payment plans without a status change, and it restores nothing.
                    prop_assert!(plan.effects.refund_payment.is_some());
                    prop_assert!(!plan.effects.release_coupon);
                }
            }
            prop_assert!(changes <= 1);
            prop_assert!(restored <= 1);
        }
    }
}
