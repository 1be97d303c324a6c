//! `POST /cart/` {course_id}: add a course in selected state.

use actix_web::{web, HttpResponse};
use luffy_common::CourseId;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::dto::flexible;
use crate::dto::json::Json;
use crate::dto::message::CartTotal;
use crate::error::ApiError;
use crate::state::AppState;

/// The add form; `course_id` may be a number or a numeric string.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CartAddForm)]
pub struct AddForm {
    /// The course (number or numeric string).
    #[serde(deserialize_with = "flexible::integer")]
    course_id: i64,
}

/// Adds a purchasable, not-yet-owned course; answers the new cart size.
pub async fn add_to_cart(
    state: web::Data<AppState>,
    caller: AuthUser,
    form: Json<AddForm>,
) -> Result<HttpResponse, ApiError> {
    let cart_total = state.carts.add(caller.id, CourseId(form.course_id)).await?;
    Ok(HttpResponse::Ok().json(CartTotal::new("成功添加商品到购物车!", cart_total)))
}
