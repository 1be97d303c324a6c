//! Operators keep the catalog's directions and categories: `GET|POST /admin/directions/`,
//! `PATCH /admin/directions/{id}/`, `GET|POST /admin/categories/` and
//! `PATCH /admin/categories/{id}/`. Every write is audited; nothing is deleted.

use actix_web::{web, HttpResponse};
use luffy_catalog::{Category, Direction, TaxonomyError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::flexible;
use crate::dto::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// A direction.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminDirection)]
pub struct DirectionView {
    /// Id.
    id: i64,
    /// Name (unique).
    name: String,
}

/// A category.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminCategory)]
pub struct CategoryView {
    /// Id.
    id: i64,
    /// Name (unique).
    name: String,
    /// Its direction.
    direction_id: i64,
}

impl From<Direction> for DirectionView {
    fn from(direction: Direction) -> Self {
        Self {
            id: direction.id,
            name: direction.name,
        }
    }
}

impl From<Category> for CategoryView {
    fn from(category: Category) -> Self {
        Self {
            id: category.id,
            name: category.name,
            direction_id: category.direction_id,
        }
    }
}

/// `{name}`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DirectionBody)]
pub struct DirectionForm {
    /// The name.
    name: String,
}

/// `{name, direction_id}`; in a change both are optional.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CategoryBody)]
pub struct CategoryForm {
    /// 1 to 100 characters, unique.
    #[serde(default)]
    name: Option<String>,
    /// An existing direction.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    direction_id: Option<i64>,
}

/// Which direction's categories (0 or absent: all).
#[derive(Debug, Deserialize)]
pub struct CategoryQuery {
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    direction: Option<i64>,
}

/// Every direction, in id order.
pub async fn list_directions(
    state: web::Data<AppState>,
    _staff: StaffUser,
) -> Result<HttpResponse, ApiError> {
    let directions = state.catalog.directions().await?;
    Ok(HttpResponse::Ok().json(
        directions
            .into_iter()
            .map(DirectionView::from)
            .collect::<Vec<_>>(),
    ))
}

/// 201 the new direction; 409 for a name in use.
pub async fn create_direction(
    state: web::Data<AppState>,
    staff: StaffUser,
    form: Json<DirectionForm>,
) -> Result<HttpResponse, ApiError> {
    let direction = state
        .taxonomy
        .create_direction(staff.0.id, &form.name)
        .await?;
    Ok(HttpResponse::Created().json(DirectionView::from(direction)))
}

/// The renamed direction; 404 missing, 409 for a name in use.
pub async fn rename_direction(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<DirectionForm>,
) -> Result<HttpResponse, ApiError> {
    let direction = state
        .taxonomy
        .rename_direction(staff.0.id, path.into_inner(), &form.name)
        .await
        .map_err(|error| match error {
            TaxonomyError::DirectionNotFound => ApiError::NotFound(error.to_string()),
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok().json(DirectionView::from(direction)))
}

/// The categories of a direction (all without one), in id order.
pub async fn list_categories(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<CategoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let categories = state
        .catalog
        .categories(query.direction.unwrap_or(0))
        .await?;
    Ok(HttpResponse::Ok().json(
        categories
            .into_iter()
            .map(CategoryView::from)
            .collect::<Vec<_>>(),
    ))
}

/// 201 the new category; 400 without a name or an existing direction, 409 for a name in use.
pub async fn create_category(
    state: web::Data<AppState>,
    staff: StaffUser,
    form: Json<CategoryForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let (Some(name), Some(direction_id)) = (form.name, form.direction_id) else {
        return Err(ApiError::bad_request("请提供 name 和 direction_id!"));
    };
    let category = state
        .taxonomy
        .create_category(staff.0.id, &name, direction_id)
        .await?;
    Ok(HttpResponse::Created().json(CategoryView::from(category)))
}

/// The changed category; 404 missing, 400 for a missing direction, 409 for a name in use.
pub async fn update_category(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<CategoryForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let category = state
        .taxonomy
        .update_category(
            staff.0.id,
            path.into_inner(),
            form.name.as_deref(),
            form.direction_id,
        )
        .await?;
    Ok(HttpResponse::Ok().json(CategoryView::from(category)))
}
