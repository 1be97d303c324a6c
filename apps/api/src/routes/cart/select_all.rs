//! `PUT /cart/` {selected}: select or deselect everything.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::dto::flexible;
use crate::dto::json::Json;
use crate::dto::message::Message;
use crate::error::ApiError;
use crate::state::AppState;

/// The select-all form.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CartSelectAllForm)]
pub struct SelectAllForm {
    /// Select or unselect every item.
    #[serde(deserialize_with = "flexible::boolean")]
    selected: bool,
}

/// Sets every item's selection.
pub async fn select_all(
    state: web::Data<AppState>,
    caller: AuthUser,
    form: Json<SelectAllForm>,
) -> Result<HttpResponse, ApiError> {
    state
        .carts
        .set_all_selected(caller.id, form.selected)
        .await?;
    Ok(HttpResponse::Ok().json(Message::new("切换状态成功!")))
}
