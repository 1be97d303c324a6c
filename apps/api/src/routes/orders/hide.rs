//! `DELETE /orders/{id}/`: the owner hides a cancelled or timed-out order from "my orders"
//! (the tutorial's 删除订单); the order itself is kept.

use actix_web::{web, HttpResponse};

use crate::auth::AuthUser;
use crate::dto::message::Message;
use crate::error::ApiError;
use crate::state::AppState;

/// 200 once hidden (again: 200); 400 for an unpaid or paid order, 404 when not the caller's.
pub async fn hide_order(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state.orders.hide(caller.id, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Message::new("订单删除成功!")))
}
