//! `DELETE /cart/?course_id=`: remove one item.

use actix_web::{web, HttpResponse};
use luffy_common::CourseId;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::dto::flexible;
use crate::dto::message::CartTotal;
use crate::error::ApiError;
use crate::state::AppState;

/// The query string.
#[derive(Debug, Deserialize)]
pub struct RemoveQuery {
    #[serde(deserialize_with = "flexible::integer")]
    course_id: i64,
}

/// Removes one item in the cart; answers the new cart size, 400 if it was not there.
pub async fn remove_item(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<RemoveQuery>,
) -> Result<HttpResponse, ApiError> {
    let cart_total = state
        .carts
        .remove(caller.id, CourseId(query.course_id))
        .await?;
    Ok(HttpResponse::Ok().json(CartTotal::new("删除成功!", cart_total)))
}
