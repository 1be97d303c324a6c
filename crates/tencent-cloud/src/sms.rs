//! Registration codes by text message through Tencent Cloud SMS (`SendSms`, API 2021-01-11):
//! one mainland number (`+86`), a template approved with two parameters (the code and its
//! minutes), the app id and the signature name the console issued.

use luffy_account::{Mobile, SmsSender};
use luffy_common::StorageError;
use serde_json::json;

use crate::api::{ApiError, TencentCloudApi};

/// What the SMS console issued.
#[derive(Debug, Clone)]
pub struct SmsConfig {
    /// `SmsSdkAppId`, e.g. `1400006666`.
    pub sdk_app_id: String,
    /// `SignName`: the approved signature shown in the message.
    pub sign_name: String,
    /// `TemplateId` of a template with two parameters: `{1}` the code, `{2}` its minutes.
    pub template_id: String,
    /// The region the calls go to, e.g. `ap-guangzhou`.
    pub region: String,
}

/// Sends codes through Tencent Cloud SMS.
#[derive(Debug, Clone)]
pub struct TencentSms {
    api: TencentCloudApi,
    config: SmsConfig,
}

impl TencentSms {
    /// The sender over a caller with its key pair.
    pub fn new(api: TencentCloudApi, config: SmsConfig) -> Self {
        Self { api, config }
    }

    /// The `SendSms` body for one code.
    pub fn request_body(&self, mobile: &Mobile, code: &str, minutes: i64) -> serde_json::Value {
        json!({
            "PhoneNumberSet": [format!("+86{}", mobile.as_str())],
            "SmsSdkAppId": self.config.sdk_app_id,
            "SignName": self.config.sign_name,
            "TemplateId": self.config.template_id,
            "TemplateParamSet": [code, minutes.to_string()],
        })
    }
}

impl SmsSender for TencentSms {
    async fn send_code(
        &self,
        mobile: &Mobile,
        code: &str,
        minutes: i64,
    ) -> Result<(), StorageError> {
        let answer = self
            .api
            .call(
                "sms",
                "SendSms",
                "2021-01-11",
                Some(&self.config.region),
                &self.request_body(mobile, code, minutes),
            )
            .await?;
        // The call can succeed while the message was refused (e.g. the number's daily limit):
        // each number has its own status, `Ok` when accepted.
        let status = answer
            .get("SendStatusSet")
            .and_then(|set| set.get(0))
            .cloned()
            .unwrap_or_default();
        match status.get("Code").and_then(|c| c.as_str()) {
            Some("Ok") => {
                tracing::info!(serial = ?status.get("SerialNo"), "registration code sent by Tencent Cloud SMS");
                Ok(())
            }
            other => Err(ApiError::Refused {
                action: "SendSms".into(),
                code: other.unwrap_or("NoStatus").to_owned(),
                message: status
                    .get("Message")
                    .and_then(|m| m.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                request_id: answer
                    .get("RequestId")
                    .and_then(|r| r.as_str())
                    .unwrap_or_default()
                    .to_owned(),
            }
            .into()),
        }
    }
}
