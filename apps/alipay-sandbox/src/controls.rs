//! Test controls: pay without a browser, re-send or fetch notifies, set modes, read a trade.

use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use chrono::Utc;
use serde_json::json;

use crate::cashier::{pay_trade, PayRefusal};
use crate::modes::Modes;
use crate::notifier;
use crate::Sandbox;

/// `POST control/pay/{out_trade_no}`: what pressing Pay does; answers the signed return URL.
pub async fn pay(sandbox: Data<Sandbox>, path: Path<String>) -> HttpResponse {
    match pay_trade(&sandbox, &path) {
        Ok(trade) => HttpResponse::Ok().json(json!({
            "trade_no": trade.trade_no,
            "return_url": notifier::return_url(&sandbox, &trade),
        })),
        Err(PayRefusal::NotFound) => {
            HttpResponse::NotFound().json(json!({"errmsg": "trade not found"}))
        }
        Err(PayRefusal::Closed) => HttpResponse::Conflict().json(json!({"errmsg": "trade closed"})),
    }
}

/// `POST control/notify/{out_trade_no}`: sends one more notify now; answers whether the
/// merchant said `success`.
pub async fn resend_notify(sandbox: Data<Sandbox>, path: Path<String>) -> HttpResponse {
    let acknowledged = notifier::send_once(&sandbox, &path).await;
    HttpResponse::Ok().json(json!({"acknowledged": acknowledged}))
}

/// `GET control/notify-body/{out_trade_no}`: the signed notify body, for tests to replay.
pub async fn notify_body(sandbox: Data<Sandbox>, path: Path<String>) -> HttpResponse {
    match sandbox
        .trades
        .with(&path, Utc::now(), |t| notifier::notify_body(&sandbox, t))
    {
        Some(body) => HttpResponse::Ok()
            .content_type("application/x-www-form-urlencoded")
            .body(body),
        None => HttpResponse::NotFound().json(json!({"errmsg": "trade not found"})),
    }
}

/// `GET control/refund-notify-body/{out_trade_no}/{out_request_no}`: the signed notify of a
/// refund made, for tests to replay or forge from.
pub async fn refund_notify_body(
    sandbox: Data<Sandbox>,
    path: Path<(String, String)>,
) -> HttpResponse {
    let (out_trade_no, out_request_no) = path.into_inner();
    match sandbox.trades.with(&out_trade_no, Utc::now(), |t| {
        t.refund_requests
            .contains_key(&out_request_no)
            .then(|| notifier::refund_notify_body(&sandbox, t, &out_request_no))
    }) {
        Some(Some(body)) => HttpResponse::Ok()
            .content_type("application/x-www-form-urlencoded")
            .body(body),
        _ => HttpResponse::NotFound().json(json!({"errmsg": "refund not found"})),
    }
}

/// `PUT control/mode`: replaces the test modes.
pub async fn set_mode(sandbox: Data<Sandbox>, modes: Json<Modes>) -> HttpResponse {
    if let Ok(mut current) = sandbox.modes.lock() {
        *current = modes.into_inner();
    }
    HttpResponse::Ok().json(sandbox.modes())
}

/// `GET control/trades/{out_trade_no}`: the trade as the sandbox sees it.
pub async fn trade(sandbox: Data<Sandbox>, path: Path<String>) -> HttpResponse {
    match sandbox.trades.with(&path, Utc::now(), |t| t.clone()) {
        Some(trade) => HttpResponse::Ok().json(trade),
        None => HttpResponse::NotFound().json(json!({"errmsg": "trade not found"})),
    }
}

/// `POST control/rotate-cert`: certificate mode only; the gateway signs from now on with a new
/// key under a new certificate, as when Alipay renews its certificate. Answers the new SN.
pub async fn rotate_cert(sandbox: Data<Sandbox>) -> HttpResponse {
    match sandbox.identity.rotate(&sandbox.config.seller_id) {
        Ok(sn) => HttpResponse::Ok().json(json!({"alipay_cert_sn": sn})),
        Err(e) => HttpResponse::Conflict().json(json!({"errmsg": e.to_string()})),
    }
}
