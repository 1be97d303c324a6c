//! Test controls: pay without a phone, set modes, read a trade, fetch a notify to replay.

use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use serde_json::json;

use crate::scan::{pay_trade, PayRefusal};
use crate::{notifier, Modes, WechatSandbox};

/// `POST control/pay/{no}`: what pressing Pay does.
pub async fn pay(sandbox: Data<WechatSandbox>, path: Path<String>) -> HttpResponse {
    match pay_trade(&sandbox, &path) {
        Ok(trade) => HttpResponse::Ok().json(json!({"transaction_id": trade.transaction_id})),
        Err(PayRefusal::NotFound) => {
            HttpResponse::NotFound().json(json!({"errmsg": "trade not found"}))
        }
        Err(PayRefusal::Closed) => HttpResponse::Conflict().json(json!({"errmsg": "trade closed"})),
    }
}

/// `PUT control/mode`: replaces the modes.
pub async fn set_mode(sandbox: Data<WechatSandbox>, modes: Json<Modes>) -> HttpResponse {
    if let Ok(mut current) = sandbox.modes.lock() {
        *current = modes.into_inner();
    }
    HttpResponse::Ok().json(sandbox.modes())
}

/// `GET control/trades/{no}`.
pub async fn trade(sandbox: Data<WechatSandbox>, path: Path<String>) -> HttpResponse {
    match sandbox.trades.with(&path, |t| t.clone()) {
        Some(trade) => HttpResponse::Ok().json(trade),
        None => HttpResponse::NotFound().json(json!({"errmsg": "trade not found"})),
    }
}

/// `GET control/notify/{no}`: a freshly signed payment notify (body and headers), to replay
/// or forge from.
pub async fn notify_request(sandbox: Data<WechatSandbox>, path: Path<String>) -> HttpResponse {
    match notifier::payment_notify(&sandbox, &path) {
        Some(notify) => HttpResponse::Ok().json(notify),
        None => HttpResponse::NotFound().json(json!({"errmsg": "no paid trade"})),
    }
}

/// `GET control/refund-notify/{no}/{out_refund_no}`: a freshly signed refund notify.
pub async fn refund_notify_request(
    sandbox: Data<WechatSandbox>,
    path: Path<(String, String)>,
) -> HttpResponse {
    let (no, refund) = path.into_inner();
    match notifier::refund_notify(&sandbox, &no, &refund) {
        Some(notify) => HttpResponse::Ok().json(notify),
        None => HttpResponse::NotFound().json(json!({"errmsg": "no such refund"})),
    }
}

/// `PUT control/trades/{no}/paid-at` `{"at": RFC 3339}`: moves a paid trade's success time
/// (which day's bill it is on).
pub async fn set_paid_at(
    sandbox: Data<WechatSandbox>,
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
    match sandbox.trades.with(&path, |t| {
        t.success_time
            .is_some()
            .then(|| t.success_time = Some(at.with_timezone(&chrono::Utc)))
    }) {
        Some(Some(())) => HttpResponse::NoContent().finish(),
        _ => HttpResponse::NotFound().json(json!({"errmsg": "no paid trade"})),
    }
}
