//! `GET /users/me/`: the caller's profile with balances.

use actix_web::{web, HttpResponse};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::dto::money;
use crate::error::ApiError;
use crate::state::AppState;

/// The profile shown to its owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    /// Id.
    id: i64,
    /// Username.
    username: String,
    /// Mobile.
    mobile: String,
    /// Balance in yuan.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    money: Decimal,
    /// Points.
    credit: i32,
    /// Operator.
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
