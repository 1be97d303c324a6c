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

/// `PUT control/trades/{out_trade_no}/paid-at` `{"at": RFC 3339}`: moves a paid trade's payment
/// time (which day's bill it is on), as a payment around midnight.
pub async fn set_paid_at(
    sandbox: Data<Sandbox>,
    path: Path<String>,
    body: Json<serde_json::Value>,
) -> HttpResponse {
    let Some(at) = body
        .get("at")
        .and_then(|v| v.as_str())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    else {
        return HttpResponse::BadRequest().json(json!({"errmsg": "at must be RFC 3339"}));
    };
    match sandbox.trades.with(&path, Utc::now(), |t| {
        t.gmt_payment
            .is_some()
            .then(|| t.gmt_payment = Some(at.with_timezone(&Utc)))
    }) {
        Some(Some(())) => HttpResponse::NoContent().finish(),
        _ => HttpResponse::NotFound().json(json!({"errmsg": "no paid trade"})),
    }
}

/// `PUT control/trades/{out_trade_no}/refunds/{out_request_no}` `{"at": RFC 3339}` moves a
/// refund's time; `DELETE` forgets it (a refund the gateway never made, for reconciliation
/// tests).
pub async fn change_refund(
    sandbox: Data<Sandbox>,
    req: actix_web::HttpRequest,
    path: Path<(String, String)>,
    body: Option<Json<serde_json::Value>>,
) -> HttpResponse {
    let (out_trade_no, request_no) = path.into_inner();
    let forget = req.method() == actix_web::http::Method::DELETE;
    let at = body
        .as_ref()
        .and_then(|b| b.get("at").and_then(|v| v.as_str()).map(str::to_owned))
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok());
    let changed = sandbox.trades.with(&out_trade_no, Utc::now(), |t| {
        if forget {
            t.refund_requests.remove(&request_no).is_some()
        } else if let (Some(refund), Some(at)) = (t.refund_requests.get_mut(&request_no), at) {
            refund.at = at.with_timezone(&Utc);
            true
        } else {
            false
        }
    });
    match changed {
        Some(true) => HttpResponse::NoContent().finish(),
        _ => HttpResponse::NotFound().json(json!({"errmsg": "no such refund (or no at)"})),
    }
}
