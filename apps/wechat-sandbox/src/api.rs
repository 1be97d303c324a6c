//! The API v3 endpoints of Native pay, answering in WeChat Pay's shapes and codes.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::signing::{answer, check_request, error};
use crate::trades::{WxRefund, WxTrade};
use crate::{notifier, WechatSandbox};

/// The checks every call passes first: the modes' delay and failure, then the signature.
async fn admit(sandbox: &WechatSandbox, req: &HttpRequest, body: &str) -> Result<(), HttpResponse> {
    let modes = sandbox.modes();
    if modes.response_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(modes.response_delay_ms)).await;
    }
    if let Err(why) = check_request(sandbox, req, body) {
        return Err(error(sandbox, StatusCode::UNAUTHORIZED, "SIGN_ERROR", &why));
    }
    if modes.system_error {
        return Err(error(
            sandbox,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统异常,请稍后重试",
        ));
    }
    Ok(())
}

fn param_error(sandbox: &WechatSandbox, message: &str) -> HttpResponse {
    error(sandbox, StatusCode::BAD_REQUEST, "PARAM_ERROR", message)
}

/// A trade as the query answers it.
pub fn transaction_json(trade: &WxTrade) -> Value {
    let mut value = json!({
        "appid": trade.appid,
        "mchid": trade.mchid,
        "out_trade_no": trade.out_trade_no,
        "trade_type": "NATIVE",
        "trade_state": trade.trade_state,
        "trade_state_desc": match trade.trade_state.as_str() {
            "SUCCESS" => "支付成功",
            "REFUND" => "转入退款",
            "CLOSED" => "订单已关闭",
            _ => "订单未支付",
        },
        "amount": {"total": trade.total, "currency": "CNY"},
    });
    if let (Some(id), Some(at)) = (&trade.transaction_id, trade.success_time) {
        value["transaction_id"] = json!(id);
        value["success_time"] = json!(luffy_payment_wechat::time::beijing_rfc3339(at));
        value["amount"]["payer_total"] = json!(trade.total);
        value["amount"]["payer_currency"] = json!("CNY");
        value["bank_type"] = json!("OTHERS");
        value["payer"] = json!({"openid": "oSandboxBuyer0000000000000000"});
    }
    value
}

/// A refund as refund answers and notifies give it.
pub fn refund_json(trade: &WxTrade, out_refund_no: &str, refund: &WxRefund) -> Value {
    let mut value = json!({
        "refund_id": refund.refund_id,
        "out_refund_no": out_refund_no,
        "transaction_id": trade.transaction_id.clone().unwrap_or_default(),
        "out_trade_no": trade.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": luffy_payment_wechat::time::beijing_rfc3339(refund.done_at),
        "status": refund.status,
        "amount": {
            "total": trade.total, "refund": refund.refund,
            "payer_total": trade.total, "payer_refund": refund.refund, "currency": "CNY",
        },
    });
    if refund.status == "SUCCESS" {
        value["success_time"] = json!(luffy_payment_wechat::time::beijing_rfc3339(refund.done_at));
    }
    value
}

