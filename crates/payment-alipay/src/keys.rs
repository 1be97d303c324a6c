//! RSA keys in every shape Alipay's consoles hand out: PKCS#1 or PKCS#8, PEM or a bare
//! one-line base64 DER.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::{RsaPrivateKey, RsaPublicKey};

use crate::error::AlipayError;

fn bare_der(text: &str) -> Result<Vec<u8>, AlipayError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(compact)
        .map_err(|_| AlipayError::Key("not PEM and not base64".into()))
}

/// Parses a private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM,
/// or bare base64 DER of either.
pub fn parse_private_key(text: &str) -> Result<RsaPrivateKey, AlipayError> {
    let text = text.trim();
    if text.contains("BEGIN RSA PRIVATE KEY") {
        return RsaPrivateKey::from_pkcs1_pem(text)
            .map_err(|e| AlipayError::Key(format!("PKCS#1 private key: {e}")));
    }
    if text.contains("BEGIN PRIVATE KEY") {
        return RsaPrivateKey::from_pkcs8_pem(text)
            .map_err(|e| AlipayError::Key(format!("PKCS#8 private key: {e}")));
    }
    let der = bare_der(text)?;
    RsaPrivateKey::from_pkcs8_der(&der)
        .or_else(|_| RsaPrivateKey::from_pkcs1_der(&der))
        .map_err(|e| AlipayError::Key(format!("private key: {e}")))
}

/// Parses a public key: SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM, or
/// bare base64 DER of either (Alipay's console shows bare SPKI base64).
pub fn parse_public_key(text: &str) -> Result<RsaPublicKey, AlipayError> {
    let text = text.trim();
    if text.contains("BEGIN RSA PUBLIC KEY") {
        return RsaPublicKey::from_pkcs1_pem(text)
            .map_err(|e| AlipayError::Key(format!("PKCS#1 public key: {e}")));
    }
    if text.contains("BEGIN PUBLIC KEY") {
        return RsaPublicKey::from_public_key_pem(text)
            .map_err(|e| AlipayError::Key(format!("public key: {e}")));
    }
    let der = bare_der(text)?;
    RsaPublicKey::from_public_key_der(&der)
        .or_else(|_| RsaPublicKey::from_pkcs1_der(&der))
        .map_err(|e| AlipayError::Key(format!("public key: {e}")))
}

/// A new 2048-bit RSA key (the size Alipay asks for), for an app's key pair or for a test
/// gateway that signs simulated callbacks.
pub fn generate_private_key() -> Result<RsaPrivateKey, AlipayError> {
    RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
        .map_err(|e| AlipayError::Key(format!("generating a key: {e}")))
}

/// A private key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), which [`parse_private_key`] reads back.
pub fn private_key_pem(key: &RsaPrivateKey) -> Result<String, AlipayError> {
    key.to_pkcs8_pem(LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|e| AlipayError::Key(format!("encoding a private key: {e}")))
}

/// The public half of a private key as SPKI PEM (`BEGIN PUBLIC KEY`): what is uploaded to
/// Alipay's console as the app's public key.
pub fn public_key_pem(key: &RsaPrivateKey) -> Result<String, AlipayError> {
    RsaPublicKey::from(key)
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| AlipayError::Key(format!("encoding a public key: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

    #[test]
    fn accepts_all_four_shapes() {
        let key = crate::sign::tests::test_key();
        let public = RsaPublicKey::from(&key);
        let pkcs8 = key.to_pkcs8_pem(LineEnding::LF).unwrap();
        let pkcs1 = key.to_pkcs1_pem(LineEnding::CRLF).unwrap();
        let bare8 = STANDARD.encode(key.to_pkcs8_der().unwrap().as_bytes());
        let bare1 = STANDARD.encode(key.to_pkcs1_der().unwrap().as_bytes());
        for text in [pkcs8.as_str(), pkcs1.as_str(), &bare8, &bare1] {
            assert_eq!(parse_private_key(text).unwrap(), key);
        }
        let spki = public.to_public_key_pem(LineEnding::LF).unwrap();
        let pkcs1 = public.to_pkcs1_pem(LineEnding::LF).unwrap();
        let bare = STANDARD.encode(public.to_public_key_der().unwrap().as_bytes());
        let bare1 = STANDARD.encode(public.to_pkcs1_der().unwrap().as_bytes());
        for text in [spki.as_str(), pkcs1.as_str(), &bare, &bare1] {
            assert_eq!(parse_public_key(text).unwrap(), public);
        }
        assert!(parse_private_key("garbage!").is_err());
        assert!(parse_public_key("").is_err());
    }
}
