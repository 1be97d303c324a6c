//! Accounts: register, login, profile.

pub mod login;
pub mod me;
pub mod register;
pub mod sms;

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

/// What register and login answer: a token and the cart size, as the tutorial's client expects.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT, to send back as `Authorization: jwt <token>`.
    pub token: String,
    /// Items in the user's cart.
    pub cart_total: u64,
}

impl TokenResponse {
    /// 200 with the token.
    pub fn ok(self) -> HttpResponse {
        HttpResponse::Ok().json(self)
    }
}

/// The cart size for a token response. Logging in must not fail because Redis is down, so an
/// unavailable cart counts as 0 (and is logged).
pub async fn cart_total_or_zero(state: &crate::state::AppState, user: luffy_common::UserId) -> u64 {
    match state.carts.count(user).await {
        Ok(total) => total,
        Err(error) => {
            tracing::warn!(%error, "cart count unavailable at login; answering 0");
            0
        }
    }
}
pub mod study;
