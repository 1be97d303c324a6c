//! `GET /cart/`: every item with price, discount, credit and selection.

use actix_web::{web, HttpResponse};

use super::view::CartListResponse;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Lists the caller's cart.
pub async fn list_cart(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let lines = state.carts.lines(caller.id).await?;
    Ok(HttpResponse::Ok().json(CartListResponse::new(&lines, state.settings.public_base())))
}
