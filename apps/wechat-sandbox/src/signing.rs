//! Checking the merchant's `Authorization`, and signing every answer as WeChat Pay does.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use luffy_payment_wechat::sign::{nonce, response_message, sign};
use luffy_payment_wechat::verify::{MAX_SKEW_SECS, SIGNATURE_PROBE_PREFIX};
use luffy_payment_wechat::Authorization;
use serde_json::{json, Value};

use crate::WechatSandbox;

/// The path and query the merchant signed: the request's, without the mount prefix.
pub fn signed_path(sandbox: &WechatSandbox, req: &HttpRequest) -> String {
    let full = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    full.strip_prefix(sandbox.config.mount.trim_end_matches('/'))
        .unwrap_or(full)
        .to_owned()
}

/// Checks the request's `Authorization`: scheme, fields in any order, our merchant, a
/// timestamp within 300 s, and the signature with the merchant's key.
pub fn check_request(sandbox: &WechatSandbox, req: &HttpRequest, body: &str) -> Result<(), String> {
    let header = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("no Authorization header")?;
    let authorization = Authorization::parse(header).map_err(|e| e.to_string())?;
    if authorization.mchid != sandbox.config.mchid {
        return Err(format!("mchid {} is not ours", authorization.mchid));
    }
    let timestamp: i64 = authorization
        .timestamp
        .parse()
        .map_err(|_| "timestamp is not a number")?;
    if (Utc::now().timestamp() - timestamp).abs() > MAX_SKEW_SECS {
        return Err("timestamp is more than 300 s away".into());
    }
    authorization
        .verify_request(
            &sandbox.config.merchant_public_key,
            req.method().as_str(),
            &signed_path(sandbox, req),
            body,
        )
        .map_err(|_| "signature does not verify".into())
}

/// The four `Wechatpay-*` headers over a body, signed with the platform key (or a probe
/// signature).
pub fn signed_headers(
    sandbox: &WechatSandbox,
    body: &[u8],
    probe: bool,
) -> Vec<(&'static str, String)> {
    let timestamp = Utc::now().timestamp().to_string();
    let nonce = nonce();
    let signature = if probe {
        format!("{SIGNATURE_PROBE_PREFIX}{}", nonce)
    } else {
        sign(
            &sandbox.config.platform_key,
            &response_message(&timestamp, &nonce, body),
        )
        .unwrap_or_default()
    };
    vec![
        ("Wechatpay-Timestamp", timestamp),
        ("Wechatpay-Nonce", nonce),
        ("Wechatpay-Serial", sandbox.config.platform_serial.clone()),
        ("Wechatpay-Signature", signature),
    ]
}

/// A signed answer (JSON, or empty for 204).
pub fn answer(sandbox: &WechatSandbox, status: StatusCode, body: Option<Value>) -> HttpResponse {
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    let mut response = HttpResponse::build(status);
    response.insert_header(("Request-ID", nonce()));
    for (name, value) in signed_headers(sandbox, text.as_bytes(), false) {
        response.insert_header((name, value));
    }
    if text.is_empty() {
        response.finish()
    } else {
        response.content_type("application/json").body(text)
    }
}

/// A signed error answer `{"code", "message"}`.
pub fn error(
    sandbox: &WechatSandbox,
    status: StatusCode,
    code: &str,
    message: &str,
) -> HttpResponse {
    answer(
        sandbox,
        status,
        Some(json!({"code": code, "message": message})),
    )
}
