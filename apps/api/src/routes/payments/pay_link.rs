//! `GET /payments/alipay/{order_number}/`: the signed page-pay link for an unpaid, unexpired
//! order of the caller.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use luffy_order::OrderStatus;
use luffy_payment_alipay::PagePay;
use serde_json::json;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// `time_expire` is the order's expiry, so the gateway itself refuses late payment.
pub async fn pay_link(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let order = super::callers_order(&state, &caller, &path).await?;
    if order.status != OrderStatus::Unpaid {
        return Err(ApiError::bad_request(format!(
            "订单{},无法支付!",
            order.status.display_name()
        )));
    }
    let now = Utc::now();
    if order.expires_at <= now {
        return Err(ApiError::bad_request("订单超时或已取消!"));
    }
    // Before the link leaves: the timeout job must know a remote trade may exist.
    state.orders.mark_pay_link_issued(order.id).await?;
    let link = state
        .alipay
        .page_pay_url(
            &PagePay {
                out_trade_no: order.order_number.clone(),
                total_amount: order.real_price,
                subject: order.name.clone(),
                time_expire: order.expires_at,
            },
            now,
        )
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("signing the pay link: {e}")))?;
    Ok(HttpResponse::Ok()
        .json(json!({"pay_type": 0, "get_pay_type_display": "支付宝", "link": link})))
}
