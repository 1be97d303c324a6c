//! Verifying what Alipay sends back: the buyer's synchronous return and the asynchronous
//! notify. Both are signed over every parameter but `sign` and `sign_type`.

use chrono::{DateTime, Utc};
use rsa::RsaPublicKey;
use rust_decimal::Decimal;

use crate::error::AlipayError;
use crate::sign::{signing_string, verify, Purpose};
use crate::wire::{parse_amount, parse_timestamp};

/// Trade states Alipay reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeStatus {
    /// Created, not paid.
    WaitBuyerPay,
    /// Closed unpaid, or fully refunded.
    TradeClosed,
    /// Paid; refundable.
    TradeSuccess,
    /// Paid; no longer refundable.
    TradeFinished,
}

impl TradeStatus {
    /// Parses Alipay's status words.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "WAIT_BUYER_PAY" => Some(Self::WaitBuyerPay),
            "TRADE_CLOSED" => Some(Self::TradeClosed),
            "TRADE_SUCCESS" => Some(Self::TradeSuccess),
            "TRADE_FINISHED" => Some(Self::TradeFinished),
            _ => None,
        }
    }

    /// Alipay's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WaitBuyerPay => "WAIT_BUYER_PAY",
            Self::TradeClosed => "TRADE_CLOSED",
            Self::TradeSuccess => "TRADE_SUCCESS",
            Self::TradeFinished => "TRADE_FINISHED",
        }
    }

    /// Whether the buyer's money arrived.
    pub fn is_paid(self) -> bool {
        matches!(self, Self::TradeSuccess | Self::TradeFinished)
    }
}

fn field<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn required<'a>(params: &'a [(String, String)], key: &str) -> Result<&'a str, AlipayError> {
    field(params, key)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AlipayError::Malformed(format!("missing {key}")))
}

/// Checks the signature of decoded callback parameters.
pub fn verify_callback(
    params: &[(String, String)],
    alipay_public_key: &RsaPublicKey,
) -> Result<(), AlipayError> {
    let signature = required(params, "sign")?;
    let content = signing_string(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Purpose::Callback,
    );
    verify(alipay_public_key, content.as_bytes(), signature)
}

/// Signs callback parameters as the gateway does (`sign_type` RSA2, then `sign` over the
/// sorted, non-empty parameters): for tests and sandboxes that simulate Alipay's notify or
/// return with the gateway's private key. Any `sign` or `sign_type` given is replaced.
pub fn sign_callback(
    params: &[(String, String)],
    gateway_private_key: &rsa::RsaPrivateKey,
) -> Result<Vec<(String, String)>, AlipayError> {
    let mut signed: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "sign" && k != "sign_type")
        .cloned()
        .collect();
    signed.push(("sign_type".to_owned(), "RSA2".to_owned()));
    let content = signing_string(
        signed.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Purpose::Callback,
    );
    let signature = crate::sign::sign(gateway_private_key, &content)?;
    signed.push(("sign".to_owned(), signature));
    Ok(signed)
}

/// A verified asynchronous notify.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The app the payment was for; callers MUST compare it with theirs.
    pub app_id: String,
    /// Our order number.
    pub out_trade_no: String,
    /// Alipay's trade number.
    pub trade_no: String,
    /// The trade state.
    pub trade_status: TradeStatus,
    /// The amount; callers MUST compare it with the order.
    pub total_amount: Decimal,
    /// The seller; callers compare it when they know theirs.
    pub seller_id: Option<String>,
    /// When the buyer paid.
    pub gmt_payment: Option<DateTime<Utc>>,
    /// Every verified parameter, to keep as the payment's payload.
    pub params: Vec<(String, String)>,
}

/// Verifies a notify's signature and reads its fields. Required: `sign` (over every other
/// parameter but `sign_type`), `app_id`, `out_trade_no`, `trade_no`, `trade_status` (one of
/// [`TradeStatus`]) and `total_amount` (yuan, 2 dp); read when present: `seller_id`,
/// `gmt_payment`. A missing or malformed one is [`AlipayError::Malformed`], a bad signature
/// [`AlipayError::BadSignature`]. It does NOT check app_id, seller_id or the amount against an
/// order: the caller does, with its configuration and database.
pub fn verify_notify(
    params: &[(String, String)],
    alipay_public_key: &RsaPublicKey,
) -> Result<Notification, AlipayError> {
    verify_callback(params, alipay_public_key)?;
    let status_text = required(params, "trade_status")?;
    let total = required(params, "total_amount")?;
    Ok(Notification {
        app_id: required(params, "app_id")?.to_owned(),
        out_trade_no: required(params, "out_trade_no")?.to_owned(),
        trade_no: required(params, "trade_no")?.to_owned(),
        trade_status: TradeStatus::parse(status_text)
            .ok_or_else(|| AlipayError::Malformed(format!("unknown trade_status {status_text}")))?,
        total_amount: parse_amount(total)
            .ok_or_else(|| AlipayError::Malformed(format!("bad total_amount {total}")))?,
        seller_id: field(params, "seller_id")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        gmt_payment: field(params, "gmt_payment").and_then(parse_timestamp),
        params: params.to_vec(),
    })
}

