//! WeChat Pay (Native): the buyer's code and cashier page, the owner's query, the paid page,
//! and the notify.
//!
//! `GET /payments/wechat/{order_number}/` (owner) starts the payment and answers
//! `{code_url, expires_at, cashier}`; `cashier` is a luffy page that shows the code as a QR
//! image (drawn here as SVG), the amount and a countdown, and polls
//! `GET /payments/wechat/query/{order_number}/` until the order is paid, then opens the
//! paid page. A web client opens `cashier` exactly as it opens an Alipay link: the page is
//! authorised by a signed token in its URL, valid until the order's deadline.

use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use luffy_common::UserId;
use luffy_order::{Channel, PayType, PaymentStart};
use qrcode::render::svg;
use qrcode::QrCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::result::escape;
use crate::auth::AuthUser;
use crate::dto::time::store_time;
use crate::error::ApiError;
use crate::state::AppState;

/// A started WeChat payment.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = WechatPayment)]
pub struct WechatPaymentView {
    /// 1.
    pay_type: i16,
    /// 微信.
    get_pay_type_display: &'static str,
    /// What the buyer scans with WeChat (`weixin://...`; the sandbox's scan page in
    /// development).
    code_url: String,
    /// When the order (and the code) expires, store time.
    expires_at: String,
    /// The cashier page to open: the QR code, the amount, a countdown; it goes to the paid
    /// page once paid.
    cashier: String,
}

/// The cashier token in a cashier, query or result URL.
#[derive(Debug, Deserialize)]
pub struct CashierToken {
    /// The signed token.
    t: Option<String>,
}

/// Starts the payment at WeChat (`time_expire` = the order's deadline) for the owner.
pub async fn start(
    state: Data<AppState>,
    caller: AuthUser,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let gateway = super::gateway(&state, Channel::Wechat)?;
    let started = state
        .orders
        .start_payment(caller.id, &path, gateway)
        .await?;
    let PaymentStart::Code(code_url) = started.start else {
        return Err(ApiError::Unexpected(anyhow::anyhow!(
            "the WeChat adapter answered without a code"
        )));
    };
    let order = &started.order;
    let token = state
        .tokens
        .cashier_token(caller.id, &order.order_number, &code_url, order.expires_at)
        .map_err(ApiError::Unexpected)?;
    Ok(HttpResponse::Ok().json(WechatPaymentView {
        pay_type: PayType::Wechat.code(),
        get_pay_type_display: PayType::Wechat.display_name(),
        expires_at: store_time(order.expires_at, state.timezone),
        cashier: format!(
            "{}/payments/wechat/cashier/{}/?t={token}",
            state.settings.public_base(),
            order.order_number
        ),
        code_url,
    }))
}

/// The owner: the caller's login token, or the cashier token of this very order.
fn owner(
    state: &AppState,
    caller: Option<AuthUser>,
    token: &CashierToken,
    number: &str,
) -> Result<UserId, ApiError> {
    if let Some(caller) = caller {
        return Ok(caller.id);
    }
    token
        .t
        .as_deref()
        .and_then(|t| state.tokens.verify_cashier(t, number))
        .map(|claims| UserId(claims.owner))
        .ok_or_else(|| ApiError::Unauthorized("身份认证信息未提供或已过期!".into()))
}

/// `GET /payments/wechat/query/{order_number}/`: 200 `当前订单已支付!` or 400 `当前订单未支付!`
/// (503 when WeChat cannot tell), for the owner (login token or cashier token).
pub async fn query(
    state: Data<AppState>,
    caller: Option<AuthUser>,
    token: Query<CashierToken>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&state, caller, &token, &path)?;
    let order = super::owners_order(&state, owner, &path).await?;
    if order.pay_time.is_some() {
        return Ok(super::query::paid());
    }
    if Channel::of(order.pay_type) != Channel::Wechat {
        return Err(ApiError::bad_request("请使用下单时选择的支付方式查询!"));
    }
    super::query::ask_the_channel(&state, &order).await
}

/// The code as an SVG QR image.
fn qr_svg(code_url: &str) -> Result<String, ApiError> {
    let code = QrCode::new(code_url.as_bytes())
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("drawing the QR code: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build())
}

/// `GET /payments/wechat/cashier/{order_number}/?t=`: the cashier page.
pub async fn cashier(
    state: Data<AppState>,
    token: Query<CashierToken>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let claims = token
        .t
        .as_deref()
        .and_then(|t| state.tokens.verify_cashier(t, &path))
        .ok_or_else(|| ApiError::bad_request("支付链接无效或已过期!"))?;
    let order = super::owners_order(&state, UserId(claims.owner), &path).await?;
    let t = token.t.clone().unwrap_or_default();
    let base = state.settings.public_base();
    let number = escape(&order.order_number);
    let query_url = format!("{base}/payments/wechat/query/{number}/?t={t}");
    let result_url = format!("{base}/payments/wechat/result/{number}/?t={t}");
    // In the sandbox the code is the scan page's URL: offer it as a link, the "phone".
    let phone = if claims.code_url.starts_with("http") {
        format!(
            "<p><a id=\"sandbox-scan\" href=\"{}\" target=\"_blank\">沙箱:模拟手机扫码</a></p>",
            escape(&claims.code_url)
        )
    } else {
        String::new()
    };
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>微信支付</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;text-align:center}}\
         #qr svg{{width:240px;height:240px}}.amount{{font-size:1.6rem;color:#fa5151}}</style></head>\
         <body><h1>微信扫码支付</h1><p>订单号: <span id=\"order-number\">{number}</span></p>\
         <p class=\"amount\">￥<span id=\"amount\">{amount}</span></p>\
         <div id=\"qr\">{qr}</div><p>请使用微信扫一扫完成支付</p>\
         <p id=\"countdown\" data-deadline=\"{deadline}\"></p>{phone}\
         <p id=\"status\">等待支付</p>\
         <script>\
         const deadline=Number(document.getElementById('countdown').dataset.deadline);\
         function tick(){{const left=Math.max(0,Math.floor(deadline-Date.now()/1000));\
         document.getElementById('countdown').textContent=left>0?('剩余支付时间 '+Math.floor(left/60)+'分'+(left%60)+'秒'):'订单已超时';}}\
         tick();setInterval(tick,1000);\
         async function poll(){{try{{const r=await fetch({query_url:?});\
         if(r.status===200){{document.getElementById('status').textContent='支付成功';location.href={result_url:?};return;}}\
         if(r.status===400){{const b=await r.json();if(b.errmsg&&b.errmsg!=='当前订单未支付!'){{document.getElementById('status').textContent=b.errmsg;return;}}}}\
         }}catch(e){{}}setTimeout(poll,2000);}}\
         setTimeout(poll,1000);\
         </script></body></html>",
        amount = order.real_price,
        qr = qr_svg(&claims.code_url)?,
        deadline = order.expires_at.timestamp(),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// `GET /payments/wechat/result/{order_number}/?t=`: the paid order, as the Alipay result
/// page shows it (HTML for a browser, JSON otherwise).
pub async fn result(
    state: Data<AppState>,
    req: HttpRequest,
    caller: Option<AuthUser>,
    token: Query<CashierToken>,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&state, caller, &token, &path)?;
    let order = super::owners_order(&state, owner, &path).await?;
    super::result::paid_order_answer(&state, &req, &order)
}

/// `POST /payments/wechat/notify`: WeChat Pay's notify (204 when recorded).
pub async fn notify(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    super::notify::channel_notify(&state, Channel::Wechat, &req, &body).await
}
