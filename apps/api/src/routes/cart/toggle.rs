//! `PATCH /cart/` {course_id, selected}: select or deselect one item.

use actix_web::{web, HttpResponse};
use luffy_common::CourseId;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::dto::flexible;
use crate::dto::json::Json;
use crate::dto::message::Message;
use crate::error::ApiError;
use crate::state::AppState;

/// The toggle form.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CartToggleForm)]
pub struct ToggleForm {
    /// The course.
    #[serde(deserialize_with = "flexible::integer")]
    course_id: i64,
    /// Selected for checkout (also 0/1).
    #[serde(deserialize_with = "flexible::boolean")]
    selected: bool,
}

/// Sets one item's selection; 400 if it is not in the cart.
pub async fn toggle_item(
    state: web::Data<AppState>,
    caller: AuthUser,
    form: Json<ToggleForm>,
) -> Result<HttpResponse, ApiError> {
    state
        .carts
        .set_selected(caller.id, CourseId(form.course_id), form.selected)
        .await?;
    Ok(HttpResponse::Ok().json(Message::new("切换状态成功!")))
}
