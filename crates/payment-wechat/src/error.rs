//! What can go wrong talking to WeChat Pay, in one enum.

/// A WeChat Pay failure.
#[derive(Debug, thiserror::Error)]
pub enum WechatError {
    /// A key could not be read.
    #[error("key: {0}")]
    Key(String),
    /// Signing failed.
    #[error("signing: {0}")]
    Sign(String),
    /// The signature does not verify (or is missing).
    #[error("the signature does not verify")]
    BadSignature,
    /// A signature probe (`WECHATPAY/SIGNTEST/...`): WeChat checks that merchants refuse it.
    #[error("a WECHATPAY/SIGNTEST probe signature")]
    SignatureProbe,
    /// `Wechatpay-Timestamp` is more than five minutes away from now (a replay, or a clock).
    #[error("timestamp {0} is more than 300 s away")]
    StaleTimestamp(String),
    /// `Wechatpay-Serial` names no key we hold.
    #[error("no platform key has serial {0}")]
    UnknownSerial(String),
    /// A notify's resource does not decrypt with the APIv3 key.
    #[error("the resource does not decrypt")]
    Decrypt,
    /// A message is missing a field or is not what the API documents.
    #[error("malformed: {0}")]
    Malformed(String),
    /// An amount is not a whole number of fen (or is out of range).
    #[error("amount: {0}")]
    Amount(String),
    /// The network failed or timed out: whether the call took effect is unknown.
    #[error("transport: {0}")]
    Transport(String),
    /// WeChat Pay answered with an error (`{"code": ..., "message": ...}`).
    #[error("HTTP {status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The error code (`ORDER_NOT_EXIST`, `ORDER_CLOSED`, `SYSTEM_ERROR`, ...).
        code: String,
        /// The message.
        message: String,
    },
}

impl WechatError {
    /// Whether WeChat answered with this error code.
    pub fn is_code(&self, wanted: &str) -> bool {
        matches!(self, Self::Api { code, .. } if code == wanted)
    }
}
