//! AEAD_AES_256_GCM, as WeChat Pay encrypts notify resources: the 32-byte APIv3 key, a
//! 12-byte nonce (sent as text), the associated data, and the base64 ciphertext with its
//! 16-byte tag appended.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::WechatError;

fn cipher(api_v3_key: &[u8]) -> Result<Aes256Gcm, WechatError> {
    if api_v3_key.len() != 32 {
        return Err(WechatError::Key(format!(
            "the APIv3 key must be 32 bytes, not {}",
            api_v3_key.len()
        )));
    }
    Ok(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(api_v3_key)))
}

fn nonce(nonce: &str) -> Result<&Nonce<aes_gcm::aead::consts::U12>, WechatError> {
    if nonce.len() != 12 {
        return Err(WechatError::Malformed(format!(
            "the nonce must be 12 bytes, not {}",
            nonce.len()
        )));
    }
    Ok(Nonce::from_slice(nonce.as_bytes()))
}

/// Decrypts a resource: the plaintext (JSON), or `Decrypt` when the tag does not verify.
pub fn decrypt(
    api_v3_key: &[u8],
    nonce_text: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Result<Vec<u8>, WechatError> {
    let ciphertext = STANDARD
        .decode(ciphertext_b64.trim())
        .map_err(|_| WechatError::Decrypt)?;
    cipher(api_v3_key)?
        .decrypt(
            nonce(nonce_text)?,
            Payload {
                msg: &ciphertext,
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| WechatError::Decrypt)
}

/// Encrypts a resource the way WeChat Pay does (for sandboxes and tests): base64 ciphertext
/// with the tag appended.
pub fn encrypt(
    api_v3_key: &[u8],
    nonce_text: &str,
    associated_data: &str,
    plaintext: &[u8],
) -> Result<String, WechatError> {
    let ciphertext = cipher(api_v3_key)?
        .encrypt(
            nonce(nonce_text)?,
            Payload {
                msg: plaintext,
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| WechatError::Decrypt)?;
    Ok(STANDARD.encode(ciphertext))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn round_trip_and_tampering_is_refused() {
        let sealed = encrypt(KEY, "0123456789ab", "transaction", b"{\"a\":1}").unwrap();
        assert_eq!(
            decrypt(KEY, "0123456789ab", "transaction", &sealed).unwrap(),
            b"{\"a\":1}"
        );
        assert!(matches!(
            decrypt(KEY, "0123456789ab", "refund", &sealed),
            Err(WechatError::Decrypt)
        ));
        assert!(matches!(
            decrypt(
                b"0123456789abcdef0123456789abcdeX",
                "0123456789ab",
                "transaction",
                &sealed
            ),
            Err(WechatError::Decrypt)
        ));
        assert!(decrypt(KEY, "short", "transaction", &sealed).is_err());
        assert!(decrypt(b"short key", "0123456789ab", "transaction", &sealed).is_err());
    }
}
