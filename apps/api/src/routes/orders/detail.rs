//! `GET /orders/{id}/`: one of the caller's orders; anyone else's is a 404.

use actix_web::{web, HttpResponse};

use super::view::OrderView;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// The order, or 404 for missing and foreign orders alike.
pub async fn order_detail(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let order = state
        .orders
        .find(caller.id, path.into_inner())
        .await?
        .ok_or_else(|| ApiError::NotFound("订单不存在!".into()))?;
    Ok(HttpResponse::Ok().json(OrderView::new(
        &order,
        state.timezone,
        state.settings.public_base(),
    )))
}
