//! The slider captcha both login and registration ask for first: the form's `ticket` and
//! `randstr` are checked with the configured provider (none in development). A refused answer is
//! a 400 with the given message; an unreachable provider a 503.

use luffy_account::{CaptchaAnswer, CaptchaError};

use crate::error::ApiError;
use crate::state::AppState;

/// Checks the form's captcha answer from `address`; `refusal` is the message a failed one gets.
pub async fn require_captcha(
    state: &AppState,
    ticket: Option<&str>,
    randstr: Option<&str>,
    address: &str,
    refusal: &str,
) -> Result<(), ApiError> {
    let answer = CaptchaAnswer {
        ticket: ticket.unwrap_or_default(),
        randstr: randstr.unwrap_or_default(),
        address,
    };
    match state.captcha.check(&answer).await {
        Ok(()) => Ok(()),
        Err(CaptchaError::Failed) => Err(ApiError::BadRequest(refusal.to_owned())),
        Err(CaptchaError::Unavailable(error)) => Err(error.into()),
    }
}
