//! Notifies and the objects WeChat Pay describes trades and refunds with. A notify is a
//! signed JSON envelope whose `resource` is encrypted ([`crate::aead`]); [`verify_notify`]
//! checks the signature, then decrypts and reads the resource. It does NOT compare appid,
//! mchid or the amount with an order: the caller does, with its configuration and database.

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::aead::{decrypt, encrypt};
use crate::config::WechatConfig;
use crate::error::WechatError;
use crate::verify::{verify_signed, SignedHeaders};

/// The encrypted part of a notify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedResource {
    /// `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// Base64 ciphertext with the tag.
    pub ciphertext: String,
    /// Associated data (`transaction`, `refund`).
    #[serde(default)]
    pub associated_data: String,
    /// `transaction` or `refund`.
    pub original_type: String,
    /// The 12-character nonce.
    pub nonce: String,
}

/// A notify as sent: `id`, `create_time`, `event_type`, `resource_type`, `resource`, `summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyEnvelope {
    /// The notify's id.
    pub id: String,
    /// When it was created (RFC 3339, +08:00).
    pub create_time: String,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// The encrypted resource.
    pub resource: EncryptedResource,
    /// A human summary.
    #[serde(default)]
    pub summary: String,
}

/// Amounts of a transaction, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionAmount {
    /// The order's total.
    pub total: i64,
    /// What the buyer paid (after WeChat's own discounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// `CNY`.
    #[serde(default)]
    pub currency: String,
}

/// A trade, as the query answers and `TRANSACTION.SUCCESS` notifies describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// The app.
    pub appid: String,
    /// The merchant.
    pub mchid: String,
    /// Our order number.
    pub out_trade_no: String,
    /// WeChat's trade number (absent while not paid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// `SUCCESS`, `NOTPAY`, `CLOSED`, `REFUND`, `USERPAYING`, `PAYERROR`, `REVOKED`.
    pub trade_state: String,
    /// When it was paid (RFC 3339, +08:00).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// Amounts (absent on some unpaid answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<TransactionAmount>,
}

impl Transaction {
    /// Whether the buyer paid (`SUCCESS`; `REFUND` means paid, then refunded in part or all).
    pub fn is_paid(&self) -> bool {
        self.trade_state == "SUCCESS" || self.trade_state == "REFUND"
    }

    /// `success_time` in UTC.
    pub fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.success_time
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    }
}

/// Amounts of a refund, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmount {
    /// The original order's total.
    pub total: i64,
    /// This refund.
    pub refund: i64,
    /// What the buyer paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// What the buyer gets back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_refund: Option<i64>,
    /// `CNY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// A refund, as refund answers and `REFUND.*` notifies describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// The merchant (notifies carry it; API answers may not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// Our order number.
    pub out_trade_no: String,
    /// WeChat's trade number.
    pub transaction_id: String,
    /// Our refund number.
    pub out_refund_no: String,
    /// WeChat's refund number.
    pub refund_id: String,
    /// `SUCCESS`, `CLOSED`, `PROCESSING`, `ABNORMAL` (answers call it `status`).
    #[serde(alias = "status")]
    pub refund_status: String,
    /// When the money was back (RFC 3339, +08:00).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// Amounts.
    pub amount: RefundAmount,
}

impl Refund {
    /// Whether the money is back.
    pub fn is_success(&self) -> bool {
        self.refund_status == "SUCCESS"
    }
}

/// A verified, decrypted notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// `TRANSACTION.*`: a trade changed (paid).
    Transaction {
        /// The event.
        event_type: String,
        /// The trade.
        transaction: Transaction,
        /// The decrypted resource, kept as evidence.
        plaintext: String,
    },
    /// `REFUND.*`: a refund ended.
    Refund {
        /// The event.
        event_type: String,
        /// The refund.
        refund: Refund,
        /// The decrypted resource, kept as evidence.
        plaintext: String,
    },
}

/// Verifies a notify's signature (headers read through `header`, case-insensitive) at
/// `now`, decrypts its resource and reads it.
pub fn verify_notify<'a>(
    config: &WechatConfig,
    header: impl Fn(&str) -> Option<&'a str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Notice, WechatError> {
    let headers = SignedHeaders::read(header)?;
    verify_signed(&config.platform_keys, &headers, body, now)?;
    let envelope: NotifyEnvelope =
        serde_json::from_slice(body).map_err(|e| WechatError::Malformed(format!("notify: {e}")))?;
    open_notify(config.api_v3_key.expose_secret().as_bytes(), &envelope)
}

/// Decrypts and reads a notify's resource (its signature already verified).
pub fn open_notify(api_v3_key: &[u8], envelope: &NotifyEnvelope) -> Result<Notice, WechatError> {
    let resource = &envelope.resource;
    if resource.algorithm != "AEAD_AES_256_GCM" {
        return Err(WechatError::Malformed(format!(
            "algorithm {}",
            resource.algorithm
        )));
    }
    let plaintext = decrypt(
        api_v3_key,
        &resource.nonce,
        &resource.associated_data,
        &resource.ciphertext,
    )?;
    let plaintext =
        String::from_utf8(plaintext).map_err(|_| WechatError::Malformed("not UTF-8".into()))?;
    let event_type = envelope.event_type.clone();
    if event_type.starts_with("TRANSACTION.") {
        let transaction = serde_json::from_str(&plaintext)
            .map_err(|e| WechatError::Malformed(format!("transaction: {e}")))?;
        Ok(Notice::Transaction {
            event_type,
            transaction,
            plaintext,
        })
    } else if event_type.starts_with("REFUND.") {
        let refund = serde_json::from_str(&plaintext)
            .map_err(|e| WechatError::Malformed(format!("refund: {e}")))?;
        Ok(Notice::Refund {
            event_type,
            refund,
            plaintext,
        })
    } else {
        Err(WechatError::Malformed(format!("event_type {event_type}")))
    }
}

/// Builds an encrypted notify envelope the way WeChat Pay does (for sandboxes and tests).
pub fn seal_notify(
    api_v3_key: &[u8],
    id: &str,
    event_type: &str,
    original_type: &str,
    resource: &serde_json::Value,
    created_at: DateTime<Utc>,
) -> Result<NotifyEnvelope, WechatError> {
    let nonce: String = crate::sign::nonce().chars().take(12).collect();
    let plaintext =
        serde_json::to_vec(resource).map_err(|e| WechatError::Malformed(e.to_string()))?;
    Ok(NotifyEnvelope {
        id: id.to_owned(),
        create_time: crate::time::beijing_rfc3339(created_at),
        event_type: event_type.to_owned(),
        resource_type: "encrypt-resource".into(),
        resource: EncryptedResource {
            algorithm: "AEAD_AES_256_GCM".into(),
            ciphertext: encrypt(api_v3_key, &nonce, original_type, &plaintext)?,
            associated_data: original_type.to_owned(),
            original_type: original_type.to_owned(),
            nonce,
        },
        summary: if event_type == "TRANSACTION.SUCCESS" {
            "支付成功".into()
        } else {
            "退款状态变更".into()
        },
    })
}
