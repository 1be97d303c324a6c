//! `GET /payments/alipay/result/?<return params>`: where the buyer's browser lands after paying.
//! The return is verified, then the trade is actively queried: a return alone proves nothing.

use actix_web::{web, HttpRequest, HttpResponse};
use luffy_order::Channel;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::confirm_with_gateway;
use crate::dto::money;
use crate::dto::time::store_time;
use crate::error::ApiError;
use crate::state::AppState;

/// A course the payment bought.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ResultCourse)]
pub struct PaidCourseView {
    /// Course id.
    id: i64,
    /// Name.
    name: String,
    /// Absolute URL.
    course_cover: String,
}

/// The paid order, as the tutorial's success page reads it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PaymentResult)]
pub struct PaymentResultView {
    /// Store time.
    pay_time: String,
    /// Paid.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    real_price: Decimal,
    /// The courses.
    course_list: Vec<PaidCourseView>,
}

/// `{pay_time, real_price, course_list}` once the trade is confirmed paid.
pub async fn alipay_result(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let gateway = super::gateway(&state, Channel::Alipay)?;
    let returned = gateway
        .verify_return(&super::notify::channel_request(&req, &[]))
        .map_err(|_| ApiError::bad_request("通知结果不存在!"))?;
    if !state.payments.is_our_app(Channel::Alipay, &returned.app_id) {
        return Err(ApiError::bad_request("通知结果不存在!"));
    }
    let returned_number = returned.order_number;
    let order = state
        .orders
        .find_by_number(None, &returned_number)
        .await?
        .ok_or_else(|| ApiError::bad_request("订单不存在!"))?;
    if order.pay_time.is_none() {
        confirm_with_gateway(&state, Channel::Alipay, &returned_number).await?;
    }
    let order = state
        .orders
        .find_by_number(None, &returned_number)
        .await?
        .ok_or_else(|| ApiError::bad_request("订单不存在!"))?;
    paid_order_answer(&state, &req, &order)
}

/// A paid order as the success page reads it: HTML for a browser, JSON otherwise; 400 when
/// the order is not paid (timed out or cancelled).
pub fn paid_order_answer(
    state: &AppState,
    req: &HttpRequest,
    order: &luffy_order::Order,
) -> Result<HttpResponse, ApiError> {
    let Some(pay_time) = order.pay_time else {
        return Err(ApiError::bad_request("订单超时或已取消!"));
    };
    if wants_html(req) {
        return Ok(paid_page(
            state,
            order,
            &store_time(pay_time, state.timezone),
        ));
    }
    Ok(HttpResponse::Ok().json(PaymentResultView {
        pay_time: store_time(pay_time, state.timezone),
        real_price: order.real_price,
        course_list: order
            .lines
            .iter()
            .map(|line| PaidCourseView {
                id: line.course_id.get(),
                name: line.course_name.clone(),
                course_cover: crate::dto::media::media_url(
                    state.settings.public_base(),
                    &line.course_cover,
                ),
            })
            .collect(),
    }))
}

/// Whether the caller is a browser (its `Accept` names `text/html`); API clients get JSON.
fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A small 支付成功 page for a buyer's browser: the order number, the courses, the amount and a
/// link back to the store's web client (the first allowed origin).
fn paid_page(state: &AppState, order: &luffy_order::Order, pay_time: &str) -> HttpResponse {
    let courses: String = order
        .lines
        .iter()
        .map(|line| format!("<li>{}</li>", escape(&line.course_name)))
        .collect();
    let back = state
        .settings
        .cors_origin_list()
        .into_iter()
        .find(|origin| origin != "*")
        .unwrap_or_else(|| state.settings.public_base().to_owned());
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>支付成功</title>\
         <style>body{{font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}}\
         .box{{border:1px solid #52c41a;border-radius:8px;padding:1.5rem}}h1{{color:#52c41a}}</style>\
         </head><body><div class=\"box\"><h1>支付成功</h1>\
         <p>订单号: <strong id=\"order-number\">{number}</strong></p>\
         <p>支付金额: <strong id=\"amount\">￥{amount}</strong></p><p>支付时间: {pay_time}</p>\
         <p>购买的课程:</p><ul id=\"courses\">{courses}</ul>\
         <p><a id=\"back\" href=\"{back}\">返回商城</a></p></div></body></html>",
        number = escape(&order.order_number),
        amount = order.real_price,
        pay_time = escape(pay_time),
        back = escape(&back),
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}
