//! The slider captcha's server-side check through Tencent Cloud Captcha
//! (`DescribeCaptchaResult`, API 2019-07-22): the ticket and random string the browser got,
//! the buyer's address, the captcha app and its secret; `CaptchaCode` 1 means solved.

use luffy_account::{CaptchaAnswer, CaptchaVerifier};
use luffy_common::StorageError;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::api::TencentCloudApi;

/// What the captcha console issued.
#[derive(Clone)]
pub struct CaptchaConfig {
    /// `CaptchaAppId` (the client's `TCaptcha` app id).
    pub app_id: u64,
    /// `AppSecretKey`.
    pub app_secret_key: SecretString,
}

impl std::fmt::Debug for CaptchaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptchaConfig")
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// Checks captcha solutions with Tencent Cloud.
#[derive(Debug, Clone)]
pub struct TencentCaptcha {
    api: TencentCloudApi,
    config: CaptchaConfig,
}

impl TencentCaptcha {
    /// The checker over a caller with its key pair.
    pub fn new(api: TencentCloudApi, config: CaptchaConfig) -> Self {
        Self { api, config }
    }

    /// The `DescribeCaptchaResult` body for one answer (`CaptchaType` 9: the slider).
    pub fn request_body(&self, answer: &CaptchaAnswer<'_>) -> serde_json::Value {
        json!({
            "CaptchaType": 9,
            "Ticket": answer.ticket,
            "UserIp": answer.address,
            "Randstr": answer.randstr,
            "CaptchaAppId": self.config.app_id,
            "AppSecretKey": self.config.app_secret_key.expose_secret(),
        })
    }
}

impl CaptchaVerifier for TencentCaptcha {
    async fn verify(&self, answer: &CaptchaAnswer<'_>) -> Result<bool, StorageError> {
        let response = self
            .api
            .call(
                "captcha",
                "DescribeCaptchaResult",
                "2019-07-22",
                None,
                &self.request_body(answer),
            )
            .await?;
        let code = response.get("CaptchaCode").and_then(|c| c.as_i64());
        if code != Some(1) {
            tracing::info!(?code, message = ?response.get("CaptchaMsg"), "captcha not accepted");
        }
        Ok(code == Some(1))
    }
}
