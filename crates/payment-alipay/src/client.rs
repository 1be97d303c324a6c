//! Server-to-server calls: trade query, close and refund. Every response's signature is
//! verified over the raw `*_response` bytes before its `code` is believed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use luffy_common::{Clock, SystemClock};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use crate::config::AlipayConfig;
use crate::error::AlipayError;
use crate::extract::extract_response;
use crate::form::encode_form;
use crate::notify::TradeStatus;
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

/// A client for one merchant configuration; cheap to clone.
#[derive(Clone)]
pub struct AlipayClient {
    config: AlipayConfig,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
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

    /// Calls a gateway method; returns the verified response object when `code` is 10000.
    pub async fn call(
        &self,
        method: &str,
        biz_content: Value,
    ) -> Result<(Map<String, Value>, String), AlipayError> {
        let params = signed_params(&self.config, method, &biz_content, false, self.clock.now())?;
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
        let text_body = response
            .text()
            .await
            .map_err(|e| AlipayError::Transport(e.to_string()))?;
        let (raw, sign) = extract_response(&text_body, method)?;
        let sign = sign.ok_or(AlipayError::BadSignature)?;
        verify(&self.config.alipay_public_key, raw.as_bytes(), &sign)?;
        let object: Map<String, Value> = serde_json::from_str(raw)
            .map_err(|e| AlipayError::Malformed(format!("response object: {e}")))?;
        match object.get("code").and_then(Value::as_str) {
            Some("10000") => Ok((object, raw.to_owned())),
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
