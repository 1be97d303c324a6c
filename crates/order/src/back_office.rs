//! What operators read about orders: a filtered, ordered search over every buyer's orders, and
//! one order's dossier (buyer, payments, jobs) with its timeline, derived from the times the
//! order, its payments and its jobs record.

use chrono::{DateTime, Utc};
use luffy_common::{PageRequest, UserId};
use rust_decimal::Decimal;

use crate::lifecycle::OrderStatus;
use crate::order::Order;
use crate::status::PayType;

/// How a search is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderOrdering {
    /// `-created_time`: newest first (the default).
    #[default]
    Newest,
    /// `created_time`.
    Oldest,
    /// `-real_price`.
    PriceHighFirst,
    /// `real_price`.
    PriceLowFirst,
}

impl OrderOrdering {
    /// Parses the query value (DRF style).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "-created_time" => Some(Self::Newest),
            "created_time" => Some(Self::Oldest),
            "-real_price" => Some(Self::PriceHighFirst),
            "real_price" => Some(Self::PriceLowFirst),
            _ => None,
        }
    }
}

/// Which orders an operator looks for; every filter is optional.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrderFilter {
    /// Part of the order number.
    pub number: Option<String>,
    /// The buyer.
    pub user: Option<UserId>,
    /// The status.
    pub status: Option<OrderStatus>,
    /// The pay type.
    pub pay_type: Option<PayType>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    /// `real_price` at least.
    pub min: Option<Decimal>,
    /// `real_price` at most.
    pub max: Option<Decimal>,
    /// The order of the results.
    pub ordering: OrderOrdering,
}

/// A search: the filter and the page.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderSearch {
    /// What to find.
    pub filter: OrderFilter,
    /// Which page.
    pub page: PageRequest,
}

/// A payment recorded for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPayment {
    /// Id.
    pub id: i64,
    /// alipay or balance.
    pub channel: String,
    /// The gateway trade number.
    pub trade_no: String,
    /// The amount.
    pub amount: Decimal,
    /// paid, refund_pending or refunded.
    pub status: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// When its status last changed.
    pub updated_at: DateTime<Utc>,
}

/// A job of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderJob {
    /// Id.
    pub id: i64,
    /// order_timeout, trade_close or trade_refund.
    pub kind: String,
    /// pending, running, done or dead.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its status last changed.
    pub updated_at: DateTime<Utc>,
}

/// Everything operators see of one order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDossier {
    /// The order with its lines and coupon.
    pub order: Order,
    /// The buyer's username.
    pub username: String,
    /// The buyer's mobile.
    pub mobile: String,
    /// When the first pay link was issued.
    pub pay_link_at: Option<DateTime<Utc>>,
    /// When the buyer hid it.
    pub hidden_at: Option<DateTime<Utc>>,
    /// When the order row last changed.
    pub updated_at: DateTime<Utc>,
    /// Its payments, oldest first.
    pub payments: Vec<OrderPayment>,
    /// Its jobs, oldest first.
    pub jobs: Vec<OrderJob>,
}

/// One day's business, for the operators' dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayFigures {
    /// The day in the store timezone (`YYYY-MM-DD`).
    pub day: String,
    /// Orders created that day.
    pub orders: i64,
    /// What was paid that day.
    pub revenue: Decimal,
    /// The same, by the channel that took the money (Alipay, WeChat, the balance).
    pub revenue_by_channel: Vec<(crate::channel::Channel, Decimal)>,
    /// What was refunded that day (refunds done).
    pub refunded: Decimal,
}

/// One step of an order's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// What happened, in the tutorial's words.
    pub what: String,
}

