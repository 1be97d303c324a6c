//! `POST /users/login/`: {username (or mobile), password, ticket?, randstr?} -> {token,
//! cart_total}.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{cart_total_or_zero, TokenResponse};
use crate::auth::password::verify_password;
use crate::dto::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// The login form; `username` may hold a username or a mobile number, and `mobile` is accepted
/// as an alias.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginForm {
    /// Username or mobile.
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    mobile: Option<String>,
    /// Password.
    password: String,
    /// The slider captcha's ticket (checked when a captcha provider is configured).
    #[serde(default)]
    ticket: Option<String>,
    /// The slider captcha's random string.
    #[serde(default)]
    randstr: Option<String>,
}

use crate::auth::login_limits::{LOGIN_ATTEMPTS_PER_ACCOUNT, LOGIN_ATTEMPTS_PER_ADDRESS};

/// Checks the credentials and issues a token. Unknown user and wrong password answer the same
/// 401 so accounts cannot be enumerated. Failed attempts are counted per account and per
/// address in Redis (shared by every instance); past either limit every attempt, right or
/// wrong, is a 429 with `Retry-After` until the window ends. With Redis down the counters are
/// skipped (logged): logging in keeps working, as it does without the cart.
#[tracing::instrument(skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: Json<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let login = form
        .username
        .or(form.mobile)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("请输入用户名或手机号!"))?;
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let counts = match state.login_attempts.current(&login, &address).await {
        Ok(counts) => Some(counts),
        Err(error) => {
            tracing::warn!(%error, "login attempt counters unavailable; not limiting");
            None
        }
    };
    if let Some(counts) = counts.filter(|c| {
        c.per_account >= LOGIN_ATTEMPTS_PER_ACCOUNT || c.per_address >= LOGIN_ATTEMPTS_PER_ADDRESS
    }) {
        let wait = counts.retry_after_secs;
        return Ok(HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", wait.to_string()))
            .json(serde_json::json!({"errmsg": format!("登录尝试过于频繁,请{wait}秒后再试!")})));
    }
    crate::auth::captcha::require_captcha(
        &state,
        form.ticket.as_deref(),
        form.randstr.as_deref(),
        &address,
        "验证码校验失败!",
    )
    .await?;
    let user = state.users.find_by_login(&login).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let valid = verify_password(form.password, stored).await?;
    let user = match user {
        Some(user) if valid && user.is_active => user,
        _ => {
            if let Err(error) = state.login_attempts.count(&login, &address).await {
                tracing::warn!(%error, "could not count a failed login");
            }
            return Err(ApiError::Unauthorized("用户名或密码错误!".into()));
        }
    };
    if let Err(error) = state.login_attempts.clear(&login).await {
        tracing::warn!(%error, "could not clear the login attempt count");
    }
    let token = state.tokens.issue(user.id, &user.username, user.is_staff)?;
    let cart_total = cart_total_or_zero(&state, user.id).await;
    Ok(TokenResponse { token, cart_total }.ok())
}
