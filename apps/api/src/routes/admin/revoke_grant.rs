//! `DELETE /admin/coupon-grants/{id}/`: revoke an unused, unreserved grant.

use actix_web::{web, HttpResponse};

use crate::auth::StaffUser;
use crate::dto::message::Message;
use crate::error::ApiError;
use crate::state::AppState;

/// 409 when the grant is used or reserved by an order; its unit goes back to `has_total`.
pub async fn revoke_grant(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state.coupons.revoke(staff.0.id, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Message::new("撤回成功!")))
}