/// The order's life in time order: created, pay link, each payment and what became of it,
/// paid, cancelled or timed out, hidden.
pub fn timeline(dossier: &OrderDossier) -> Vec<TimelineEvent> {
    let order = &dossier.order;
    let mut events = vec![TimelineEvent {
        at: order.created_time,
        what: format!("下单,应付¥{:.2}", order.real_price),
    }];
    if let Some(at) = dossier.pay_link_at {
        events.push(TimelineEvent {
            at,
            what: "发起支付宝支付".into(),
        });
    }
    for payment in &dossier.payments {
        events.push(TimelineEvent {
            at: payment.recorded_at,
            what: format!(
                "收到{}付款¥{:.2}({})",
                if payment.channel == "balance" {
                    "余额"
                } else {
                    "支付宝"
                },
                payment.amount,
                payment.trade_no
            ),
        });
        let after = match payment.status.as_str() {
            "refund_pending" => Some("订单已无法支付,款项待原路退回"),
            "refunded" => Some("款项已原路退回"),
            _ => None,
        };
        if let Some(what) = after {
            events.push(TimelineEvent {
                at: payment.updated_at,
                what: what.into(),
            });
        }
    }
    if let Some(at) = order.pay_time {
        events.push(TimelineEvent {
            at,
            what: "支付成功,课程已开通".into(),
        });
    }
    let close_job_time = || {
        dossier
            .jobs
            .iter()
            .find(|j| crate::jobs::is_trade_close(&j.kind))
            .map(|j| (j.created_at, j.updated_at))
    };
    match order.status {
        OrderStatus::Cancelled => events.push(TimelineEvent {
            at: close_job_time().map_or(dossier.updated_at, |(c, _)| c),
            what: "用户取消订单,优惠券和积分已退还".into(),
        }),
        OrderStatus::TimedOut => events.push(TimelineEvent {
            at: dossier.updated_at,
            what: "订单超时取消,优惠券和积分已退还".into(),
        }),
        OrderStatus::Unpaid
        | OrderStatus::Paid
        | OrderStatus::PartlyRefunded
        | OrderStatus::Refunded => {}
    }
    for refund in &order.refunds {
        let who = if refund.by_operator {
            "运营发起退款"
        } else {
            "用户申请退款"
        };
        events.push(TimelineEvent {
            at: refund.created_time,
            what: format!(
                "{who}[{}]¥{:.2},积分{}",
                refund.out_request_no, refund.amount, refund.points
            ),
        });
        if refund.status != crate::refund::RefundStatus::Requested {
            events.push(TimelineEvent {
                at: refund.updated_time,
                what: format!(
                    "退款[{}]{}",
                    refund.out_request_no,
                    refund.status.display_name()
                ),
            });
        }
    }
    if let Some(at) = dossier.hidden_at {
        events.push(TimelineEvent {
            at,
            what: "用户删除订单(已隐藏)".into(),
        });
    }
    // In time order to the second (what operators see); within a second the steps keep their
    // causal order (a payment is recorded a moment after the instant it stamps on the order).
    events.sort_by_key(|e| e.at.timestamp());
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::at;
    use luffy_common::UserId;

    fn dossier(status: OrderStatus) -> OrderDossier {
        OrderDossier {
            order: Order {
                id: 1,
                order_number: "N1".into(),
                user: UserId(3),
                name: "购买课程".into(),
                status,
                pay_type: PayType::Alipay,
                total_price: Decimal::TEN,
                real_price: Decimal::TEN,
                credit: 0,
                pay_time: None,
                created_time: at(0),
                expires_at: at(900),
                lines: Vec::new(),
                coupon: None,
                refunds: Vec::new(),
            },
            username: "luffy".into(),
            mobile: "13800000001".into(),
            pay_link_at: Some(at(5)),
            hidden_at: None,
            updated_at: at(40),
            payments: Vec::new(),
            jobs: Vec::new(),
        }
    }

    fn whats(events: &[TimelineEvent]) -> Vec<&str> {
        events.iter().map(|e| e.what.as_str()).collect()
    }

    #[test]
    fn a_cancelled_order_paid_late_shows_the_refund_after_the_cancel() {
        let mut d = dossier(OrderStatus::Cancelled);
        d.jobs.push(OrderJob {
            id: 1,
            kind: crate::jobs::TRADE_CLOSE.into(),
            status: "done".into(),
            attempts: 1,
            last_error: None,
            created_at: at(30),
            updated_at: at(31),
        });
        d.payments.push(OrderPayment {
            id: 1,
            channel: "alipay".into(),
            trade_no: "T1".into(),
            amount: Decimal::TEN,
            status: "refunded".into(),
            recorded_at: at(60),
            updated_at: at(70),
        });
        d.hidden_at = Some(at(80));
        assert_eq!(
            whats(&timeline(&d)),
            vec![
                "下单,应付¥10.00",
                "发起支付宝支付",
                "用户取消订单,优惠券和积分已退还",
                "收到支付宝付款¥10.00(T1)",
                "款项已原路退回",
                "用户删除订单(已隐藏)",
            ]
        );
    }

    #[test]
    fn orderings_parse_like_drf() {
        assert_eq!(
            OrderOrdering::parse("-created_time"),
            Some(OrderOrdering::Newest)
        );
        assert_eq!(
            OrderOrdering::parse("real_price"),
            Some(OrderOrdering::PriceLowFirst)
        );
        assert_eq!(OrderOrdering::parse("name"), None);
    }
}
