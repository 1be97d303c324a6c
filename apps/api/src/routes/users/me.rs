//! `GET /users/me/`: the caller's profile with balances.

use actix_web::{web, HttpResponse};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::auth::AuthUser;
use crate::dto::money;
use crate::error::ApiError;
use crate::state::AppState;

/// The profile shown to its owner.
#[derive(Debug, Serialize)]
pub struct Profile {
    id: i64,
    username: String,
    mobile: String,
    #[serde(with = "money::number")]
    money: Decimal,
    credit: i32,
    is_staff: bool,
}

/// The caller's profile; a token for a deleted or deactivated account is a 401.
pub async fn me(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    let user = state
        .users
        .find(caller.id)
        .await?
        .filter(|user| user.is_active)
        .ok_or_else(|| ApiError::Unauthorized("用户不存在或已停用,请重新登录!".into()))?;
    Ok(HttpResponse::Ok().json(Profile {
        id: user.id.get(),
        username: user.username,
        mobile: user.mobile,
        money: user.money,
        credit: user.credit,
        is_staff: user.is_staff,
    }))
}
