//! Payments (SPEC 2.7, 3): Alipay's pay link and synchronous return, WeChat Pay's code and
//! cashier, the owners' active queries, every channel's notify (one route through the
//! channel's adapter), and balance payment.

pub mod balance;
pub mod notify;
pub mod pay_link;
pub mod query;
pub mod result;
pub mod wechat;

use luffy_order::{Channel, GatewayCheck, PaymentGateway, PaymentOutcome};

use crate::error::ApiError;
use crate::state::AppState;

/// The owner's order by number; someone else's looks missing (404).
pub async fn owners_order(
    state: &AppState,
    owner: luffy_common::UserId,
    number: &str,
) -> Result<luffy_order::Order, ApiError> {
    state
        .orders
        .find_by_number(Some(owner), number)
        .await?
        .ok_or_else(|| ApiError::NotFound("订单不存在!".into()))
}

/// A configured channel's adapter; an unconfigured channel is not served (404).
pub fn gateway(state: &AppState, channel: Channel) -> Result<&dyn PaymentGateway, ApiError> {
    state
        .gateways
        .get(channel)
        .ok_or_else(|| ApiError::NotFound(format!("{}支付未开通!", channel.display_name())))
}

/// One log line per recorded payment: INFO when it paid the order, WARN when it was late and
/// its refund job was enqueued (in the same transaction).
pub fn log_payment_outcome(
    state: &AppState,
    channel: Channel,
    order_number: &str,
    outcome: &PaymentOutcome,
) {
    match outcome {
        PaymentOutcome::Fulfilled(paid) => {
            tracing::info!(order = %order_number, order_id = paid.order_id, %channel, "order paid");
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
    channel: Channel,
    order_number: &str,
) -> Result<PaymentOutcome, ApiError> {
    let gateway = gateway(state, channel)?;
    match state
        .payments
        .check_with_gateway(gateway, order_number)
        .await?
    {
        GatewayCheck::Recorded(outcome) => {
            log_payment_outcome(state, channel, order_number, &outcome);
            Ok(outcome)
        }
        GatewayCheck::NotPaid => Err(ApiError::bad_request("当前订单未支付!")),
        GatewayCheck::Unknown(error) => Err(ApiError::Unavailable(anyhow::anyhow!(
            "{channel} gateway: {error}"
        ))),
    }
}
