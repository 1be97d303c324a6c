//! `POST /orders/{id}/rebuy/`: the owner's order's courses that can still be bought go back
//! into the cart, selected; the buyer then checks out at current prices.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// A course left out, and why.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SkippedCourse)]
pub struct SkippedView {
    /// The course.
    course_id: i64,
    /// Why: owned, or hidden or deleted now.
    reason: &'static str,
}

/// What went back into the cart.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Rebuy)]
pub struct RebuyView {
    /// Courses now in the cart, selected.
    added: Vec<i64>,
    /// Courses left out.
    skipped: Vec<SkippedView>,
    /// The cart's size afterwards.
    cart_total: u64,
}

/// 200 `{added, skipped: [{course_id, reason}], cart_total}`; 404 when not the caller's.
pub async fn rebuy_order(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let rebuy = state.rebuy.rebuy(caller.id, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(RebuyView {
        added: rebuy.added.iter().map(|c| c.get()).collect(),
        skipped: rebuy
            .skipped
            .iter()
            .map(|(course, reason)| SkippedView {
                course_id: course.get(),
                reason: reason.message(),
            })
            .collect(),
        cart_total: rebuy.cart_total,
    }))
}
