//! `POST /users/register/`: {mobile, password, password2} -> {token, cart_total}.

use luffy_account::NewUser;
use std::sync::LazyLock;

use actix_web::{web, HttpResponse};
use regex::Regex;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{cart_total_or_zero, TokenResponse};
use crate::auth::password::hash_password;
use crate::dto::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

#[allow(clippy::expect_used)]
static MOBILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^1[3-9][0-9]{9}$").expect("valid regex"));

/// The registration form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterForm {
    /// `^1[3-9]\d{9}$`; also the username.
    mobile: String,
    /// 6 to 16 characters.
    password: String,
    /// The same again.
    password2: String,
}

/// A form that passed validation; the username is the mobile number, as in the tutorial.
#[derive(Debug)]
struct ValidRegistration {
    mobile: String,
    password: String,
}

impl RegisterForm {
    fn validate(self) -> Result<ValidRegistration, ApiError> {
        let mobile = self.mobile.trim().to_owned();
        if !MOBILE.is_match(&mobile) {
            return Err(ApiError::bad_request("手机号格式不正确!"));
        }
        let length = self.password.chars().count();
        if !(6..=16).contains(&length) {
            return Err(ApiError::bad_request("密码长度必须在6-16位之间!"));
        }
        if self.password != self.password2 {
            return Err(ApiError::bad_request("两次密码输入不一致!"));
        }
        Ok(ValidRegistration {
            mobile,
            password: self.password,
        })
    }
}

/// Creates the account and logs it in.
#[tracing::instrument(skip_all)]
pub async fn register(
    state: web::Data<AppState>,
    form: Json<RegisterForm>,
) -> Result<HttpResponse, ApiError> {
    let valid = form.into_inner().validate()?;
    let password_hash = hash_password(valid.password).await?;
    let user = state
        .users
        .register(NewUser {
            username: valid.mobile.clone(),
            mobile: valid.mobile,
            password_hash,
            is_staff: false,
        })
        .await?;
    let token = state.tokens.issue(user.id, &user.username, user.is_staff)?;
    let cart_total = cart_total_or_zero(&state, user.id).await;
    Ok(TokenResponse { token, cart_total }.ok())
}
