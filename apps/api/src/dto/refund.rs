//! A refund as buyers and operators see it: the buyer's order item carries these, the refund
//! routes answer them.

use luffy_order::Refund;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::dto::money;
use crate::dto::time::store_time;

/// One refund.
#[derive(Debug, Serialize)]
pub struct RefundView {
    id: i64,
    order_id: i64,
    order_number: String,
    status: &'static str,
    status_display: &'static str,
    #[serde(with = "money::number")]
    amount: Decimal,
    points: i32,
    course_ids: Vec<i64>,
    channel: &'static str,
    out_request_no: String,
    reason: String,
    review_note: String,
    by_operator: bool,
    last_error: Option<String>,
    created_time: String,
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
