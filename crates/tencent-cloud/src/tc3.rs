//! TC3-HMAC-SHA256, the signature of every Tencent Cloud API 3.0 request: a canonical request
//! (method, `/`, empty query, the `content-type` and `host` headers, the SHA-256 of the body) is
//! hashed into a string to sign under a credential scope `date/service/tc3_request`, and signed
//! with a key derived from the secret key, the UTC date and the service.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The algorithm's name, first in the `Authorization` header.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The body's content type (signed; sent exactly so).
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";
const SIGNED_HEADERS: &str = "content-type;host";

/// What one POST request signs.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The service's short name, e.g. `sms` (the credential scope's middle part).
    pub service: &'a str,
    /// The `Host` header the request is sent with.
    pub host: &'a str,
    /// `X-TC-Timestamp`, Unix seconds.
    pub timestamp: i64,
    /// The JSON body, byte for byte as sent.
    pub payload: &'a str,
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], message: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl SignedRequest<'_> {
    /// The UTC date of the timestamp (`YYYY-MM-DD`): the scope's date, never local time.
    pub fn date(&self) -> String {
        chrono::DateTime::from_timestamp(self.timestamp, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d")
            .to_string()
    }

    /// `date/service/tc3_request`.
    pub fn credential_scope(&self) -> String {
        format!("{}/{}/tc3_request", self.date(), self.service)
    }

    /// The canonical request.
    pub fn canonical_request(&self) -> String {
        format!(
            "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{}\n\n{SIGNED_HEADERS}\n{}",
            self.host.trim().to_ascii_lowercase(),
            sha256_hex(self.payload.as_bytes())
        )
    }

    /// The string to sign.
    pub fn string_to_sign(&self) -> String {
        format!(
            "{ALGORITHM}\n{}\n{}\n{}",
            self.timestamp,
            self.credential_scope(),
            sha256_hex(self.canonical_request().as_bytes())
        )
    }

    /// The signature (lowercase hex) with `secret_key`.
    pub fn signature(&self, secret_key: &str) -> String {
        let secret_date = hmac(format!("TC3{secret_key}").as_bytes(), &self.date());
        let secret_service = hmac(&secret_date, self.service);
        let secret_signing = hmac(&secret_service, "tc3_request");
        hex(&hmac(&secret_signing, &self.string_to_sign()))
    }

    /// The `Authorization` header's value.
    pub fn authorization(&self, secret_id: &str, secret_key: &str) -> String {
        format!(
            "{ALGORITHM} Credential={secret_id}/{}, SignedHeaders={SIGNED_HEADERS}, Signature={}",
            self.credential_scope(),
            self.signature(secret_key)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked example of Tencent Cloud's API 3.0 documentation ("Signature v3", section
    // "Signature Process"): DescribeInstances on CVM with its example keys, every
    // intermediate value as published there.
    const PAYLOAD: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    fn example() -> SignedRequest<'static> {
        SignedRequest {
            service: "cvm",
            host: "cvm.tencentcloudapi.com",
            timestamp: 1_551_113_065,
            payload: PAYLOAD,
        }
    }

    #[test]
    fn the_published_example_signs_to_its_published_values() {
        let request = example();
        assert_eq!(
            sha256_hex(PAYLOAD.as_bytes()),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            request.canonical_request(),
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            request.string_to_sign(),
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            request.authorization(
                "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
            ),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn the_scope_date_is_utc_not_beijing() {
        // 2019-02-26 00:44:25 in Beijing is still the 25th in UTC.
        assert_eq!(example().date(), "2019-02-25");
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
        let original = example().signature(key);
        let mut other = example();
        other.timestamp += 1;
        assert_ne!(other.signature(key), original);
        let mut other = example();
        other.payload = r#"{"Limit": 2}"#;
        assert_ne!(other.signature(key), original);
        let mut other = example();
        other.host = "sms.tencentcloudapi.com";
        assert_ne!(other.signature(key), original);
        assert_ne!(example().signature("another key"), original);
    }
}
