//! `PUT /admin/users/{id}/credit/` {credit, remark}: set a user's points balance.

use actix_web::{web, HttpResponse};
use luffy_common::UserId;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::flexible;
use crate::dto::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// The new balance and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditForm {
    /// New balance, 0 to 2147483647.
    #[serde(deserialize_with = "flexible::integer")]
    credit: i64,
    /// Up to 200 characters.
    #[serde(default)]
    remark: String,
}

/// The points balance before and after an adjustment.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CreditSet)]
pub struct CreditAdjusted {
    /// Message.
    errmsg: &'static str,
    /// Before.
    old_credit: i32,
    /// After.
    credit: i32,
}

/// Writes a 系统赠送 ledger row with the signed difference in the same transaction.
pub async fn adjust_credit(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<CreditForm>,
) -> Result<HttpResponse, ApiError> {
    let balance = i32::try_from(form.credit)
        .ok()
        .filter(|b| *b >= 0)
        .ok_or_else(|| ApiError::bad_request("参数 credit 必须在 0 到 2147483647 之间!"))?;
    let remark = luffy_credit::operator_remark(&form.remark, || {
        format!("管理员[{}]调整积分", staff.0.username)
    })
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let (old, new) = state
        .users
        .set_credit(staff.0.id, UserId(path.into_inner()), balance, &remark)
        .await?
        .ok_or_else(|| ApiError::NotFound("用户不存在!".into()))?;
    Ok(HttpResponse::Ok().json(CreditAdjusted {
        errmsg: "积分调整成功!",
        old_credit: old,
        credit: new,
    }))
}
