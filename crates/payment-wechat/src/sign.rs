//! Request signing as WeChat Pay API v3 specifies it: SHA256withRSA (PKCS#1 v1.5) over
//! `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`, sent as
//! `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",signature="..",timestamp="..",serial_no=".."`.
//! Responses and notifies are signed the same way over `TIMESTAMP\nNONCE\nBODY\n`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::distributions::Alphanumeric;
use rand::Rng;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

use crate::error::WechatError;

/// The authorization scheme.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// The string a request's signature covers.
pub fn request_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The string a response's or notify's signature covers.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(body.len() + 64);
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(nonce.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// SHA256withRSA over `message`, base64.
pub fn sign(key: &RsaPrivateKey, message: &[u8]) -> Result<String, WechatError> {
    let signature = SigningKey::<Sha256>::new(key.clone())
        .try_sign(message)
        .map_err(|e| WechatError::Sign(e.to_string()))?;
    Ok(STANDARD.encode(signature.to_bytes()))
}

/// Verifies a base64 SHA256withRSA signature over `message`.
pub fn verify(key: &RsaPublicKey, message: &[u8], signature_b64: &str) -> Result<(), WechatError> {
    let bytes = STANDARD
        .decode(signature_b64.trim())
        .map_err(|_| WechatError::BadSignature)?;
    let signature = Signature::try_from(bytes.as_slice()).map_err(|_| WechatError::BadSignature)?;
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(message, &signature)
        .map_err(|_| WechatError::BadSignature)
}

/// A fresh 32-character nonce.
pub fn nonce() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// The fields of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The merchant.
    pub mchid: String,
    /// The nonce.
    pub nonce_str: String,
    /// Unix seconds, as sent.
    pub timestamp: String,
    /// The merchant certificate's serial (which key signed).
    pub serial_no: String,
    /// The base64 signature.
    pub signature: String,
}

impl Authorization {
    /// Signs a request: the header value to send.
    #[allow(clippy::too_many_arguments)]
    pub fn sign_request(
        mchid: &str,
        serial_no: &str,
        key: &RsaPrivateKey,
        method: &str,
        path_and_query: &str,
        body: &str,
        timestamp: i64,
        nonce: &str,
    ) -> Result<Self, WechatError> {
        let message = request_message(method, path_and_query, timestamp, nonce, body);
        Ok(Self {
            mchid: mchid.to_owned(),
            nonce_str: nonce.to_owned(),
            timestamp: timestamp.to_string(),
            serial_no: serial_no.to_owned(),
            signature: sign(key, message.as_bytes())?,
        })
    }

    /// The header value.
    pub fn header(&self) -> String {
        format!(
            r#"{SCHEME} mchid="{}",nonce_str="{}",signature="{}",timestamp="{}",serial_no="{}""#,
            self.mchid, self.nonce_str, self.signature, self.timestamp, self.serial_no
        )
    }

    /// Reads a header value, its fields in any order.
    pub fn parse(header: &str) -> Result<Self, WechatError> {
        let fields = header
            .trim()
            .strip_prefix(SCHEME)
            .filter(|rest| rest.starts_with(' '))
            .ok_or_else(|| WechatError::Malformed(format!("not a {SCHEME} header")))?;
        let mut found: Vec<(&str, &str)> = Vec::new();
        for part in fields.split(',') {
            let (name, value) = part
                .trim()
                .split_once('=')
                .ok_or_else(|| WechatError::Malformed(format!("field {part:?}")))?;
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or_else(|| WechatError::Malformed(format!("unquoted {name}")))?;
            found.push((name.trim(), value));
        }
        let field = |name: &str| {
            found
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
                .ok_or_else(|| WechatError::Malformed(format!("no {name}")))
        };
        Ok(Self {
            mchid: field("mchid")?,
            nonce_str: field("nonce_str")?,
            timestamp: field("timestamp")?,
            serial_no: field("serial_no")?,
            signature: field("signature")?,
        })
    }

    /// Verifies the signature over a request, with the merchant's public key.
    pub fn verify_request(
        &self,
        key: &RsaPublicKey,
        method: &str,
        path_and_query: &str,
        body: &str,
    ) -> Result<(), WechatError> {
        let timestamp: i64 = self
            .timestamp
            .parse()
            .map_err(|_| WechatError::Malformed("timestamp".into()))?;
        let message = request_message(method, path_and_query, timestamp, &self.nonce_str, body);
        verify(key, message.as_bytes(), &self.signature)
    }
}
