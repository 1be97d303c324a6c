//! `POST /admin/coupons/{id}/grant/` {user_ids}: grant a coupon to users.

use actix_web::{web, HttpResponse};
use luffy_common::UserId;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// The grant form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantForm {
    /// Users to grant to (all or nothing).
    user_ids: Vec<i64>,
}

/// The grants made, one per user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Granted {
    /// Message.
    errmsg: &'static str,
    /// New grant ids.
    user_coupon_ids: Vec<i64>,
}

/// All or nothing: `has_total` drops by the number of users, never below 0; 1 to
/// `luffy_coupon::MAX_GRANT_BATCH` users a request.
pub async fn grant_coupon(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<GrantForm>,
) -> Result<HttpResponse, ApiError> {
    let users: Vec<UserId> = form.user_ids.iter().map(|id| UserId(*id)).collect();
    let ids = state
        .coupons
        .grant(staff.0.id, path.into_inner(), &users)
        .await?;
    Ok(HttpResponse::Created().json(Granted {
        errmsg: "发放成功!",
        user_coupon_ids: ids,
    }))
}
