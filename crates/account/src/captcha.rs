//! The slider captcha that login and registration show first: the browser solves it and sends
//! the provider's `ticket` and `randstr` with the form, and the back end asks the provider
//! whether they are a real, unused solution for the buyer's address. The check goes through
//! the [`CaptchaVerifier`] port; with no provider configured (development, tests) there is
//! nothing to check, as in the tutorial's test mode.

use std::future::Future;

use luffy_common::StorageError;

/// What the browser sent for the captcha, and where from.
#[derive(Debug, Clone, Copy)]
pub struct CaptchaAnswer<'a> {
    /// The provider's ticket for the solved puzzle.
    pub ticket: &'a str,
    /// The random string the provider issued with it.
    pub randstr: &'a str,
    /// The buyer's address (the provider compares it with the solver's).
    pub address: &'a str,
}

impl CaptchaAnswer<'_> {
    /// True when the form carried no solution at all (nothing to ask the provider).
    pub fn is_missing(&self) -> bool {
        self.ticket.trim().is_empty() || self.randstr.trim().is_empty()
    }
}

/// Asks a captcha provider about a solution.
pub trait CaptchaVerifier: Send + Sync {
    /// `Ok(true)` for a valid solution, `Ok(false)` for a wrong, used or expired one; an
    /// unreachable provider is an error (the form is answered with a 503, not refused).
    fn verify(
        &self,
        answer: &CaptchaAnswer<'_>,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;
}

/// Why a captcha check refused the form.
#[derive(Debug, thiserror::Error)]
pub enum CaptchaError {
    /// No solution, or the provider did not accept it.
    #[error("验证码校验失败!")]
    Failed,
    /// The provider could not be asked.
    #[error(transparent)]
    Unavailable(#[from] StorageError),
}

/// Checks an answer: a missing one is refused without asking the provider.
pub async fn check_captcha<V: CaptchaVerifier>(
    verifier: &V,
    answer: &CaptchaAnswer<'_>,
) -> Result<(), CaptchaError> {
    if answer.is_missing() {
        return Err(CaptchaError::Failed);
    }
    if verifier.verify(answer).await? {
        Ok(())
    } else {
        Err(CaptchaError::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Accepts(&'static str);

    impl CaptchaVerifier for Accepts {
        async fn verify(&self, answer: &CaptchaAnswer<'_>) -> Result<bool, StorageError> {
            Ok(answer.ticket == self.0)
        }
    }

    fn answer<'a>(ticket: &'a str, randstr: &'a str) -> CaptchaAnswer<'a> {
        CaptchaAnswer {
            ticket,
            randstr,
            address: "127.0.0.1",
        }
    }

    #[tokio::test]
    async fn a_missing_solution_is_refused_without_asking() {
        // The verifier would accept an empty ticket; the rule refuses it first.
        let verifier = Accepts("");
        assert!(matches!(
            check_captcha(&verifier, &answer("", "x")).await,
            Err(CaptchaError::Failed)
        ));
        assert!(matches!(
            check_captcha(&verifier, &answer(" ", "")).await,
            Err(CaptchaError::Failed)
        ));
    }

    #[tokio::test]
    async fn the_providers_answer_decides() {
        let verifier = Accepts("good");
        assert!(check_captcha(&verifier, &answer("good", "r")).await.is_ok());
        assert!(matches!(
            check_captcha(&verifier, &answer("bad", "r")).await,
            Err(CaptchaError::Failed)
        ));
    }
}
