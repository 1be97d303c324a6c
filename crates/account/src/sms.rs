//! Registration codes sent by text message: a 6-digit code valid five minutes, at most one per
//! mobile per minute and a daily cap per mobile and per address, kept hashed (never the code
//! itself) and used once, with a few wrong tries allowed. Messages go through the
//! [`SmsSender`] port (a provider's API, or the development outbox); codes live behind the
//! [`SmsCodes`] port (Redis, shared by every instance).

use std::future::Future;

use luffy_common::StorageError;
use sha2::{Digest, Sha256};

/// How long a code works, seconds (the message says five minutes).
pub const CODE_TTL_SECS: i64 = 300;
/// How long before the same mobile may be sent another code, seconds.
pub const COOLDOWN_SECS: i64 = 60;
/// Codes one mobile may be sent per day, unless configured otherwise.
pub const DAILY_PER_MOBILE: i64 = 10;
/// Codes one address may ask for per day, unless configured otherwise.
pub const DAILY_PER_ADDRESS: i64 = 20;

/// The daily caps (a store behind one address, or a load test, may need a larger one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsLimits {
    /// Codes one mobile may be sent per day.
    pub per_mobile: i64,
    /// Codes one address may ask for per day.
    pub per_address: i64,
}

impl Default for SmsLimits {
    fn default() -> Self {
        Self {
            per_mobile: DAILY_PER_MOBILE,
            per_address: DAILY_PER_ADDRESS,
        }
    }
}
/// Wrong codes before the code is void.
pub const MAX_WRONG_TRIES: i64 = 5;

/// A mainland mobile number: `1[3-9]` and nine more digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mobile(String);

impl Mobile {
    /// Checks a number.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let bytes = text.as_bytes();
        let ok = bytes.len() == 11
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1])
            && bytes.iter().all(u8::is_ascii_digit);
        ok.then(|| Self(text.to_owned()))
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why no code was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefusal {
    /// The mobile was sent a code less than a minute ago: this many seconds to wait.
    CoolingDown(i64),
    /// The mobile had its codes for today: seconds until the count resets.
    MobileCap(i64),
    /// The address asked for its codes for today: seconds until the count resets.
    AddressCap(i64),
}

/// What checking a code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right: the code is used up.
    Right,
    /// Wrong; it still works for the right one.
    Wrong,
    /// None was sent, it expired, or it was used.
    Expired,
    /// Too many wrong tries: the code is void.
    TooManyTries,
}

/// Where codes are kept (hashed).
pub trait SmsCodes: Send + Sync {
    /// Keeps a new code's hash for the mobile unless the mobile or the address is over its
    /// limits, which are checked and counted in the same step.
    fn issue(
        &self,
        mobile: &Mobile,
        code_hash: &str,
        address: &str,
        limits: SmsLimits,
    ) -> impl Future<Output = Result<Result<(), SendRefusal>, StorageError>> + Send;

    /// Checks a code's hash: a right one is used up, wrong ones counted.
    fn check(
        &self,
        mobile: &Mobile,
        code_hash: &str,
    ) -> impl Future<Output = Result<CodeCheck, StorageError>> + Send;

    /// Voids the mobile's code and its minute's wait (its message could not be sent).
    fn revoke(&self, mobile: &Mobile) -> impl Future<Output = Result<(), StorageError>> + Send;
}

