//! The API v3 calls of Native pay, over one shared reqwest client: every request signed,
//! every answer (errors and 204s included) verified before it is read.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use luffy_common::{Clock, SystemClock};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use reqwest::Method;
use serde_json::{json, Value};

use crate::config::WechatConfig;
use crate::error::WechatError;
use crate::notify::{Refund, Transaction};
use crate::sign::{nonce, Authorization};
use crate::time::beijing_rfc3339;
use crate::verify::{verify_signed, SignedHeaders};

/// The longest description WeChat accepts, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 127;

/// A Native payment to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeOrder {
    /// What the buyer sees; cut to 127 bytes at a character boundary.
    pub description: String,
    /// Our order number.
    pub out_trade_no: String,
    /// When WeChat stops accepting payment (the order's deadline).
    pub time_expire: DateTime<Utc>,
    /// The amount, in fen.
    pub total_fen: i64,
}

/// A refund to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOrder {
    /// Our order number.
    pub out_trade_no: String,
    /// Our refund number: the same number never refunds twice.
    pub out_refund_no: String,
    /// Why (shown to the buyer).
    pub reason: String,
    /// This refund, in fen.
    pub refund_fen: i64,
    /// The order's total, in fen.
    pub total_fen: i64,
}

/// A verified answer, with its raw body (evidence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<T> {
    /// The answer read.
    pub value: T,
    /// The body as received.
    pub raw: String,
}

