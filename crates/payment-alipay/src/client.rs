//! Server-to-server calls: trade query, close and refund. Every response's signature is
//! verified over the raw `*_response` bytes before its `code` is believed (with AES on, over
//! the encrypted string with its quotes, then decrypted). In certificate mode an answer signed
//! with another Alipay certificate than ours (`alipay_cert_sn`) makes the client fetch that
//! certificate (`alipay.open.app.alipaycert.download`), check that it chains to Alipay's root,
//! and keep it for the later answers and notifies.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use luffy_common::{Clock, SystemClock};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use base64::Engine;
use rsa::RsaPublicKey;

use crate::cert::{cert_sn, verify_chain};
use crate::config::AlipayConfig;
use crate::error::AlipayError;
use crate::extract::{extract_response, top_level_members};
use crate::form::encode_form;
use crate::notify::{Notification, ReturnParams, TradeStatus};
use crate::page_pay::{signed_params, PagePay};
use crate::sign::verify;
use crate::wire::{amount, parse_amount};

/// The answer to `alipay.trade.query`.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeQuery {
    /// Our order number.
    pub out_trade_no: String,
    /// Alipay's trade number.
    pub trade_no: String,
    /// The trade state.
    pub trade_status: TradeStatus,
    /// The amount.
    pub total_amount: Decimal,
    /// The raw verified response text, to keep as evidence.
    pub raw: String,
}

/// The answer to `alipay.trade.refund`.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundResult {
    /// Alipay's trade number.
    pub trade_no: String,
    /// Total refunded on this trade so far.
    pub refund_fee: Decimal,
    /// "Y" when this call moved money (a retry of a finished refund answers "N").
    pub fund_change: bool,
}

/// The answer to `alipay.trade.fastpay.refund.query`.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundQuery {
    /// The request number asked about.
    pub out_request_no: String,
    /// `REFUND_SUCCESS` when the refund is done; empty when Alipay knows no such refund (it
    /// answers 10000 without the fields then).
    pub refund_status: String,
    /// The refund's amount, when known.
    pub refund_amount: Option<Decimal>,
}

impl RefundQuery {
    /// True only for `REFUND_SUCCESS`: the one answer that proves the money moved.
    pub fn is_success(&self) -> bool {
        self.refund_status == "REFUND_SUCCESS"
    }
}

/// The method that hands out an Alipay certificate by its SN.
const CERT_DOWNLOAD: &str = "alipay.open.app.alipaycert.download";

/// A client for one merchant configuration; cheap to clone (clones share the certificates
/// fetched so far).
#[derive(Clone)]
pub struct AlipayClient {
    config: AlipayConfig,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    /// Alipay certificates fetched after a rotation, by SN: their keys verify answers that
    /// name them, and notifies. Each instance fetches for itself; nothing else depends on it.
    fetched_keys: Arc<RwLock<HashMap<String, RsaPublicKey>>>,
}

