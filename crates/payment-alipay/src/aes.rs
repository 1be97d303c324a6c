//! AES content encryption (接口内容加密): with it on, a request's `biz_content` is sent
//! encrypted (`encrypt_type=AES`) and then signed, and the gateway answers with the response
//! object encrypted as one JSON string, signed over that string with its quotes. The cipher is
//! AES-CBC with a zero IV and PKCS#7 padding, the key's size (128, 192 or 256 bits) coming from
//! the base64 key Alipay's console hands out; the ciphertext travels as base64.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::AlipayError;

const ZERO_IV: [u8; 16] = [0; 16];

/// The merchant's AES key. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct AesKey(Vec<u8>);

impl std::fmt::Debug for AesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AesKey({} bits)", self.0.len() * 8)
    }
}

impl AesKey {
    /// The key as Alipay's console shows it (base64 of 16, 24 or 32 bytes).
    pub fn from_base64(text: &str) -> Result<Self, AlipayError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|e| AlipayError::Key(format!("AES key is not base64: {e}")))?;
        Self::from_bytes(bytes)
    }

    /// A key from raw bytes (16, 24 or 32 of them).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, AlipayError> {
        match bytes.len() {
            16 | 24 | 32 => Ok(Self(bytes)),
            n => Err(AlipayError::Key(format!(
                "an AES key has 16, 24 or 32 bytes, not {n}"
            ))),
        }
    }

    /// A new random 128-bit key, as Alipay's console generates, for sandboxes and tests.
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut bytes = vec![0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key as base64, the form the settings take.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.0)
    }

    /// Encrypts text; the answer is base64.
    pub fn encrypt(&self, plain: &str) -> String {
        let bytes = plain.as_bytes();
        let sealed = match self.0.len() {
            16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(&self.0, &ZERO_IV)
                .map(|c| c.encrypt_padded_vec_mut::<Pkcs7>(bytes)),
            24 => cbc::Encryptor::<aes::Aes192>::new_from_slices(&self.0, &ZERO_IV)
                .map(|c| c.encrypt_padded_vec_mut::<Pkcs7>(bytes)),
            _ => cbc::Encryptor::<aes::Aes256>::new_from_slices(&self.0, &ZERO_IV)
                .map(|c| c.encrypt_padded_vec_mut::<Pkcs7>(bytes)),
        };
        // The key's length was checked when it was made, so the cipher always builds.
        STANDARD.encode(sealed.unwrap_or_default())
    }

    /// Decrypts base64 ciphertext to text; a wrong key, bad padding or bytes that are not
    /// UTF-8 are [`AlipayError::Malformed`].
    pub fn decrypt(&self, base64_text: &str) -> Result<String, AlipayError> {
        let bad = |what: &str| AlipayError::Malformed(format!("AES content: {what}"));
        let sealed = STANDARD
            .decode(base64_text.trim())
            .map_err(|_| bad("not base64"))?;
        let opened = match self.0.len() {
            16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(&self.0, &ZERO_IV)
                .map_err(|_| bad("bad key"))?
                .decrypt_padded_vec_mut::<Pkcs7>(&sealed),
            24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(&self.0, &ZERO_IV)
                .map_err(|_| bad("bad key"))?
                .decrypt_padded_vec_mut::<Pkcs7>(&sealed),
            _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(&self.0, &ZERO_IV)
                .map_err(|_| bad("bad key"))?
                .decrypt_padded_vec_mut::<Pkcs7>(&sealed),
        }
        .map_err(|_| bad("wrong key or broken padding"))?;
        String::from_utf8(opened).map_err(|_| bad("not UTF-8 text"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_size_round_trips_chinese_text() {
        for size in [16, 24, 32] {
            let key = AesKey::from_bytes((0..size).map(|i| i as u8).collect()).unwrap();
            let text = r#"{"out_trade_no":"20261203","subject":"路飞学城"}"#;
            let sealed = key.encrypt(text);
            assert_eq!(key.decrypt(&sealed).unwrap(), text);
        }
    }

    #[test]
    fn openssl_vectors_with_a_zero_iv() {
        // `openssl enc -aes-128-cbc -K 000102..0f -iv 0 | base64` (and -aes-256-cbc, 00..1f).
        let short = AesKey::from_bytes((0..16).collect()).unwrap();
        assert_eq!(short.encrypt("luffy"), "nxBICbpTah7/l2LgifsDWA==");
        let long = AesKey::from_bytes((0..32).collect()).unwrap();
        assert_eq!(
            long.encrypt(r#"{"out_trade_no":"1"}"#),
            "YsWoPYwzv62L9lt7dwmUo0vhXwsX1oMuXHwxPu1cmDU="
        );
        assert_eq!(
            long.decrypt("YsWoPYwzv62L9lt7dwmUo0vhXwsX1oMuXHwxPu1cmDU=")
                .unwrap(),
            r#"{"out_trade_no":"1"}"#
        );
    }

    #[test]
    fn wrong_keys_and_sizes_are_refused() {
        assert!(AesKey::from_base64("AAAA").is_err());
        assert!(AesKey::from_base64("not base64!").is_err());
        let key = AesKey::generate();
        let other = AesKey::generate();
        let sealed = key.encrypt("{\"a\":1}");
        assert!(other.decrypt(&sealed).is_err() || other.decrypt(&sealed).unwrap() != "{\"a\":1}");
        assert!(key.decrypt("!!").is_err());
        assert_eq!(AesKey::from_base64(&key.to_base64()).unwrap(), key);
        assert!(!format!("{key:?}").contains(&key.to_base64()));
    }
}
