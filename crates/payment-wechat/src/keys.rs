//! Keys as WeChat Pay hands them out: the merchant's API private key (PKCS#8 PEM,
//! `apiclient_key.pem`), the WeChat Pay public key (SPKI PEM, with its `PUB_KEY_ID_...`), and
//! platform certificates (X.509 PEM, named by their serial). Plus key generation for tests and
//! sandboxes.

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::{RsaPrivateKey, RsaPublicKey};
use x509_cert::der::{DecodePem, Encode};
use x509_cert::Certificate;

use crate::error::WechatError;

/// Parses a private key: PKCS#8 (`BEGIN PRIVATE KEY`, WeChat's `apiclient_key.pem`) or PKCS#1.
pub fn parse_private_key(pem: &str) -> Result<RsaPrivateKey, WechatError> {
    RsaPrivateKey::from_pkcs8_pem(pem.trim())
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| WechatError::Key(format!("private key: {e}")))
}

/// Parses a public key: SPKI (`BEGIN PUBLIC KEY`, WeChat's `pub_key.pem`) or PKCS#1.
pub fn parse_public_key(pem: &str) -> Result<RsaPublicKey, WechatError> {
    RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| WechatError::Key(format!("public key: {e}")))
}

/// A platform certificate's serial (upper-case hex, as `Wechatpay-Serial` names it) and key.
pub fn parse_certificate(pem: &str) -> Result<(String, RsaPublicKey), WechatError> {
    let certificate = Certificate::from_pem(pem.trim().as_bytes())
        .map_err(|e| WechatError::Key(format!("certificate: {e}")))?;
    let tbs = &certificate.tbs_certificate;
    let serial: String = tbs
        .serial_number
        .as_bytes()
        .iter()
        .skip_while(|b| **b == 0)
        .map(|b| format!("{b:02X}"))
        .collect();
    let spki = tbs
        .subject_public_key_info
        .to_der()
        .map_err(|e| WechatError::Key(format!("certificate key: {e}")))?;
    let key = RsaPublicKey::from_public_key_der(&spki)
        .map_err(|e| WechatError::Key(format!("certificate key: {e}")))?;
    Ok((serial, key))
}

/// A new 2048-bit RSA key (the size WeChat Pay uses), for development and test keys.
pub fn generate_private_key() -> Result<RsaPrivateKey, WechatError> {
    RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| WechatError::Key(e.to_string()))
}

/// A private key as PKCS#8 PEM.
pub fn private_key_pem(key: &RsaPrivateKey) -> Result<String, WechatError> {
    key.to_pkcs8_pem(LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|e| WechatError::Key(e.to_string()))
}

/// A public key as SPKI PEM.
pub fn public_key_pem(key: &RsaPublicKey) -> Result<String, WechatError> {
    key.to_public_key_pem(LineEnding::LF)
        .map_err(|e| WechatError::Key(e.to_string()))
}
