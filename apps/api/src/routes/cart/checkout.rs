//! `GET /cart/order/`: the selected items, i.e. the checkout page's data (200 with `[]` when
//! nothing is selected, unlike the tutorial's 204).

use actix_web::{web, HttpResponse};

use super::view::CartListResponse;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Lists the caller's selected cart items.
pub async fn checkout_items(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let lines = state.carts.selected_lines(caller.id).await?;
    Ok(HttpResponse::Ok().json(CartListResponse::new(&lines, state.settings.public_base())))
}
