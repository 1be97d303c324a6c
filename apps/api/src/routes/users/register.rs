//! `POST /users/register/`: {mobile, password, re_password (or password2), sms_code, ticket?,
//! randstr?} -> {token, cart_total}. Refusals carry `non_field_errors` too, which the tutorial's
//! client shows.

use luffy_account::NewUser;
use std::sync::LazyLock;

use actix_web::{web, HttpRequest, HttpResponse};
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
    /// The same again (the tutorial's client sends `re_password`).
    #[serde(alias = "re_password")]
    password2: String,
    /// The code `GET /users/sms/{mobile}` sent.
    #[serde(default)]
    sms_code: Option<String>,
    /// The slider captcha's ticket (checked when a captcha provider is configured).
    #[serde(default)]
    ticket: Option<String>,
    /// The slider captcha's random string.
    #[serde(default)]
    randstr: Option<String>,
}

/// A form that passed validation; the username is the mobile number, as in the tutorial.
#[derive(Debug)]
struct ValidRegistration {
    mobile: String,
    password: String,
    sms_code: String,
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
            sms_code: self.sms_code.unwrap_or_default(),
        })
    }
}

/// A refusal with `non_field_errors` beside `errmsg`, as the tutorial's client reads it.
fn refused(message: String) -> HttpResponse {
    HttpResponse::BadRequest().json(serde_json::json!({
        "errmsg": message,
        "non_field_errors": [message],
    }))
}

/// Creates the account and logs it in: the form is checked, then that the mobile is free, then
/// the code is used up.
#[tracing::instrument(skip_all)]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: Json<RegisterForm>,
) -> Result<HttpResponse, ApiError> {
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    match register_checked(&state, form.into_inner(), &address).await {
        Err(ApiError::BadRequest(message)) => Ok(refused(message)),
        other => other,
    }
}

async fn register_checked(
    state: &AppState,
    form: RegisterForm,
    address: &str,
) -> Result<HttpResponse, ApiError> {
    crate::auth::captcha::require_captcha(
        state,
        form.ticket.as_deref(),
        form.randstr.as_deref(),
        address,
        "滑动验证码校验失败!",
    )
    .await?;
    let valid = form.validate()?;
    if state.users.find_by_login(&valid.mobile).await?.is_some() {
        return Err(ApiError::bad_request("手机号已经被注册!"));
    }
    match state.sms.use_code(&valid.mobile, &valid.sms_code).await {
        Ok(()) => {}
        Err(luffy_account::SmsError::Storage(error)) => return Err(error.into()),
        Err(refusal) => return Err(ApiError::BadRequest(refusal.to_string())),
    }
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
    let cart_total = cart_total_or_zero(state, user.id).await;
    Ok(TokenResponse { token, cart_total }.ok())
}
