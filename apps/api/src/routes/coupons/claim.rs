//! `POST /coupon/claim/` {coupon_id}: claim a self-claim (get_type 1) coupon.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::dto::flexible;
use crate::dto::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// The claim form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ClaimForm {
    /// A claimable coupon.
    #[serde(deserialize_with = "flexible::integer")]
    coupon_id: i64,
}

/// The new grant.
#[derive(Debug, Serialize, ToSchema)]
pub struct Claimed {
    /// Message.
    errmsg: &'static str,
    /// The new grant.
    user_coupon_id: i64,
}

/// Claims one grant, respecting per_limit and has_total under concurrency.
pub async fn claim_coupon(
    state: web::Data<AppState>,
    caller: AuthUser,
    form: Json<ClaimForm>,
) -> Result<HttpResponse, ApiError> {
    let grant_id = state.coupons.claim(caller.id, form.coupon_id).await?;
    Ok(HttpResponse::Created().json(Claimed {
        errmsg: "领取成功!",
        user_coupon_id: grant_id,
    }))
}
