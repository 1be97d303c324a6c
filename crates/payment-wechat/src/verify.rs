//! Verifying what WeChat Pay signs (every response, including 204s, and every notify): the
//! key is chosen by `Wechatpay-Serial` among the keys a merchant holds, in either mode WeChat
//! offers (platform certificates, named by their serial, or the WeChat Pay public key, named
//! `PUB_KEY_ID_...`), both accepted at once during a switch. Timestamps more than 300 s away
//! and WeChat's `WECHATPAY/SIGNTEST/` probes are refused.

use chrono::{DateTime, Utc};
use rsa::RsaPublicKey;

use crate::error::WechatError;
use crate::keys::{parse_certificate, parse_public_key};
use crate::sign::{response_message, verify};

/// How far a signed timestamp may be from now, in seconds.
pub const MAX_SKEW_SECS: i64 = 300;

/// The signature prefix of WeChat's probes, which a merchant must refuse.
pub const SIGNATURE_PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// The WeChat Pay keys a merchant trusts, by serial.
#[derive(Debug, Clone, Default)]
pub struct PlatformKeys {
    keys: Vec<(String, RsaPublicKey)>,
}

impl PlatformKeys {
    /// No key yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key under its serial (a certificate serial or a `PUB_KEY_ID_...`).
    pub fn with_key(mut self, serial: impl Into<String>, key: RsaPublicKey) -> Self {
        self.keys.push((serial.into(), key));
        self
    }

    /// Adds the WeChat Pay public key (SPKI PEM) with its id (`PUB_KEY_ID_...`).
    pub fn with_public_key_pem(self, id: &str, pem: &str) -> Result<Self, WechatError> {
        Ok(self.with_key(id, parse_public_key(pem)?))
    }

    /// Adds a platform certificate (PEM), named by its serial.
    pub fn with_certificate_pem(self, pem: &str) -> Result<Self, WechatError> {
        let (serial, key) = parse_certificate(pem)?;
        Ok(self.with_key(serial, key))
    }

    /// The key with this serial.
    pub fn get(&self, serial: &str) -> Option<&RsaPublicKey> {
        self.keys.iter().find(|(s, _)| s == serial).map(|(_, k)| k)
    }

    /// The serials held.
    pub fn serials(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(s, _)| s.as_str())
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The four `Wechatpay-*` headers of a signed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedHeaders<'a> {
    /// `Wechatpay-Timestamp`.
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Serial`.
    pub serial: &'a str,
    /// `Wechatpay-Signature`.
    pub signature: &'a str,
}

impl<'a> SignedHeaders<'a> {
    /// Reads the headers through a case-insensitive lookup; a missing one is refused.
    pub fn read(header: impl Fn(&str) -> Option<&'a str>) -> Result<Self, WechatError> {
        let get = |name: &str| {
            header(name).ok_or_else(|| WechatError::Malformed(format!("no {name} header")))
        };
        Ok(Self {
            timestamp: get("Wechatpay-Timestamp")?,
            nonce: get("Wechatpay-Nonce")?,
            serial: get("Wechatpay-Serial")?,
            signature: get("Wechatpay-Signature")?,
        })
    }
}

/// Verifies a signed response or notify body at `now`.
pub fn verify_signed(
    keys: &PlatformKeys,
    headers: &SignedHeaders<'_>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), WechatError> {
    if headers.signature.starts_with(SIGNATURE_PROBE_PREFIX) {
        return Err(WechatError::SignatureProbe);
    }
    let timestamp: i64 = headers
        .timestamp
        .trim()
        .parse()
        .map_err(|_| WechatError::StaleTimestamp(headers.timestamp.to_owned()))?;
    if (now.timestamp() - timestamp).abs() > MAX_SKEW_SECS {
        return Err(WechatError::StaleTimestamp(headers.timestamp.to_owned()));
    }
    let key = keys
        .get(headers.serial)
        .ok_or_else(|| WechatError::UnknownSerial(headers.serial.to_owned()))?;
    verify(
        key,
        &response_message(headers.timestamp, headers.nonce, body),
        headers.signature,
    )
}
