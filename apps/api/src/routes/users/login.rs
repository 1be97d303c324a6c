//! `POST /users/login/`: {username (or mobile), password} -> {token, cart_total}.

use actix_web::{web, HttpResponse};
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
}

/// Checks the credentials and issues a token. Unknown user and wrong password answer the same
/// 401 so accounts cannot be enumerated.
#[tracing::instrument(skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    form: Json<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let login = form
        .username
        .or(form.mobile)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("请输入用户名或手机号!"))?;
    let user = state.users.find_by_login(&login).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let valid = verify_password(form.password, stored).await?;
    let user = match user {
        Some(user) if valid && user.is_active => user,
        _ => return Err(ApiError::Unauthorized("用户名或密码错误!".into())),
    };
    let token = state.tokens.issue(user.id, &user.username, user.is_staff)?;
    let cart_total = cart_total_or_zero(&state, user.id).await;
    Ok(TokenResponse { token, cart_total }.ok())
}
