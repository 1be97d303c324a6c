//! Merchant configuration: who we are to Alipay and where the gateway is.

use std::time::Duration;

use rsa::{RsaPrivateKey, RsaPublicKey};

use crate::aes::AesKey;
use crate::cert::CertMode;

/// Production gateway.
pub const PRODUCTION_GATEWAY: &str = "https://openapi.alipay.com/gateway.do";
/// Alipay's own sandbox gateway.
pub const SANDBOX_GATEWAY: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

/// Everything the client needs; built once and shared.
#[derive(Clone)]
pub struct AlipayConfig {
    /// The merchant app id.
    pub app_id: String,
    /// Gateway URL (production, Alipay sandbox, or the local sandbox app).
    pub gateway: String,
    /// The merchant's private key: signs requests.
    pub app_private_key: RsaPrivateKey,
    /// Alipay's public key: verifies responses, returns and notifies. In certificate mode, the
    /// key of Alipay's certificate ([`CertMode::from_pem`] returns it).
    pub alipay_public_key: RsaPublicKey,
    /// Certificate mode (公钥证书模式): its SNs go with every request; `None` is public-key
    /// mode.
    pub cert_mode: Option<CertMode>,
    /// AES content encryption of `biz_content` and of answers; `None` sends plain JSON.
    pub aes_key: Option<AesKey>,
    /// The seller id notifies must carry, when known.
    pub seller_id: Option<String>,
    /// Where Alipay POSTs asynchronous notifies.
    pub notify_url: String,
    /// Where Alipay sends the buyer back.
    pub return_url: String,
    /// Timeout of every gateway call.
    pub timeout: Duration,
}

impl std::fmt::Debug for AlipayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlipayConfig")
            .field("app_id", &self.app_id)
            .field("gateway", &self.gateway)
            .field("seller_id", &self.seller_id)
            .field("notify_url", &self.notify_url)
            .field("return_url", &self.return_url)
            .field("timeout", &self.timeout)
            .field(
                "cert_mode",
                &self.cert_mode.as_ref().map(|m| &m.app_cert_sn),
            )
            .field("aes", &self.aes_key.is_some())
            .finish_non_exhaustive()
    }
}