impl std::fmt::Debug for AlipayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlipayClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn text(map: &Map<String, Value>, key: &str) -> String {
    map.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The object when its `code` is 10000; the gateway's refusal otherwise.
fn succeeded(object: Map<String, Value>) -> Result<Map<String, Value>, AlipayError> {
    match object.get("code").and_then(Value::as_str) {
        Some("10000") => Ok(object),
        Some("20000") => Err(AlipayError::Unknown(format!(
            "{} {}",
            text(&object, "sub_code"),
            text(&object, "sub_msg")
        ))),
        Some(code) => Err(AlipayError::Business {
            code: code.to_owned(),
            msg: text(&object, "msg"),
            sub_code: text(&object, "sub_code"),
            sub_msg: text(&object, "sub_msg"),
        }),
        None => Err(AlipayError::Malformed("response has no code".into())),
    }
}

impl AlipayClient {
    /// Builds the HTTP client with the configured timeout.
    pub fn new(config: AlipayConfig) -> Result<Self, AlipayError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| AlipayError::Transport(e.to_string()))?;
        Ok(Self {
            config,
            http,
            clock: Arc::new(SystemClock),
            fetched_keys: Arc::default(),
        })
    }

    /// The same client reading "now" (each request's signed `timestamp`) from `clock`, so
    /// that tests can sign at a fixed instant.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// The configuration.
    pub fn config(&self) -> &AlipayConfig {
        &self.config
    }

    /// The signed page-pay link for an order.
    pub fn page_pay_url(&self, pay: &PagePay, now: DateTime<Utc>) -> Result<String, AlipayError> {
        pay.url(&self.config, now)
    }

    /// Calls a gateway method; returns the verified response object when `code` is 10000, and
    /// its verified (decrypted) text.
    pub async fn call(
        &self,
        method: &str,
        biz_content: Value,
    ) -> Result<(Map<String, Value>, String), AlipayError> {
        let body = self.post(method, &biz_content).await?;
        let key = match self.answer_cert_sn(&body)? {
            Some(sn) => self.alipay_cert_key(&sn).await?,
            None => self.config.alipay_public_key.clone(),
        };
        let (object, text) = self.open_answer(&body, method, &key)?;
        succeeded(object).map(|object| (object, text))
    }

    /// Sends a signed request and returns the answer's text.
    async fn post(&self, method: &str, biz_content: &Value) -> Result<String, AlipayError> {
        let params = signed_params(&self.config, method, biz_content, false, self.clock.now())?;
        let body = encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let response = self
            .http
            .post(&self.config.gateway)
            .header(
                "Content-Type",
                "application/x-www-form-urlencoded;charset=utf-8",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| AlipayError::Transport(e.to_string()))?;
        if !response.status().is_success() {
            return Err(AlipayError::Transport(format!(
                "gateway answered HTTP {}",
                response.status()
            )));
        }
        response
            .text()
            .await
            .map_err(|e| AlipayError::Transport(e.to_string()))
    }

    /// In certificate mode, the SN of the Alipay certificate an answer names when it is not
    /// the one configured.
    fn answer_cert_sn(&self, body: &str) -> Result<Option<String>, AlipayError> {
        let Some(mode) = &self.config.cert_mode else {
            return Ok(None);
        };
        let named = top_level_members(body)?
            .into_iter()
            .find(|(k, _)| k == "alipay_cert_sn")
            .and_then(|(_, v)| serde_json::from_str::<String>(v).ok())
            .filter(|sn| !sn.is_empty() && *sn != mode.alipay_cert_sn);
        Ok(named)
    }

    /// The key of the Alipay certificate `sn`: fetched once, checked against the root.
    async fn alipay_cert_key(&self, sn: &str) -> Result<RsaPublicKey, AlipayError> {
        if let Some(key) = self.known_key(sn) {
            return Ok(key);
        }
        let Some(mode) = &self.config.cert_mode else {
            return Ok(self.config.alipay_public_key.clone());
        };
        let body = self
            .post(CERT_DOWNLOAD, &json!({"alipay_cert_sn": sn}))
            .await?;
        let (raw, _) = extract_response(&body, CERT_DOWNLOAD)?;
        // The certificate is read before the answer's signature can be checked with it: it
        // is trusted because it chains to the configured root and carries the SN asked for.
        let (unverified, _) = self.decrypt_answer(raw)?;
        let object = succeeded(unverified)?;
        let content = text(&object, "alipay_cert_content");
        let pem = base64::engine::general_purpose::STANDARD
            .decode(content.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                AlipayError::Malformed("alipay_cert_content is not base64 PEM".into())
            })?;
        let key = verify_chain(&pem, &mode.root_cert_pem, self.clock.now())?;
        if cert_sn(&pem)? != sn {
            return Err(AlipayError::Key(format!(
                "the certificate fetched for SN {sn} has another SN"
            )));
        }
        self.open_answer(&body, CERT_DOWNLOAD, &key)?;
        if let Ok(mut keys) = self.fetched_keys.write() {
            keys.insert(sn.to_owned(), key.clone());
        }
        Ok(key)
    }

    fn known_key(&self, sn: &str) -> Option<RsaPublicKey> {
        self.fetched_keys
            .read()
            .ok()
            .and_then(|keys| keys.get(sn).cloned())
    }

    /// Verifies an answer's signature with `key` over the exact response text, then reads it
    /// (decrypting it first when it is an encrypted string).
    fn open_answer(
        &self,
        body: &str,
        method: &str,
        key: &RsaPublicKey,
    ) -> Result<(Map<String, Value>, String), AlipayError> {
        let (raw, sign) = extract_response(body, method)?;
        let sign = sign.ok_or(AlipayError::BadSignature)?;
        verify(key, raw.as_bytes(), &sign)?;
        self.decrypt_answer(raw)
    }

    /// The response object of a raw `*_response` value: a JSON object as is, or an
    /// AES-encrypted JSON string decrypted.
    fn decrypt_answer(&self, raw: &str) -> Result<(Map<String, Value>, String), AlipayError> {
        let text = if raw.starts_with('"') {
            let sealed: String = serde_json::from_str(raw)
                .map_err(|e| AlipayError::Malformed(format!("encrypted response: {e}")))?;
            let key = self.config.aes_key.as_ref().ok_or_else(|| {
                AlipayError::Malformed("the answer is encrypted but no AES key is set".into())
            })?;
            key.decrypt(&sealed)?
        } else {
            raw.to_owned()
        };
        let object: Map<String, Value> = serde_json::from_str(&text)
            .map_err(|e| AlipayError::Malformed(format!("response object: {e}")))?;
        Ok((object, text))
    }

    /// Runs a callback check with the configured Alipay key, then (only when that signature
    /// fails, after a certificate rotation) with the keys of the certificates fetched since.
    fn with_callback_keys<T>(
        &self,
        check: impl Fn(&RsaPublicKey) -> Result<T, AlipayError>,
    ) -> Result<T, AlipayError> {
        match check(&self.config.alipay_public_key) {
            Err(AlipayError::BadSignature) => {}
            other => return other,
        }
        let fetched = self
            .fetched_keys
            .read()
            .map_err(|_| AlipayError::BadSignature)?;
        for key in fetched.values() {
            match check(key) {
                Err(AlipayError::BadSignature) => {}
                other => return other,
            }
        }
        Err(AlipayError::BadSignature)
    }

    /// [`crate::verify_notify`] with the keys this client knows (after a certificate rotation,
    /// the new certificate's too).
    pub fn verify_notify(&self, params: &[(String, String)]) -> Result<Notification, AlipayError> {
        self.with_callback_keys(|key| crate::notify::verify_notify(params, key))
    }

    /// [`crate::verify_return`] with the keys this client knows.
    pub fn verify_return(&self, params: &[(String, String)]) -> Result<ReturnParams, AlipayError> {
        self.with_callback_keys(|key| crate::notify::verify_return(params, key))
    }

    /// `alipay.trade.query`. A trade the gateway never saw is
    /// `Business { sub_code: "ACQ.TRADE_NOT_EXIST" }`.
    pub async fn trade_query(&self, out_trade_no: &str) -> Result<TradeQuery, AlipayError> {
        let (object, raw) = self
            .call("alipay.trade.query", json!({"out_trade_no": out_trade_no}))
            .await?;
        let status = text(&object, "trade_status");
        let total = text(&object, "total_amount");
        Ok(TradeQuery {
            out_trade_no: text(&object, "out_trade_no"),
            trade_no: text(&object, "trade_no"),
            trade_status: TradeStatus::parse(&status)
                .ok_or_else(|| AlipayError::Malformed(format!("unknown trade_status {status}")))?,
            total_amount: parse_amount(&total)
                .ok_or_else(|| AlipayError::Malformed(format!("bad total_amount {total}")))?,
            raw,
        })
    }

    /// A day's trade bill (`alipay.data.dataservice.bill.downloadurl.query`, `bill_type`
    /// trade, `bill_date` the Beijing day), downloaded and read. A day whose bill is not
    /// ready is the gateway's refusal (`isp.bill_not_exist`).
    #[cfg(feature = "bill")]
    pub async fn trade_bill(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<crate::bill::TradeBill, AlipayError> {
        let (object, _) = self
            .call(
                "alipay.data.dataservice.bill.downloadurl.query",
                json!({"bill_type": "trade", "bill_date": day.format("%Y-%m-%d").to_string()}),
            )
            .await?;
        let url = text(&object, "bill_download_url");
        if url.is_empty() {
            return Err(AlipayError::Malformed("no bill_download_url".into()));
        }
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| AlipayError::Transport(e.to_string()))?;
        if !response.status().is_success() {
            return Err(AlipayError::Transport(format!(
                "bill download answered HTTP {}",
                response.status()
            )));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| AlipayError::Transport(e.to_string()))?;
        let bill = crate::bill::read_trade_bill_zip(&bytes)?;
        if bill.day != day {
            return Err(AlipayError::Malformed(format!(
                "asked for the bill of {day}, got the bill of {}",
                bill.day
            )));
        }
        Ok(bill)
    }

    /// `alipay.trade.close`: refuses further payment of an unpaid trade.
    pub async fn trade_close(&self, out_trade_no: &str) -> Result<(), AlipayError> {
        self.call("alipay.trade.close", json!({"out_trade_no": out_trade_no}))
            .await?;
        Ok(())
    }

    /// `alipay.trade.refund`. `out_request_no` makes retries idempotent: the same number never
    /// refunds twice.
    pub async fn trade_refund(
        &self,
        out_trade_no: &str,
        refund_amount: Decimal,
        out_request_no: &str,
        reason: &str,
    ) -> Result<RefundResult, AlipayError> {
        let (object, _) = self
            .call(
                "alipay.trade.refund",
                json!({
                    "out_trade_no": out_trade_no,
                    "refund_amount": amount(refund_amount),
                    "out_request_no": out_request_no,
                    "refund_reason": reason,
                }),
            )
            .await?;
        let fee = text(&object, "refund_fee");
        Ok(RefundResult {
            trade_no: text(&object, "trade_no"),
            refund_fee: parse_amount(&fee).unwrap_or_default(),
            fund_change: text(&object, "fund_change") == "Y",
        })
    }

    /// `alipay.trade.fastpay.refund.query`: whether the refund with this request number is
    /// done (`query_options` asks for the status, as Alipay requires for it to be returned).
    pub async fn refund_query(
        &self,
        out_trade_no: &str,
        out_request_no: &str,
    ) -> Result<RefundQuery, AlipayError> {
        let (object, _) = self
            .call(
                "alipay.trade.fastpay.refund.query",
                json!({
                    "out_trade_no": out_trade_no,
                    "out_request_no": out_request_no,
                    "query_options": ["refund_detail_item_list", "gmt_refund_pay"],
                }),
            )
            .await?;
        let refund_amount = parse_amount(&text(&object, "refund_amount"));
        Ok(RefundQuery {
            out_request_no: text(&object, "out_request_no"),
            refund_status: text(&object, "refund_status"),
            refund_amount,
        })
    }
}
