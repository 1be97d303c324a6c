//! `GET /courses/{id}/`: one shown course.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use luffy_catalog::CatalogRepository;
use luffy_common::CourseId;

use super::view::CourseView;
use crate::error::ApiError;
use crate::state::AppState;

/// One course; hidden and deleted courses are 404 like missing ones.
pub async fn course_detail(
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let course = state
        .catalog
        .find_course(CourseId(path.into_inner()), now)
        .await?;
    if !course.is_purchasable() {
        return Err(ApiError::NotFound("当前课程不存在!".into()));
    }
    Ok(HttpResponse::Ok().json(CourseView::new(&course, now)))
}
