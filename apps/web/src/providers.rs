//! The text-message and captcha providers chosen by settings: Tencent Cloud when configured,
//! else the development outbox (`/sandbox/sms/`) and no captcha check.

use luffy_account::{CaptchaAnswer, Mobile, SmsSender};
use luffy_common::StorageError;
use luffy_store::RedisSmsOutbox;
use luffy_tencent_cloud::{TencentCaptcha, TencentSms};

/// Where registration codes go.
#[derive(Clone)]
pub enum SmsChannel {
    /// The development outbox: the log and `/sandbox/sms/`.
    Outbox(RedisSmsOutbox),
    /// Tencent Cloud SMS.
    Tencent(TencentSms),
}

impl std::fmt::Debug for SmsChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Outbox(_) => f.write_str("SmsChannel::Outbox"),
            Self::Tencent(tencent) => f.debug_tuple("SmsChannel::Tencent").field(tencent).finish(),
        }
    }
}

impl SmsChannel {
    /// The development outbox when it is the channel (its routes answer only then).
    pub fn outbox(&self) -> Option<&RedisSmsOutbox> {
        match self {
            Self::Outbox(outbox) => Some(outbox),
            Self::Tencent(_) => None,
        }
    }
}

impl SmsSender for SmsChannel {
    async fn send_code(
        &self,
        mobile: &Mobile,
        code: &str,
        minutes: i64,
    ) -> Result<(), StorageError> {
        match self {
            Self::Outbox(outbox) => outbox.send_code(mobile, code, minutes).await,
            Self::Tencent(tencent) => tencent.send_code(mobile, code, minutes).await,
        }
    }
}

/// Who checks the slider captcha at login and registration.
#[derive(Debug, Clone)]
pub enum Captcha {
    /// Nobody (development and tests, as the tutorial's test mode).
    Off,
    /// Tencent Cloud Captcha.
    Tencent(TencentCaptcha),
}

impl Captcha {
    /// Checks the form's answer: nothing to check when off; otherwise a missing or refused
    /// answer fails.
    pub async fn check(
        &self,
        answer: &CaptchaAnswer<'_>,
    ) -> Result<(), luffy_account::CaptchaError> {
        match self {
            Self::Off => Ok(()),
            Self::Tencent(tencent) => luffy_account::check_captcha(tencent, answer).await,
        }
    }
}
