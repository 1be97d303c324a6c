//! RSA2 signing and verification exactly as Alipay specifies.
//!
//! Requests: every parameter except `sign`, empty values skipped, sorted by key (byte order),
//! joined `k=v` with `&`, values raw (not URL-encoded); `sign_type` IS signed.
//! Return/notify verification: the same, but `sign_type` is dropped too.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

use crate::error::AlipayError;

/// Which keys to leave out of the signed string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Signing a request: only `sign` is left out.
    Request,
    /// Verifying a return or notify: `sign` and `sign_type` are left out.
    Callback,
}

/// The string that is signed: filtered, sorted by key bytes, `k=v` joined with `&`.
pub fn signing_string<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    purpose: Purpose,
) -> String {
    let mut pairs: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, v)| {
            !v.is_empty() && *k != "sign" && !(purpose == Purpose::Callback && *k == "sign_type")
        })
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// SHA256withRSA over `content`, base64 (standard alphabet, padded).
pub fn sign(key: &RsaPrivateKey, content: &str) -> Result<String, AlipayError> {
    let signer = SigningKey::<Sha256>::new(key.clone());
    let signature = signer
        .try_sign(content.as_bytes())
        .map_err(|e| AlipayError::Sign(e.to_string()))?;
    Ok(STANDARD.encode(signature.to_bytes()))
}

/// Verifies a base64 SHA256withRSA signature over `content`.
pub fn verify(key: &RsaPublicKey, content: &[u8], signature_b64: &str) -> Result<(), AlipayError> {
    let compact: String = signature_b64
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let bytes = STANDARD
        .decode(compact)
        .map_err(|_| AlipayError::BadSignature)?;
    let signature = Signature::try_from(bytes.as_slice()).map_err(|_| AlipayError::BadSignature)?;
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(content, &signature)
        .map_err(|_| AlipayError::BadSignature)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// One 2048-bit key for all unit tests (generation is slow).
    pub(crate) fn test_key() -> RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| RsaPrivateKey::new(&mut rand_core_rng(), 2048).unwrap())
            .clone()
    }

    fn rand_core_rng() -> rsa::rand_core::OsRng {
        rsa::rand_core::OsRng
    }

    #[test]
    fn request_string_keeps_sign_type_and_skips_empties() {
        let params = [
            ("sign", "xxx"),
            ("b", "2"),
            ("a", "1"),
            ("sign_type", "RSA2"),
            ("empty", ""),
            ("biz_content", "{\"subject\":\"购买课程 + & = %\"}"),
        ];
        assert_eq!(
            signing_string(params, Purpose::Request),
            "a=1&b=2&biz_content={\"subject\":\"购买课程 + & = %\"}&sign_type=RSA2"
        );
        assert_eq!(
            signing_string(params, Purpose::Callback),
            "a=1&b=2&biz_content={\"subject\":\"购买课程 + & = %\"}"
        );
    }

    #[test]
    fn sorts_by_bytes_not_locale() {
        let params = [("b", "1"), ("B", "2"), ("a_b", "3"), ("aB", "4")];
        assert_eq!(
            signing_string(params, Purpose::Request),
            "B=2&aB=4&a_b=3&b=1"
        );
    }

    #[test]
    fn sign_then_verify_and_tamper() {
        let key = test_key();
        let public = RsaPublicKey::from(&key);
        let content = "a=1&subject=中文 + & = % 空格";
        let signature = sign(&key, content).unwrap();
        verify(&public, content.as_bytes(), &signature).unwrap();
        assert!(verify(&public, b"a=2", &signature).is_err());
        assert!(verify(&public, content.as_bytes(), "not base64!").is_err());
        assert!(verify(&public, content.as_bytes(), "").is_err());
    }
}
