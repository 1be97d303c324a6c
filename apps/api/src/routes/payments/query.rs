//! `GET /payments/alipay/query/{order_number}/`: the owner asks whether the order is paid; we
//! ask the gateway and fulfil if it is.

use actix_web::{web, HttpResponse};
use luffy_order::{Channel, OrderStatus, PaymentOutcome};

use super::confirm_with_gateway;
use crate::auth::AuthUser;
use crate::dto::message::Message;
use crate::error::ApiError;
use crate::state::AppState;

/// 200 `当前订单已支付!` or 400 `当前订单未支付!`; 503 when the gateway cannot tell.
pub async fn query_payment(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let order = super::owners_order(&state, caller.id, &path).await?;
    if order.status == OrderStatus::Paid {
        return Ok(paid());
    }
    ask_the_channel(&state, &order).await
}

/// `当前订单已支付!`.
pub fn paid() -> HttpResponse {
    HttpResponse::Ok().json(Message::new("当前订单已支付!"))
}

/// Asks the order's channel and answers the owner: 200 when the payment is (now) recorded
/// and the order was payable, 400 `订单超时或已取消,款项将原路退回!` when it arrived too late,
/// 400 `当前订单未支付!` or 503 from [`confirm_with_gateway`].
pub async fn ask_the_channel(
    state: &AppState,
    order: &luffy_order::Order,
) -> Result<HttpResponse, ApiError> {
    match confirm_with_gateway(state, Channel::of(order.pay_type), &order.order_number).await? {
        PaymentOutcome::Fulfilled { .. } | PaymentOutcome::AlreadyRecorded { .. }
            if order.status != OrderStatus::Cancelled && order.status != OrderStatus::TimedOut =>
        {
            Ok(paid())
        }
        _ => Err(ApiError::bad_request("订单超时或已取消,款项将原路退回!")),
    }
}
