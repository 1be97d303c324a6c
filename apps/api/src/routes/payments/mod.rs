//! Payments (SPEC 2.7, 3): the Alipay pay link, the synchronous return, the owner's active
//! query, the asynchronous notify, and balance payment.

pub mod balance;
pub mod notify;
pub mod pay_link;
pub mod query;
pub mod result;

use luffy_order::{PaymentOutcome, QueriedTrade};
use luffy_payment_alipay::TradeQuery;

use crate::error::ApiError;
use crate::state::AppState;

/// The caller's order by number; someone else's looks missing (404).
pub async fn callers_order(
    state: &AppState,
    caller: &crate::auth::AuthUser,
    number: &str,
) -> Result<luffy_order::Order, ApiError> {
    state
        .orders
        .find_by_number(Some(caller.id), number)
        .await?
        .ok_or_else(|| ApiError::NotFound("订单不存在!".into()))
}

/// One log line per recorded payment: INFO when it paid the order, WARN when it was late and
/// its refund job was enqueued (in the same transaction).
pub fn log_payment_outcome(state: &AppState, order_number: &str, outcome: &PaymentOutcome) {
    match outcome {
        PaymentOutcome::Fulfilled(paid) => {
            tracing::info!(order = %order_number, order_id = paid.order_id, channel = "alipay", "order paid");
            state.business.order_paid(paid);
        }
        PaymentOutcome::AlreadyRecorded { .. } => {
            tracing::debug!(order = %order_number, "payment already recorded");
        }
        PaymentOutcome::RefundPending {
            order_id,
            payment_id,
        } => {
            tracing::warn!(order = %order_number, order_id, payment_id, "late payment recorded; refund job enqueued");
        }
    }
}

/// Fulfils from a verified trade query (return and active query share it).
pub async fn fulfil_from_query(
    state: &AppState,
    trade: &TradeQuery,
) -> Result<PaymentOutcome, ApiError> {
    let outcome = state
        .payments
        .record_queried(QueriedTrade {
            order_number: trade.out_trade_no.clone(),
            trade_no: trade.trade_no.clone(),
            amount: trade.total_amount,
            payload: trade.raw.clone(),
        })
        .await?;
    log_payment_outcome(state, &trade.out_trade_no, &outcome);
    Ok(outcome)
}