/// Sends text messages.
pub trait SmsSender: Send + Sync {
    /// Sends the registration code, valid `minutes`.
    fn send_code(
        &self,
        mobile: &Mobile,
        code: &str,
        minutes: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}

/// Why sending or checking a code failed.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// Not a mobile number.
    #[error("手机号码格式不正确!")]
    BadMobile,
    /// Sent a moment ago.
    #[error("短信发送过于频繁,请{0}秒后再次点击获取!")]
    CoolingDown(i64),
    /// Today's codes for the mobile are used up.
    #[error("该手机号今日获取验证码次数已达上限!")]
    MobileCap(i64),
    /// Today's codes for the address are used up.
    #[error("当前网络今日获取验证码次数已达上限!")]
    AddressCap(i64),
    /// No code given, or not 4 to 6 digits.
    #[error("请输入短信验证码!")]
    Missing,
    /// Wrong code.
    #[error("验证码错误!")]
    Wrong,
    /// Expired, used or never sent.
    #[error("验证码失效或已过期!")]
    Expired,
    /// Too many wrong codes.
    #[error("验证码错误次数过多,请重新获取!")]
    TooManyTries,
    /// Storage or the provider failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl SmsError {
    /// Seconds the client should wait before asking again (0 when it need not).
    pub fn wait_secs(&self) -> i64 {
        match self {
            Self::CoolingDown(secs) | Self::MobileCap(secs) | Self::AddressCap(secs) => *secs,
            _ => 0,
        }
    }
}

/// Sending and checking codes.
#[derive(Clone)]
pub struct SmsService<C, S> {
    codes: C,
    sender: S,
    secret: Vec<u8>,
    limits: SmsLimits,
}

impl<C: SmsCodes, S: SmsSender> SmsService<C, S> {
    /// The service; `secret` salts the stored hashes so a Redis dump reveals no code.
    pub fn new(codes: C, sender: S, secret: &[u8]) -> Self {
        Self {
            codes,
            sender,
            secret: secret.to_vec(),
            limits: SmsLimits::default(),
        }
    }

    /// The same service with other daily caps.
    pub fn with_limits(self, limits: SmsLimits) -> Self {
        Self { limits, ..self }
    }

    fn hash(&self, mobile: &Mobile, code: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(&self.secret);
        hasher.update(mobile.as_str().as_bytes());
        hasher.update(b"\n");
        hasher.update(code.as_bytes());
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Sends a new code to the mobile, asked for from `address`.
    pub async fn send_code(&self, mobile: &str, address: &str) -> Result<(), SmsError> {
        use rand::Rng;
        let mobile = Mobile::parse(mobile).ok_or(SmsError::BadMobile)?;
        let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
        match self
            .codes
            .issue(&mobile, &self.hash(&mobile, &code), address, self.limits)
            .await?
        {
            Ok(()) => {}
            Err(SendRefusal::CoolingDown(secs)) => return Err(SmsError::CoolingDown(secs)),
            Err(SendRefusal::MobileCap(secs)) => return Err(SmsError::MobileCap(secs)),
            Err(SendRefusal::AddressCap(secs)) => return Err(SmsError::AddressCap(secs)),
        }
        if let Err(error) = self
            .sender
            .send_code(&mobile, &code, CODE_TTL_SECS / 60)
            .await
        {
            // A code nobody received must not stay valid.
            let _ = self.codes.revoke(&mobile).await;
            return Err(error.into());
        }
        Ok(())
    }

    /// Uses the mobile's code: `Ok` once, for the right code.
    pub async fn use_code(&self, mobile: &str, code: &str) -> Result<(), SmsError> {
        let mobile = Mobile::parse(mobile).ok_or(SmsError::BadMobile)?;
        let code = code.trim();
        if !(4..=6).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SmsError::Missing);
        }
        match self.codes.check(&mobile, &self.hash(&mobile, code)).await? {
            CodeCheck::Right => Ok(()),
            CodeCheck::Wrong => Err(SmsError::Wrong),
            CodeCheck::Expired => Err(SmsError::Expired),
            CodeCheck::TooManyTries => Err(SmsError::TooManyTries),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_are_mainland_numbers() {
        assert!(Mobile::parse("13812345678").is_some());
        assert!(Mobile::parse(" 19912345678 ").is_some());
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "1381234567a",
            "",
            "２３８１２３４５６７８",
        ] {
            assert!(Mobile::parse(bad).is_none(), "{bad}");
        }
    }
}
