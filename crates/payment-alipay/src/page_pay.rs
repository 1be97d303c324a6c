//! `alipay.trade.page.pay`: the signed link that sends the buyer to the cashier.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;

use crate::config::AlipayConfig;
use crate::error::AlipayError;
use crate::form::encode_form;
use crate::sign::{sign, signing_string, Purpose};
use crate::wire::{amount, timestamp};

/// What to pay for.
#[derive(Debug, Clone, PartialEq)]
pub struct PagePay {
    /// Our order number.
    pub out_trade_no: String,
    /// The amount, 2 dp.
    pub total_amount: Decimal,
    /// Shown to the buyer.
    pub subject: String,
    /// The gateway refuses payment after this instant (the order's expiry).
    pub time_expire: DateTime<Utc>,
}

/// The common request parameters, with `biz_content` and `sign` added, signed. In certificate
/// mode `app_cert_sn` and `alipay_root_cert_sn` are among the signed parameters; with AES on,
/// `biz_content` is encrypted first and `encrypt_type=AES` signed with it.
pub(crate) fn signed_params(
    config: &AlipayConfig,
    method: &str,
    biz_content: &serde_json::Value,
    with_urls: bool,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String)>, AlipayError> {
    let mut params: Vec<(String, String)> = vec![
        ("app_id".into(), config.app_id.clone()),
        ("method".into(), method.into()),
        ("format".into(), "JSON".into()),
        ("charset".into(), "utf-8".into()),
        ("sign_type".into(), "RSA2".into()),
        ("timestamp".into(), timestamp(now)),
        ("version".into(), "1.0".into()),
    ];
    if let Some(cert) = &config.cert_mode {
        params.push(("app_cert_sn".into(), cert.app_cert_sn.clone()));
        params.push((
            "alipay_root_cert_sn".into(),
            cert.alipay_root_cert_sn.clone(),
        ));
    }
    match &config.aes_key {
        Some(key) => {
            params.push(("encrypt_type".into(), "AES".into()));
            params.push(("biz_content".into(), key.encrypt(&biz_content.to_string())));
        }
        None => params.push(("biz_content".into(), biz_content.to_string())),
    }
    if with_urls {
        params.push(("notify_url".into(), config.notify_url.clone()));
        params.push(("return_url".into(), config.return_url.clone()));
    }
    let content = signing_string(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Purpose::Request,
    );
    let signature = sign(&config.app_private_key, &content)?;
    params.push(("sign".into(), signature));
    Ok(params)
}

impl PagePay {
    /// The signed pay link: `gateway?<params>` with each value URL-encoded once.
    pub fn url(&self, config: &AlipayConfig, now: DateTime<Utc>) -> Result<String, AlipayError> {
        let biz = json!({
            "out_trade_no": self.out_trade_no,
            "total_amount": amount(self.total_amount),
            "subject": self.subject,
            "product_code": "FAST_INSTANT_TRADE_PAY",
            "time_expire": timestamp(self.time_expire),
        });
        let params = signed_params(config, "alipay.trade.page.pay", &biz, true, now)?;
        let query = encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let separator = if config.gateway.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{separator}{query}", config.gateway))
    }
}
