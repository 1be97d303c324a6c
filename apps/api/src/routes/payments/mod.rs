//! Payments (SPEC 2.7, 3): the Alipay pay link, the synchronous return, the owner's active
//! query, the asynchronous notify, and balance payment.

pub mod balance;
pub mod notify;
pub mod pay_link;
pub mod query;
pub mod result;

use luffy_order::{GatewayCheck, PaymentOutcome};

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

/// Asks the gateway about the order's trade and records a paid one (the return and the
/// active query share it): 400 `当前订单未支付!` when nothing was paid, 503 when the gateway
/// cannot tell.
pub async fn confirm_with_gateway(
    state: &AppState,
    order_number: &str,
) -> Result<PaymentOutcome, ApiError> {
    match state
        .payments
        .check_with_gateway(&state.gateway, order_number)
        .await?
    {
        GatewayCheck::Recorded(outcome) => {
            log_payment_outcome(state, order_number, &outcome);
            Ok(outcome)
        }
        GatewayCheck::NotPaid => Err(ApiError::bad_request("当前订单未支付!")),
        GatewayCheck::Unknown(error) => Err(ApiError::Unavailable(anyhow::anyhow!(
            "Alipay gateway: {error}"
        ))),
    }
}
