//! A refund as buyers and operators see it: the buyer's order item carries these, the refund
//! routes answer them.

use luffy_order::Refund;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::money;
use crate::dto::time::store_time;

/// One refund.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Refund)]
pub struct RefundView {
    /// Id.
    id: i64,
    /// The order.
    order_id: i64,
    /// Its number.
    order_number: String,
    /// requested, approved, refunding, refunded, rejected, cancelled or failed.
    status: &'static str,
    /// 待审核, 已同意, 退款中, 已退款, 已拒绝, 已撤销 or 退款失败.
    status_display: &'static str,
    /// Money back: what the buyer paid for these lines.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    amount: Decimal,
    /// Points back.
    points: i32,
    /// The refunded courses.
    course_ids: Vec<i64>,
    /// alipay or balance: how the money goes back.
    channel: &'static str,
    /// The gateway's idempotency key (`<order number>R<nn>`).
    out_request_no: String,
    /// Why it was asked for.
    reason: String,
    /// The operator's note (a rejection's reason).
    review_note: String,
    /// Whether an operator started it.
    by_operator: bool,
    /// The gateway's last error, if any.
    last_error: Option<String>,
    /// Store time.
    created_time: String,
    /// Store time.
    updated_time: String,
}

impl RefundView {
    /// Renders a refund in the store timezone.
    pub fn new(refund: &Refund, timezone: chrono_tz::Tz) -> Self {
        Self {
            id: refund.id,
            order_id: refund.order_id,
            order_number: refund.order_number.clone(),
            status: refund.status.as_str(),
            status_display: refund.status.display_name(),
            amount: refund.amount,
            points: refund.points,
            course_ids: refund.course_ids.iter().map(|c| c.get()).collect(),
            channel: refund.channel.as_str(),
            out_request_no: refund.out_request_no.clone(),
            reason: refund.reason.clone(),
            review_note: refund.review_note.clone(),
            by_operator: refund.by_operator,
            last_error: refund.last_error.clone(),
            created_time: store_time(refund.created_time, timezone),
            updated_time: store_time(refund.updated_time, timezone),
        }
    }
}
