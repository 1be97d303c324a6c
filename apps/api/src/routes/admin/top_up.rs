//! `POST /admin/users/{id}/balance/` `{amount, remark?}`: top a user's balance up, with a 充值
//! row in the balance ledger written in the same transaction.

use actix_web::{web, HttpResponse};
use luffy_common::UserId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::json::Json;
use crate::dto::money;
use crate::error::ApiError;
use crate::state::AppState;

/// How much, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopUpForm {
    /// Yuan, positive, two decimals at most, at most 10000000.
    #[schema(value_type = f64)]
    #[serde(deserialize_with = "crate::dto::flexible::money")]
    amount: Decimal,
    /// Up to 200 characters.
    #[serde(default)]
    remark: String,
}

/// The balance after the top-up.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ToppedUp)]
pub struct TopUpView {
    /// Message.
    errmsg: &'static str,
    /// New balance.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    money: Decimal,
}

/// Adds `amount` (positive, at most two decimals) to the user's balance.
pub async fn top_up(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<TopUpForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let amount = luffy_credit::validate_top_up(form.amount)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let remark =
        luffy_credit::operator_remark(&form.remark, || format!("管理员[{}]充值", staff.0.username))
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let user = UserId(path.into_inner());
    let balance = state
        .users
        .top_up(staff.0.id, user, amount, &remark)
        .await?
        .ok_or_else(|| ApiError::NotFound("用户不存在!".into()))?;
    tracing::info!(operator = staff.0.id.get(), user = user.get(), %amount, "balance topped up");
    Ok(HttpResponse::Ok().json(TopUpView {
        errmsg: "充值成功!",
        money: balance,
    }))
}
