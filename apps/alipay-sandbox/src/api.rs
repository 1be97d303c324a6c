//! `alipay.trade.query` / `close` / `refund`: signed JSON answers in Alipay's shapes.

use actix_web::HttpResponse;
use chrono::Utc;
use luffy_payment_alipay::wire::{amount, parse_amount, timestamp};
use luffy_payment_alipay::TradeStatus;
use serde_json::{json, Map, Value};

use crate::gateway::GatewayRequest;
use crate::Sandbox;

/// A failure object (`code`, `msg`, `sub_code`, `sub_msg`).
pub fn failure(code: &str, msg: &str, sub_code: &str, sub_msg: &str) -> Value {
    json!({"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg})
}

fn not_exist() -> Value {
    failure(
        "40004",
        "Business Failed",
        "ACQ.TRADE_NOT_EXIST",
        "交易不存在",
    )
}

/// `{"<method>_response": <object>, "sign": "..."}`, signed over the object's exact text. When
/// the request was encrypted, a successful object goes as one AES-encrypted JSON string, signed
/// with its quotes; in certificate mode `alipay_cert_sn` names the signing certificate.
pub fn respond(sandbox: &Sandbox, method: &str, object: Value, encrypted: bool) -> HttpResponse {
    let key = format!("{}_response", method.replace('.', "_"));
    let succeeded = object.get("code").and_then(Value::as_str) == Some("10000");
    let text = match (&sandbox.config.aes_key, encrypted && succeeded) {
        (Some(aes), true) => Value::String(aes.encrypt(&object.to_string())).to_string(),
        _ => object.to_string(),
    };
    let signature = sandbox.identity.sign(&text);
    let cert = sandbox
        .identity
        .cert_sn()
        .map(|sn| format!(r#","alipay_cert_sn":{}"#, Value::String(sn)))
        .unwrap_or_default();
    let body = format!(
        r#"{{"{key}":{text}{cert},"sign":{}}}"#,
        Value::String(signature)
    );
    HttpResponse::Ok()
        .content_type("application/json;charset=utf-8")
        .body(body)
}

fn success(mut fields: Map<String, Value>) -> Value {
    fields.insert("code".into(), json!("10000"));
    fields.insert("msg".into(), json!("Success"));
    Value::Object(fields)
}

/// Dispatches an API method, honouring the test modes.
pub async fn handle(sandbox: &Sandbox, method: &str, request: &GatewayRequest) -> HttpResponse {
    let modes = sandbox.modes();
    if modes.response_delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(modes.response_delay_ms)).await;
    }
    if modes.answer_20000 {
        return respond(
            sandbox,
            method,
            failure(
                "20000",
                "Service Currently Unavailable",
                "isp.unknow-error",
                "系统繁忙",
            ),
            request.encrypted,
        );
    }
    let now = Utc::now();
    let out_trade_no = request.biz_str("out_trade_no").to_owned();
    let object = match method {
        "alipay.trade.query" => sandbox
            .trades
            .with(&out_trade_no, now, |t| {
                let mut fields = Map::new();
                fields.insert("trade_no".into(), json!(t.trade_no));
                fields.insert("out_trade_no".into(), json!(t.out_trade_no));
                fields.insert("trade_status".into(), json!(t.status.as_str()));
                fields.insert("total_amount".into(), json!(amount(t.total_amount)));
                fields.insert("buyer_logon_id".into(), json!("sandbox***@example.com"));
                if let Some(paid) = t.gmt_payment {
                    fields.insert("send_pay_date".into(), json!(timestamp(paid)));
                    fields.insert("buyer_pay_amount".into(), json!(amount(t.total_amount)));
                }
                success(fields)
            })
            .unwrap_or_else(not_exist),
        "alipay.trade.close" => sandbox
            .trades
            .with(&out_trade_no, now, |t| match t.status {
                TradeStatus::WaitBuyerPay | TradeStatus::TradeClosed if t.gmt_payment.is_none() => {
                    t.status = TradeStatus::TradeClosed;
                    let mut fields = Map::new();
                    fields.insert("trade_no".into(), json!(t.trade_no));
                    fields.insert("out_trade_no".into(), json!(t.out_trade_no));
                    success(fields)
                }
                _ => failure(
                    "40004",
                    "Business Failed",
                    "ACQ.TRADE_STATUS_ERROR",
                    "交易状态不合法",
                ),
            })
            .unwrap_or_else(not_exist),
        "alipay.trade.fastpay.refund.query" => refund_query(sandbox, request, &out_trade_no, now),
        _ => {
            if modes.refund_fails {
                failure("40004", "Business Failed", "ACQ.SYSTEM_ERROR", "系统错误")
            } else {
                let answer = refund(sandbox, request, &out_trade_no, now);
                if modes.refund_answer_lost {
                    failure(
                        "20000",
                        "Service Currently Unavailable",
                        "isp.unknow-error",
                        "系统繁忙",
                    )
                } else {
                    answer
                }
            }
        }
    };
    respond(sandbox, method, object, request.encrypted)
}

/// `alipay.open.app.alipaycert.download`: an Alipay certificate the gateway signed with, by SN,
/// as base64 of its PEM.
pub fn cert_download(sandbox: &Sandbox, request: &GatewayRequest) -> HttpResponse {
    use base64::Engine;
    let method = "alipay.open.app.alipaycert.download";
    let object = match sandbox
        .identity
        .certificate(request.biz_str("alipay_cert_sn"))
    {
        Some(pem) => {
            let mut fields = Map::new();
            fields.insert(
                "alipay_cert_content".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(pem)),
            );
            success(fields)
        }
        None => failure("40004", "Business Failed", "CERT_NOT_EXIST", "证书不存在"),
    };
    respond(sandbox, method, object, request.encrypted)
}

/// `alipay.trade.fastpay.refund.query`: `REFUND_SUCCESS` with the amount for a refund made;
/// for an unknown request number, success without refund fields (as Alipay answers).
fn refund_query(
    sandbox: &Sandbox,
    request: &GatewayRequest,
    out_trade_no: &str,
    now: chrono::DateTime<Utc>,
) -> Value {
    let request_no = match request.biz_str("out_request_no") {
        "" => out_trade_no.to_owned(),
        no => no.to_owned(),
    };
    sandbox
        .trades
        .with(out_trade_no, now, |t| {
            let mut fields = Map::new();
            fields.insert("trade_no".into(), json!(t.trade_no));
            fields.insert("out_trade_no".into(), json!(t.out_trade_no));
            if let Some(refunded) = t.refund_requests.get(&request_no) {
                fields.insert("out_request_no".into(), json!(request_no));
                fields.insert("total_amount".into(), json!(amount(t.total_amount)));
                fields.insert("refund_amount".into(), json!(amount(refunded.amount)));
                fields.insert("refund_status".into(), json!("REFUND_SUCCESS"));
            }
            success(fields)
        })
        .unwrap_or_else(not_exist)
}

fn refund(
    sandbox: &Sandbox,
    request: &GatewayRequest,
    out_trade_no: &str,
    now: chrono::DateTime<Utc>,
) -> Value {
    let Some(requested) = parse_amount(request.biz_str("refund_amount")) else {
        return failure(
            "40004",
            "Business Failed",
            "ACQ.INVALID_PARAMETER",
            "refund_amount 无效",
        );
    };
    let request_no = match request.biz_str("out_request_no") {
        "" => out_trade_no.to_owned(),
        no => no.to_owned(),
    };
    sandbox
        .trades
        .with(out_trade_no, now, |t| {
            let mut fields = Map::new();
            fields.insert("trade_no".into(), json!(t.trade_no));
            fields.insert("out_trade_no".into(), json!(t.out_trade_no));
            if t.refund_requests.contains_key(&request_no) {
                // A retry of a refund already made: no money moves again.
                fields.insert("fund_change".into(), json!("N"));
                fields.insert("refund_fee".into(), json!(amount(t.refunded)));
                return success(fields);
            }
            if t.gmt_payment.is_none() {
                return failure(
                    "40004",
                    "Business Failed",
                    "ACQ.TRADE_STATUS_ERROR",
                    "交易状态不合法",
                );
            }
            if t.refunded + requested > t.total_amount {
                return failure(
                    "40004",
                    "Business Failed",
                    "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                    "退款金额超限",
                );
            }
            t.refunded += requested;
            t.refund_requests.insert(
                request_no.clone(),
                crate::trades::RefundMade {
                    amount: requested,
                    at: now,
                },
            );
            if t.refunded == t.total_amount {
                t.status = TradeStatus::TradeClosed;
            }
            crate::notifier::schedule_refund(sandbox, t, &request_no);
            fields.insert("fund_change".into(), json!("Y"));
            fields.insert("refund_fee".into(), json!(amount(t.refunded)));
            fields.insert("gmt_refund_pay".into(), json!(timestamp(now)));
            success(fields)
        })
        .unwrap_or_else(not_exist)
}
