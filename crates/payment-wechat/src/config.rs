//! A merchant's WeChat Pay configuration.

use std::time::Duration;

use rsa::RsaPrivateKey;
use secrecy::SecretString;

use crate::verify::PlatformKeys;

/// Who we are at WeChat Pay and whom we trust.
#[derive(Clone)]
pub struct WechatConfig {
    /// The app id (`wx...`), read as written.
    pub appid: String,
    /// The merchant id (all digits, read as written: never a number).
    pub mchid: String,
    /// The merchant's API private key (signs requests).
    pub merchant_key: RsaPrivateKey,
    /// The serial of the merchant's API certificate (names that key in `Authorization`).
    pub merchant_serial: String,
    /// The APIv3 key (32 bytes): decrypts notify resources.
    pub api_v3_key: SecretString,
    /// The WeChat Pay keys that sign responses and notifies.
    pub platform_keys: PlatformKeys,
    /// The API's base URL (`https://api.mch.weixin.qq.com`, or a sandbox).
    pub base_url: String,
    /// Where WeChat Pay sends notifies.
    pub notify_url: String,
    /// Per-request timeout (connect included).
    pub timeout: Duration,
}

impl std::fmt::Debug for WechatConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatConfig")
            .field("appid", &self.appid)
            .field("mchid", &self.mchid)
            .field("merchant_serial", &self.merchant_serial)
            .field(
                "platform_keys",
                &self.platform_keys.serials().collect::<Vec<_>>(),
            )
            .field("base_url", &self.base_url)
            .field("notify_url", &self.notify_url)
            .finish_non_exhaustive()
    }
}