/// The WeChat Pay API client.
#[derive(Clone)]
pub struct WechatClient {
    config: Arc<WechatConfig>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

/// A string cut to at most `max` bytes, at a character boundary.
pub fn cut_to_bytes(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl WechatClient {
    /// Builds the HTTP client with the configured timeout.
    pub fn new(config: WechatConfig) -> Result<Self, WechatError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("luffy-payment-wechat/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WechatError::Transport(e.to_string()))?;
        Ok(Self {
            config: Arc::new(config),
            http,
            clock: Arc::new(SystemClock),
        })
    }

    /// The same client reading "now" from `clock` (request timestamps, the 300 s check).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// The configuration.
    pub fn config(&self) -> &WechatConfig {
        &self.config
    }

    /// Sends a signed request and verifies the answer; `Ok` holds a 2xx body (empty for 204).
    pub async fn request(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<String, WechatError> {
        let config = &self.config;
        let body_text = body.map(Value::to_string).unwrap_or_default();
        let authorization = Authorization::sign_request(
            &config.mchid,
            &config.merchant_serial,
            &config.merchant_key,
            method.as_str(),
            path_and_query,
            &body_text,
            self.clock.now().timestamp(),
            &nonce(),
        )?;
        let url = format!("{}{path_and_query}", config.base_url.trim_end_matches('/'));
        let mut request = self
            .http
            .request(method, url)
            .header("Authorization", authorization.header())
            .header("Accept", "application/json");
        if body.is_some() {
            request = request
                .header("Content-Type", "application/json")
                .body(body_text);
        }
        let response = request
            .send()
            .await
            .map_err(|e| WechatError::Transport(e.to_string()))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| WechatError::Transport(e.to_string()))?;
        let signed = SignedHeaders::read(|name| headers.get(name).and_then(|v| v.to_str().ok()))
            .map_err(|_| {
                if status.is_server_error() {
                    WechatError::Transport(format!("HTTP {status} without a signature"))
                } else {
                    WechatError::BadSignature
                }
            })?;
        verify_signed(&config.platform_keys, &signed, &bytes, self.clock.now())?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| WechatError::Malformed("answer is not UTF-8".into()))?;
        if status.is_success() {
            return Ok(text);
        }
        let error: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let field = |name: &str| {
            error
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        Err(WechatError::Api {
            status: status.as_u16(),
            code: field("code"),
            message: field("message"),
        })
    }

    fn parse<T: serde::de::DeserializeOwned>(raw: String) -> Result<Answer<T>, WechatError> {
        let value = serde_json::from_str(&raw)
            .map_err(|e| WechatError::Malformed(format!("answer: {e}")))?;
        Ok(Answer { value, raw })
    }

    /// `POST /v3/pay/transactions/native`: the `code_url` the buyer scans.
    pub async fn native_pay(&self, order: &NativeOrder) -> Result<String, WechatError> {
        let config = &self.config;
        let body = json!({
            "appid": config.appid,
            "mchid": config.mchid,
            "description": cut_to_bytes(&order.description, MAX_DESCRIPTION_BYTES),
            "out_trade_no": order.out_trade_no,
            "time_expire": beijing_rfc3339(order.time_expire),
            "notify_url": config.notify_url,
            "amount": {"total": order.total_fen, "currency": "CNY"},
        });
        let raw = self
            .request(Method::POST, "/v3/pay/transactions/native", Some(&body))
            .await?;
        let answer: Value = serde_json::from_str(&raw)
            .map_err(|e| WechatError::Malformed(format!("answer: {e}")))?;
        answer
            .get("code_url")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| WechatError::Malformed("no code_url".into()))
    }

    /// `GET /v3/pay/transactions/out-trade-no/{no}?mchid=`: the trade of our order.
    pub async fn query_order(
        &self,
        out_trade_no: &str,
    ) -> Result<Answer<Transaction>, WechatError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}?mchid={}",
            segment(out_trade_no),
            segment(&self.config.mchid)
        );
        Self::parse(self.request(Method::GET, &path, None).await?)
    }

    /// `POST /v3/pay/transactions/out-trade-no/{no}/close`: 204 when closed.
    pub async fn close_order(&self, out_trade_no: &str) -> Result<(), WechatError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}/close",
            segment(out_trade_no)
        );
        let body = json!({"mchid": self.config.mchid});
        self.request(Method::POST, &path, Some(&body)).await?;
        Ok(())
    }

    /// `GET /v3/bill/tradebill?bill_date=&bill_type=ALL`: a day's trade bill, downloaded (the
    /// download is signed like any request; its answer is checked by the SHA-1 the API gave)
    /// and read.
    pub async fn trade_bill(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<crate::bill::TradeBill, WechatError> {
        let path = format!(
            "/v3/bill/tradebill?bill_date={}&bill_type=ALL",
            day.format("%Y-%m-%d")
        );
        let raw = self.request(Method::GET, &path, None).await?;
        let answer: Value = serde_json::from_str(&raw)
            .map_err(|e| WechatError::Malformed(format!("answer: {e}")))?;
        let field = |name: &str| answer.get(name).and_then(Value::as_str).unwrap_or("");
        if field("hash_type") != "SHA1" {
            return Err(WechatError::Malformed(format!(
                "bill hash_type {:?}, not SHA1",
                field("hash_type")
            )));
        }
        let url = field("download_url");
        let config = &self.config;
        // Signed like the API paths: relative to the base URL when under it (a sandbox mounted
        // under a prefix), else the path after the host (api.mch.weixin.qq.com).
        let path_and_query = match url.strip_prefix(config.base_url.trim_end_matches('/')) {
            Some(rest) if rest.starts_with('/') => rest.to_owned(),
            _ => url
                .splitn(4, '/')
                .nth(3)
                .map(|rest| format!("/{rest}"))
                .ok_or_else(|| WechatError::Malformed(format!("download_url {url:?}")))?,
        };
        let authorization = Authorization::sign_request(
            &config.mchid,
            &config.merchant_serial,
            &config.merchant_key,
            "GET",
            &path_and_query,
            "",
            self.clock.now().timestamp(),
            &nonce(),
        )?;
        let response = self
            .http
            .get(url)
            .header("Authorization", authorization.header())
            .send()
            .await
            .map_err(|e| WechatError::Transport(e.to_string()))?;
        if !response.status().is_success() {
            return Err(WechatError::Transport(format!(
                "bill download answered HTTP {}",
                response.status()
            )));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| WechatError::Transport(e.to_string()))?;
        crate::bill::read_trade_bill(&bytes, field("hash_value"))
    }

    /// `POST /v3/refund/domestic/refunds`.
    pub async fn refund(&self, refund: &RefundOrder) -> Result<Answer<Refund>, WechatError> {
        let body = json!({
            "out_trade_no": refund.out_trade_no,
            "out_refund_no": refund.out_refund_no,
            "reason": cut_to_bytes(&refund.reason, 80),
            "notify_url": self.config.notify_url,
            "amount": {"refund": refund.refund_fen, "total": refund.total_fen, "currency": "CNY"},
        });
        Self::parse(
            self.request(Method::POST, "/v3/refund/domestic/refunds", Some(&body))
                .await?,
        )
    }

    /// `GET /v3/refund/domestic/refunds/{out_refund_no}`.
    pub async fn query_refund(&self, out_refund_no: &str) -> Result<Answer<Refund>, WechatError> {
        let path = format!("/v3/refund/domestic/refunds/{}", segment(out_refund_no));
        Self::parse(self.request(Method::GET, &path, None).await?)
    }
}

fn segment(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_cut_at_character_boundaries() {
        let long = "课".repeat(50);
        let cut = cut_to_bytes(&long, MAX_DESCRIPTION_BYTES);
        assert_eq!(cut.len(), 126);
        assert_eq!(cut_to_bytes("abc", 127), "abc");
    }
}