/// A verified synchronous return (the buyer's browser coming back).
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnParams {
    /// The app id.
    pub app_id: String,
    /// Our order number.
    pub out_trade_no: String,
    /// Alipay's trade number.
    pub trade_no: String,
    /// The amount.
    pub total_amount: Decimal,
    /// The seller, when present.
    pub seller_id: Option<String>,
}

/// Verifies a return's signature and reads its fields. A return proves nothing about payment:
/// callers query the trade before fulfilling.
pub fn verify_return(
    params: &[(String, String)],
    alipay_public_key: &RsaPublicKey,
) -> Result<ReturnParams, AlipayError> {
    verify_callback(params, alipay_public_key)?;
    let total = required(params, "total_amount")?;
    Ok(ReturnParams {
        app_id: required(params, "app_id")?.to_owned(),
        out_trade_no: required(params, "out_trade_no")?.to_owned(),
        trade_no: required(params, "trade_no")?.to_owned(),
        total_amount: parse_amount(total)
            .ok_or_else(|| AlipayError::Malformed(format!("bad total_amount {total}")))?,
        seller_id: field(params, "seller_id")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::{sign, tests::test_key};

    fn signed(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let key = test_key();
        let mut params: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let content = signing_string(pairs.iter().copied(), Purpose::Callback);
        params.push(("sign".into(), sign(&key, &content).unwrap()));
        params.push(("sign_type".into(), "RSA2".into()));
        params
    }

    fn notify_pairs() -> Vec<(&'static str, &'static str)> {
        vec![
            ("app_id", "2021000000000000"),
            ("out_trade_no", "202611250000000100000001"),
            ("trade_no", "2026112522001400000000000001"),
            ("trade_status", "TRADE_SUCCESS"),
            ("total_amount", "1208.44"),
            ("seller_id", "2088000000000000"),
            ("subject", "购买课程 + & = % 空格"),
            ("gmt_payment", "2026-11-25 08:30:00"),
            (
                "fund_bill_list",
                "[{\"amount\":\"1208.44\",\"fundChannel\":\"ALIPAYACCOUNT\"}]",
            ),
        ]
    }

    #[test]
    fn verifies_a_signed_notify() {
        let public = RsaPublicKey::from(&test_key());
        let notification = verify_notify(&signed(&notify_pairs()), &public).unwrap();
        assert_eq!(notification.trade_status, TradeStatus::TradeSuccess);
        assert_eq!(notification.total_amount.to_string(), "1208.44");
        assert!(notification.gmt_payment.is_some());
    }

    #[test]
    fn sign_type_is_not_signed_on_callbacks() {
        let public = RsaPublicKey::from(&test_key());
        let mut params = signed(&notify_pairs());
        for (k, v) in params.iter_mut() {
            if k == "sign_type" {
                *v = "RSA".into();
            }
        }
        assert!(verify_notify(&params, &public).is_ok());
    }

    #[test]
    fn any_tampering_breaks_the_signature() {
        let public = RsaPublicKey::from(&test_key());
        for (key, value) in [
            ("total_amount", "1208.45"),
            ("app_id", "other"),
            ("subject", "购买课程 + & = %空格"),
        ] {
            let mut params = signed(&notify_pairs());
            for (k, v) in params.iter_mut() {
                if k == key {
                    *v = value.into();
                }
            }
            assert!(
                matches!(
                    verify_notify(&params, &public),
                    Err(AlipayError::BadSignature)
                ),
                "{key}"
            );
        }
        let mut extra = signed(&notify_pairs());
        extra.push(("injected".into(), "1".into()));
        assert!(verify_notify(&extra, &public).is_err());
        let unsigned: Vec<(String, String)> = signed(&notify_pairs())
            .into_iter()
            .filter(|(k, _)| k != "sign")
            .collect();
        assert!(matches!(
            verify_notify(&unsigned, &public),
            Err(AlipayError::Malformed(_))
        ));
    }

    #[test]
    fn signed_but_missing_fields_are_malformed() {
        let public = RsaPublicKey::from(&test_key());
        let mut pairs = notify_pairs();
        pairs.retain(|(k, _)| *k != "trade_no");
        assert!(matches!(
            verify_notify(&signed(&pairs), &public),
            Err(AlipayError::Malformed(_))
        ));
    }

    #[test]
    fn verifies_a_return() {
        let public = RsaPublicKey::from(&test_key());
        let pairs = [
            ("app_id", "2021000000000000"),
            ("method", "alipay.trade.page.pay.return"),
            ("out_trade_no", "1"),
            ("trade_no", "2"),
            ("total_amount", "9.90"),
            ("timestamp", "2026-11-25 08:30:00"),
        ];
        let ret = verify_return(&signed(&pairs), &public).unwrap();
        assert_eq!(ret.total_amount.to_string(), "9.90");
    }
}
