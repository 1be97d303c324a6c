//! Extractors: `AuthUser` for any logged-in user whose account is still active, `StaffUser`
//! for operator routes (staff now, not merely when the token was issued).

use futures::future::LocalBoxFuture;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use luffy_common::UserId;

use crate::error::ApiError;
use crate::state::AppState;

/// The caller, authenticated by a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// The user's id.
    pub id: UserId,
    /// Username at token issue time.
    pub username: String,
    /// Staff flag as the account has it now.
    pub is_staff: bool,
}

/// A caller proven by a valid token only, for handlers whose service checks the account in
/// its own transaction (checkout reads the user row under a lock anyway, so checking there
/// costs no round trip at all). Every other handler takes [`AuthUser`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser(pub AuthUser);

/// A caller with the staff flag; everyone else gets a 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser(pub AuthUser);

/// Pulls the token out of `jwt <token>` or `Bearer <token>` (scheme case-insensitive).
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    let known = scheme.eq_ignore_ascii_case("jwt") || scheme.eq_ignore_ascii_case("bearer");
    (known && !token.is_empty()).then_some(token)
}

/// Verifies the token (no I/O); the account's live state is checked by [`authenticate`].
fn verify_token(req: &HttpRequest) -> Result<(web::Data<AppState>, AuthUser), ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("AppState missing")))?;
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("请先登录!".into()))?;
    let header = header
        .to_str()
        .map_err(|_| ApiError::Unauthorized("无效的登录凭证,请重新登录!".into()))?;
    let token = bearer_token(header)
        .ok_or_else(|| ApiError::Unauthorized("无效的登录凭证,请重新登录!".into()))?;
    let claims = state
        .tokens
        .verify(token)
        .map_err(|e| ApiError::Unauthorized(e.to_string()))?;
    let user = AuthUser {
        id: UserId(claims.user_id),
        username: claims.username,
        is_staff: claims.is_staff,
    };
    Ok((state, user))
}

/// A valid token whose account still exists and is active, with its current staff flag.
fn authenticate(req: &HttpRequest) -> LocalBoxFuture<'static, Result<AuthUser, ApiError>> {
    let verified = verify_token(req);
    Box::pin(async move {
        let (state, mut user) = verified?;
        let account = state
            .users
            .state(user.id)
            .await?
            .filter(|account| account.is_active)
            .ok_or_else(|| ApiError::Unauthorized("用户不存在或已停用,请重新登录!".into()))?;
        user.is_staff = account.is_staff;
        Ok(user)
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        authenticate(req)
    }
}

impl FromRequest for TokenUser {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(verify_token(req).map(|(_, user)| TokenUser(user)))
    }
}

impl FromRequest for StaffUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        // Checked already by `edge::staff_first` for this request.
        if let Some(staff) = req.extensions().get::<StaffUser>().cloned() {
            return Box::pin(async move { Ok(staff) });
        }
        let user = authenticate(req);
        Box::pin(async move {
            let user = user.await?;
            if user.is_staff {
                Ok(StaffUser(user))
            } else {
                Err(ApiError::Forbidden("需要管理员权限!".into()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_schemes() {
        assert_eq!(bearer_token("jwt abc"), Some("abc"));
        assert_eq!(bearer_token("JWT abc"), Some("abc"));
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("jwt"), None);
        assert_eq!(bearer_token("jwt "), None);
    }
}