/// `POST /v3/pay/transactions/native`: opens (or re-opens, with the same parameters) a trade.
pub async fn native(sandbox: Data<WechatSandbox>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let text = String::from_utf8_lossy(&body).into_owned();
    if let Err(refused) = admit(&sandbox, &req, &text).await {
        return refused;
    }
    let Ok(order) = serde_json::from_str::<Value>(&text) else {
        return param_error(&sandbox, "请求体不是JSON");
    };
    let field = |name: &str| {
        order
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    if field("appid") != sandbox.config.appid || field("mchid") != sandbox.config.mchid {
        return error(
            &sandbox,
            StatusCode::BAD_REQUEST,
            "APPID_MCHID_NOT_MATCH",
            "appid和mch_id不匹配",
        );
    }
    let description = field("description");
    if description.is_empty() || description.len() > 127 {
        return param_error(&sandbox, "description长度应在1到127字节之间");
    }
    let out_trade_no = field("out_trade_no");
    if out_trade_no.len() < 6 || out_trade_no.len() > 32 {
        return param_error(&sandbox, "out_trade_no长度应在6到32之间");
    }
    let Some(time_expire) = DateTime::parse_from_rfc3339(&field("time_expire"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
    else {
        return param_error(&sandbox, "time_expire格式错误");
    };
    if !field("time_expire").ends_with("+08:00") {
        return param_error(&sandbox, "time_expire应为北京时间");
    }
    let total = order["amount"]["total"].as_i64().unwrap_or(0);
    if total <= 0 || order["amount"]["currency"].as_str().unwrap_or("CNY") != "CNY" {
        return param_error(&sandbox, "amount.total应为正整数(分)");
    }
    let notify_url = field("notify_url");
    if !notify_url.starts_with("http") {
        return param_error(&sandbox, "notify_url格式错误");
    }
    let outcome = sandbox.trades.all(|trades| {
        if let Some(trade) = trades.get(&out_trade_no) {
            return match trade.trade_state.as_str() {
                "NOTPAY" if trade.total == total => Ok(()),
                "NOTPAY" => Err(("INVALID_REQUEST", "订单号重复,参数不一致")),
                "CLOSED" => Err(("ORDER_CLOSED", "订单已关闭")),
                _ => Err(("ORDERPAID", "订单已支付")),
            };
        }
        trades.insert(
            out_trade_no.clone(),
            WxTrade {
                appid: field("appid"),
                mchid: field("mchid"),
                out_trade_no: out_trade_no.clone(),
                description: description.clone(),
                total,
                time_expire,
                notify_url: notify_url.clone(),
                trade_state: "NOTPAY".into(),
                transaction_id: None,
                success_time: None,
                refunds: Default::default(),
                notify_attempts: 0,
                notify_acknowledged: false,
            },
        );
        Ok(())
    });
    match outcome {
        Some(Ok(())) => answer(
            &sandbox,
            StatusCode::OK,
            Some(json!({"code_url": crate::scan::code_url(&sandbox, &out_trade_no)})),
        ),
        Some(Err((code, message))) => error(&sandbox, StatusCode::BAD_REQUEST, code, message),
        None => error(
            &sandbox,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统异常",
        ),
    }
}

/// `GET /v3/pay/transactions/out-trade-no/{no}?mchid=`.
pub async fn query(
    sandbox: Data<WechatSandbox>,
    req: HttpRequest,
    path: Path<String>,
) -> HttpResponse {
    if let Err(refused) = admit(&sandbox, &req, "").await {
        return refused;
    }
    let mchid_ok = req
        .query_string()
        .split('&')
        .any(|pair| pair == format!("mchid={}", sandbox.config.mchid));
    if !mchid_ok {
        return param_error(&sandbox, "mchid缺失或不匹配");
    }
    match sandbox.trades.with(&path, |t| transaction_json(t)) {
        Some(value) => answer(&sandbox, StatusCode::OK, Some(value)),
        None => error(
            &sandbox,
            StatusCode::NOT_FOUND,
            "ORDER_NOT_EXIST",
            "订单不存在",
        ),
    }
}

/// `POST /v3/pay/transactions/out-trade-no/{no}/close`: 204.
pub async fn close(
    sandbox: Data<WechatSandbox>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> HttpResponse {
    let text = String::from_utf8_lossy(&body).into_owned();
    if let Err(refused) = admit(&sandbox, &req, &text).await {
        return refused;
    }
    let mchid = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("mchid").and_then(Value::as_str).map(str::to_owned));
    if mchid.as_deref() != Some(sandbox.config.mchid.as_str()) {
        return param_error(&sandbox, "mchid缺失或不匹配");
    }
    let outcome = sandbox
        .trades
        .with(&path, |t| match t.trade_state.as_str() {
            "NOTPAY" | "CLOSED" => {
                t.trade_state = "CLOSED".into();
                Ok(())
            }
            _ => Err(()),
        });
    match outcome {
        Some(Ok(())) => answer(&sandbox, StatusCode::NO_CONTENT, None),
        Some(Err(())) => error(&sandbox, StatusCode::BAD_REQUEST, "ORDERPAID", "订单已支付"),
        None => error(
            &sandbox,
            StatusCode::NOT_FOUND,
            "ORDER_NOT_EXIST",
            "订单不存在",
        ),
    }
}

/// `POST /v3/refund/domestic/refunds`: idempotent per out_refund_no.
pub async fn refund(sandbox: Data<WechatSandbox>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let text = String::from_utf8_lossy(&body).into_owned();
    if let Err(refused) = admit(&sandbox, &req, &text).await {
        return refused;
    }
    let Ok(asked) = serde_json::from_str::<Value>(&text) else {
        return param_error(&sandbox, "请求体不是JSON");
    };
    let out_trade_no = asked["out_trade_no"].as_str().unwrap_or("").to_owned();
    let out_refund_no = asked["out_refund_no"].as_str().unwrap_or("").to_owned();
    let amount = asked["amount"]["refund"].as_i64().unwrap_or(0);
    let total = asked["amount"]["total"].as_i64().unwrap_or(0);
    if out_refund_no.is_empty() || amount <= 0 {
        return param_error(&sandbox, "out_refund_no或amount.refund缺失");
    }
    let modes = sandbox.modes();
    let now = Utc::now();
    let outcome = sandbox.trades.with(&out_trade_no, |t| {
        if let Some(existing) = t.refunds.get(&out_refund_no) {
            return Ok((refund_json(t, &out_refund_no, existing), false));
        }
        if t.trade_state != "SUCCESS" && t.trade_state != "REFUND" {
            return Err(("INVALID_REQUEST", "订单未支付,不能退款"));
        }
        if total != t.total {
            return Err(("PARAM_ERROR", "amount.total与订单金额不一致"));
        }
        if modes.refund_fails || t.refunded() + amount > t.total {
            return Err(("NOT_ENOUGH", "可退金额不足"));
        }
        let processing = modes.refund_processing_ms > 0;
        let refund = WxRefund {
            refund_id: format!("50{}", crate::scan::digits(28)),
            refund: amount,
            status: if processing { "PROCESSING" } else { "SUCCESS" }.into(),
            done_at: now + chrono::Duration::milliseconds(modes.refund_processing_ms as i64),
        };
        t.trade_state = "REFUND".into();
        let value = refund_json(t, &out_refund_no, &refund);
        t.refunds.insert(out_refund_no.clone(), refund);
        Ok((value, !processing))
    });
    match outcome {
        Some(Ok((value, done))) => {
            if done {
                notifier::schedule_refund(&sandbox, &out_trade_no, &out_refund_no);
            }
            answer(&sandbox, StatusCode::OK, Some(value))
        }
        Some(Err((code, message))) => error(&sandbox, StatusCode::BAD_REQUEST, code, message),
        None => error(
            &sandbox,
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "订单不存在",
        ),
    }
}

/// `GET /v3/refund/domestic/refunds/{out_refund_no}`: a processing refund whose time has come
/// succeeds (and its notify goes out).
pub async fn refund_query(
    sandbox: Data<WechatSandbox>,
    req: HttpRequest,
    path: Path<String>,
) -> HttpResponse {
    if let Err(refused) = admit(&sandbox, &req, "").await {
        return refused;
    }
    let now = Utc::now();
    let found = sandbox.trades.all(|trades| {
        trades.values_mut().find_map(|t| {
            let no = path.as_str();
            let refund = t.refunds.get_mut(no)?;
            let finished = refund.status == "PROCESSING" && refund.done_at <= now;
            if finished {
                refund.status = "SUCCESS".into();
            }
            let refund = refund.clone();
            Some((
                refund_json(t, no, &refund),
                finished,
                t.out_trade_no.clone(),
            ))
        })
    });
    match found.flatten() {
        Some((value, finished, out_trade_no)) => {
            if finished {
                notifier::schedule_refund(&sandbox, &out_trade_no, &path);
            }
            answer(&sandbox, StatusCode::OK, Some(value))
        }
        None => error(
            &sandbox,
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "退款单不存在",
        ),
    }
}
