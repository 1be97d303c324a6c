//! Everything that can go wrong talking to Alipay, typed so callers can react: retry/query on
//! `Unknown`, business handling on `Business`, alarm on `BadSignature`.

/// An Alipay client error.
#[derive(Debug, thiserror::Error)]
pub enum AlipayError {
    /// A key could not be parsed.
    #[error("invalid key: {0}")]
    Key(String),
    /// Signing failed (should not happen with a valid key).
    #[error("signing failed: {0}")]
    Sign(String),
    /// A signature did not verify: the message is forged or the keys are wrong.
    #[error("signature verification failed")]
    BadSignature,
    /// A required field is missing or malformed.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// code 40004 (or another non-10000, non-20000 code): the gateway refused the business
    /// request; `sub_code` says why (e.g. `ACQ.TRADE_NOT_EXIST`).
    #[error("Alipay refused the request: {code} {msg} {sub_code} {sub_msg}")]
    Business {
        /// The code, e.g. "40004".
        code: String,
        /// The message.
        msg: String,
        /// The sub code, e.g. "ACQ.TRADE_NOT_EXIST".
        sub_code: String,
        /// The sub message.
        sub_msg: String,
    },
    /// code 20000: the service is temporarily unavailable; the outcome is unknown, query later.
    #[error("Alipay service unavailable (20000): {0}")]
    Unknown(String),
    /// The gateway could not be reached, timed out, or answered something that is not an
    /// Alipay response.
    #[error("Alipay gateway unreachable: {0}")]
    Transport(String),
}

impl AlipayError {
    /// Whether the business error carries this sub code.
    pub fn is_sub_code(&self, expected: &str) -> bool {
        matches!(self, Self::Business { sub_code, .. } if sub_code == expected)
    }

    /// Whether the gateway's state is unknown (20000, timeout, unreachable): callers should
    /// answer 503 and try again later, never assume failure or success.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unknown(_) | Self::Transport(_))
    }
}
