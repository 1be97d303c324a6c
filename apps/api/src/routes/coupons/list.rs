//! `GET /coupon/`: the caller's available coupons.

use actix_web::{web, HttpResponse};

use super::view::CouponItem;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Unused, unreserved grants inside their window, newest first.
pub async fn list_coupons(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let grants = state.coupons.available_for(caller.id).await?;
    let items: Vec<CouponItem> = grants
        .iter()
        .map(|g| CouponItem::new(g, state.timezone))
        .collect();
    Ok(HttpResponse::Ok().json(items))
}
