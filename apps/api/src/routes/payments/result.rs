//! `GET /payments/alipay/result/?<return params>`: where the buyer's browser lands after paying.
//! The return is verified, then the trade is actively queried: a return alone proves nothing.

use actix_web::{web, HttpRequest, HttpResponse};
use luffy_payment_alipay::form::parse_form;
use luffy_payment_alipay::verify_return;
use serde_json::json;

use super::fulfil_from_query;
use crate::dto::time::store_time;
use crate::error::ApiError;
use crate::state::AppState;

/// `{pay_time, real_price, course_list}` once the trade is confirmed paid.
pub async fn alipay_result(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = parse_form(req.query_string().as_bytes())
        .map_err(|_| ApiError::bad_request("通知结果不存在!"))?;
    let returned = verify_return(&params, &state.alipay.config().alipay_public_key)
        .map_err(|_| ApiError::bad_request("通知结果不存在!"))?;
    if returned.app_id != state.alipay.config().app_id {
        return Err(ApiError::bad_request("通知结果不存在!"));
    }
    let order = state
        .orders
        .find_by_number(None, &returned.out_trade_no)
        .await?
        .ok_or_else(|| ApiError::bad_request("订单不存在!"))?;
    if order.pay_time.is_none() {
        let trade = state.alipay.trade_query(&returned.out_trade_no).await?;
        if !trade.trade_status.is_paid() {
            return Err(ApiError::bad_request("当前订单未支付!"));
        }
        fulfil_from_query(&state, &trade).await?;
    }
    let order = state
        .orders
        .find_by_number(None, &returned.out_trade_no)
        .await?
        .ok_or_else(|| ApiError::bad_request("订单不存在!"))?;
    let Some(pay_time) = order.pay_time else {
        return Err(ApiError::bad_request("订单超时或已取消!"));
    };
    let real_price: f64 = order.real_price.try_into().unwrap_or_default();
    Ok(HttpResponse::Ok().json(json!({
        "pay_time": store_time(pay_time, state.timezone),
        "real_price": real_price,
        "course_list": order.lines.iter().map(|l| json!({
            "id": l.course_id.get(),
            "name": l.course_name,
            "course_cover": crate::dto::media::media_url(state.settings.public_base(), &l.course_cover),
        })).collect::<Vec<_>>(),
    })))
}
