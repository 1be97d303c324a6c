//! `gateway.do`: checks the merchant's request and dispatches on `method`.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use luffy_payment_alipay::form::parse_form;
use luffy_payment_alipay::sign::{signing_string, verify, Purpose};
use luffy_payment_alipay::wire::{parse_amount, parse_timestamp};
use luffy_payment_alipay::TradeStatus;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::api;
use crate::cashier::{cashier_page, error_page};
use crate::trades::Trade;
use crate::Sandbox;

/// The decoded, signature-checked request.
pub struct GatewayRequest {
    /// Every parameter.
    pub params: Vec<(String, String)>,
    /// The parsed biz_content (decrypted when it came encrypted).
    pub biz: serde_json::Map<String, Value>,
    /// Whether it came AES-encrypted, so the answer goes encrypted too.
    pub encrypted: bool,
}

impl GatewayRequest {
    /// A top-level parameter.
    pub fn param(&self, key: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// A biz_content string field.
    pub fn biz_str(&self, key: &str) -> &str {
        self.biz
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// Decodes query and body once, verifies the merchant signature and app_id.
fn read_request(
    sandbox: &Sandbox,
    req: &HttpRequest,
    body: &[u8],
) -> Result<GatewayRequest, (&'static str, String)> {
    let mut params = parse_form(req.query_string().as_bytes())
        .map_err(|e| ("isv.invalid-parameter", e.to_string()))?;
    for (key, value) in parse_form(body).map_err(|e| ("isv.invalid-parameter", e.to_string()))? {
        if params.iter().any(|(k, _)| *k == key) {
            return Err((
                "isv.invalid-parameter",
                format!("parameter {key} appears twice"),
            ));
        }
        params.push((key, value));
    }
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if get("sign_type") != "RSA2" {
        return Err((
            "isv.invalid-signature-type",
            "sign_type must be RSA2".into(),
        ));
    }
    let content = signing_string(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Purpose::Request,
    );
    verify(
        &sandbox.config.app_public_key,
        content.as_bytes(),
        &get("sign"),
    )
    .map_err(|_| {
        (
            "isv.invalid-signature",
            "验签出错,建议检查签名字符串或签名私钥与应用公钥是否匹配".into(),
        )
    })?;
    if !sandbox.config.app_id.is_empty() && get("app_id") != sandbox.config.app_id {
        return Err(("isv.invalid-app-id", "无效的AppID参数".into()));
    }
    if let Some(certificates) = &sandbox.config.certificates {
        if get("app_cert_sn") != certificates.app_cert_sn {
            return Err(("isv.invalid-app-cert-sn", "应用公钥证书序列号不匹配".into()));
        }
        if get("alipay_root_cert_sn") != certificates.alipay_root_cert_sn {
            return Err((
                "isv.invalid-alipay-root-cert-sn",
                "支付宝根证书序列号不匹配".into(),
            ));
        }
    }
    let encrypted = get("encrypt_type") == "AES";
    let biz_text = match (&sandbox.config.aes_key, encrypted) {
        (Some(key), true) => key.decrypt(&get("biz_content")).map_err(|_| {
            (
                "isv.decryption-error",
                "解密出错,请检查 AES 密钥是否正确".into(),
            )
        })?,
        (Some(_), false) => {
            return Err((
                "isv.missing-encrypt-type",
                "应用已开启接口内容加密,请求需加密".into(),
            ))
        }
        (None, true) => return Err(("isv.invalid-encrypt-type", "应用未设置接口内容加密".into())),
        (None, false) => get("biz_content"),
    };
    let biz: serde_json::Map<String, Value> = serde_json::from_str(&biz_text).map_err(|_| {
        (
            "isv.invalid-parameter",
            "biz_content is not a JSON object".into(),
        )
    })?;
    Ok(GatewayRequest {
        params,
        biz,
        encrypted,
    })
}

/// GET or POST `gateway.do`.
pub async fn gateway(sandbox: Data<Sandbox>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let request = match read_request(&sandbox, &req, &body) {
        Ok(request) => request,
        Err((code, message)) => {
            // API calls POST their parameters; page-pay links carry them in the query.
            let method = [req.query_string().as_bytes(), &body[..]]
                .into_iter()
                .filter_map(|part| parse_form(part).ok())
                .flatten()
                .find(|(k, _)| k == "method")
                .map(|(_, v)| v)
                .unwrap_or_default();
            return if method == "alipay.trade.page.pay" || method.is_empty() {
                error_page(code, &message)
            } else {
                api::respond(
                    &sandbox,
                    &method,
                    api::failure("40002", "Invalid Arguments", code, &message),
                    false,
                )
            };
        }
    };
    match request.param("method") {
        "alipay.trade.page.pay" => page_pay(&sandbox, &request),
        method @ ("alipay.trade.query"
        | "alipay.trade.close"
        | "alipay.trade.refund"
        | "alipay.trade.fastpay.refund.query") => api::handle(&sandbox, method, &request).await,
        "alipay.open.app.alipaycert.download" => api::cert_download(&sandbox, &request),
        "alipay.data.dataservice.bill.downloadurl.query" => {
            crate::bill::download_url_query(&sandbox, &req, &request)
        }
        other => api::respond(
            &sandbox,
            other,
            api::failure(
                "40004",
                "Business Failed",
                "isv.invalid-method",
                "不存在的方法名",
            ),
            request.encrypted,
        ),
    }
}

fn page_pay(sandbox: &Sandbox, request: &GatewayRequest) -> HttpResponse {
    let now = Utc::now();
    let out_trade_no = request.biz_str("out_trade_no");
    if out_trade_no.is_empty() || out_trade_no.len() > 64 {
        return error_page(
            "ACQ.INVALID_PARAMETER",
            "out_trade_no is required (at most 64 characters)",
        );
    }
    let Some(amount) = parse_amount(request.biz_str("total_amount")) else {
        return error_page(
            "ACQ.INVALID_PARAMETER",
            "total_amount must be a 2-dp amount",
        );
    };
    if amount < Decimal::new(1, 2) || amount > Decimal::new(100_000_000, 0) {
        return error_page(
            "ACQ.INVALID_PARAMETER",
            "total_amount must be between 0.01 and 100000000",
        );
    }
    if request.biz_str("product_code") != "FAST_INSTANT_TRADE_PAY" {
        return error_page(
            "ACQ.INVALID_PARAMETER",
            "product_code must be FAST_INSTANT_TRADE_PAY",
        );
    }
    let subject = request.biz_str("subject");
    if subject.is_empty() {
        return error_page("ACQ.INVALID_PARAMETER", "subject is required");
    }
    let time_expire = match request.biz.get("time_expire").and_then(Value::as_str) {
        None => now + chrono::Duration::minutes(15),
        Some(text) => match parse_timestamp(text) {
            Some(t) => t,
            None => {
                return error_page(
                    "ACQ.INVALID_PARAMETER",
                    "time_expire must be yyyy-MM-dd HH:mm:ss",
                )
            }
        },
    };
    if time_expire <= now {
        return error_page("ACQ.TRADE_HAS_CLOSE", "交易已经关闭(time_expire 已过)");
    }
    let candidate = Trade {
        out_trade_no: out_trade_no.to_owned(),
        trade_no: new_trade_no(now),
        app_id: request.param("app_id").to_owned(),
        subject: subject.to_owned(),
        total_amount: amount,
        notify_url: request.param("notify_url").to_owned(),
        return_url: request.param("return_url").to_owned(),
        time_expire,
        status: TradeStatus::WaitBuyerPay,
        gmt_payment: None,
        refunded: Decimal::ZERO,
        refund_requests: Default::default(),
        notify_attempts: 0,
        notify_acknowledged: false,
    };
    let Some(mut trade) = sandbox.trades.insert_or_get(candidate) else {
        return error_page("SYSTEM_ERROR", "sandbox state unavailable");
    };
    trade.refresh(now);
    if trade.total_amount != amount {
        return error_page(
            "ACQ.CONTEXT_INCONSISTENT",
            "交易信息被篡改(金额与已有交易不一致)",
        );
    }
    match trade.status {
        TradeStatus::TradeSuccess | TradeStatus::TradeFinished => {
            error_page("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
        }
        TradeStatus::TradeClosed => error_page("ACQ.TRADE_HAS_CLOSE", "交易已经关闭"),
        TradeStatus::WaitBuyerPay => cashier_page(&trade),
    }
}

/// An Alipay-looking trade number: date + 20 random digits.
pub fn new_trade_no(now: chrono::DateTime<Utc>) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let digits: String = (0..20)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect();
    format!("{}{digits}", now.format("%Y%m%d"))
}
