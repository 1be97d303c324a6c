//! `GET /courses/directions/` and `GET /courses/categories/{direction}/` (0 = all): the
//! filters above the tutorial's course list.

use actix_web::{web, HttpResponse};

use super::view::NamedRef;
use crate::error::ApiError;
use crate::state::AppState;

/// Every direction, `[{id, name}]`.
pub async fn list_directions(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let directions = state.catalog.directions().await?;
    Ok(HttpResponse::Ok().json(
        directions
            .iter()
            .map(|d| NamedRef::new(d.id, &d.name))
            .collect::<Vec<_>>(),
    ))
}

/// The categories of one direction (0 = all), `[{id, name}]`.
pub async fn list_categories(
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let direction = path.into_inner();
    if direction < 0 {
        return Err(ApiError::NotFound("当前方向不存在!".into()));
    }
    let categories = state.catalog.categories(direction).await?;
    Ok(HttpResponse::Ok().json(
        categories
            .iter()
            .map(|c| NamedRef::new(c.id, &c.name))
            .collect::<Vec<_>>(),
    ))
}
