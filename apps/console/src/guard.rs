//! Who may use the console, and the checks every form passes: the session's staff account
//! (read again on every request, so deactivated or demoted staff are logged out at once), the
//! session's CSRF token, and the login attempt limits per account and per address.

use actix_session::Session;
use actix_web::HttpRequest;
use luffy_common::UserId;

use crate::state::ConsoleState;

/// The session key of the logged-in operator's id.
pub const STAFF_KEY: &str = "staff_id";
/// The session key of the CSRF token.
pub const CSRF_KEY: &str = "csrf";

/// Failed or attempted logins allowed per account in [`LOGIN_WINDOW_SECS`].
pub const LOGIN_ATTEMPTS_PER_ACCOUNT: i64 = 5;
/// Login attempts allowed per client address in [`LOGIN_WINDOW_SECS`].
pub const LOGIN_ATTEMPTS_PER_ADDRESS: i64 = 20;
/// The login limits' window.
pub const LOGIN_WINDOW_SECS: u64 = 900;

/// What the session says about the visitor.
pub enum Visitor {
    /// No session, or it ended.
    Anonymous,
    /// A logged-in account that is not (or no longer) staff: refused.
    NotStaff,
    /// An active operator.
    Staff(UserId),
}

/// Reads the session's operator and checks the account now; a deactivated or demoted one's
/// session is ended.
pub async fn visitor(
    state: &ConsoleState,
    session: &Session,
) -> Result<Visitor, luffy_web::error::ApiError> {
    let Ok(Some(id)) = session.get::<i64>(STAFF_KEY) else {
        return Ok(Visitor::Anonymous);
    };
    let account = state.users.state(UserId(id)).await?;
    match account {
        Some(account) if account.is_active && account.is_staff => Ok(Visitor::Staff(UserId(id))),
        Some(account) if account.is_active => {
            session.purge();
            Ok(Visitor::NotStaff)
        }
        _ => {
            session.purge();
            Ok(Visitor::Anonymous)
        }
    }
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(CSRF_KEY) {
        return token;
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let _ = session.insert(CSRF_KEY, &token);
    token
}

/// Whether a submitted token is the session's.
pub fn csrf_ok(session: &Session, submitted: &str) -> bool {
    matches!(session.get::<String>(CSRF_KEY), Ok(Some(token)) if !submitted.is_empty() && token == submitted)
}

/// Counts a login attempt for the account and the address; true while both are under their
/// limits. Redis unavailable: refused (fail closed).
pub async fn login_allowed(state: &ConsoleState, req: &HttpRequest, account: &str) -> bool {
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    match state.login_attempts.count(account, &address).await {
        Ok(counts) => {
            counts.per_account <= LOGIN_ATTEMPTS_PER_ACCOUNT
                && counts.per_address <= LOGIN_ATTEMPTS_PER_ADDRESS
        }
        Err(_) => false,
    }
}

/// A successful login clears the account's count.
pub async fn login_succeeded(state: &ConsoleState, account: &str) {
    if let Err(error) = state.login_attempts.clear(account).await {
        tracing::warn!(%error, "could not clear the login attempt count");
    }
}
