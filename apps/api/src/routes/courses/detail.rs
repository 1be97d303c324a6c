//! `GET /courses/{id}/`: one shown course with its page data (teacher, level, lessons,
//! description, video) and the running promotion's countdown.

use actix_web::{web, HttpResponse};
use luffy_common::CourseId;

use super::view::CourseDetailView;
use crate::error::ApiError;
use crate::state::AppState;

/// One course; hidden and deleted courses are 404 like missing ones.
pub async fn course_detail(
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let now = state.catalog.now();
    let profile = state
        .catalog
        .course_profile(CourseId(path.into_inner()))
        .await?;
    if !profile.course.is_purchasable() {
        return Err(ApiError::NotFound("当前课程不存在!".into()));
    }
    Ok(HttpResponse::Ok().json(CourseDetailView::new(
        &profile,
        now,
        state.settings.public_base(),
    )))
}
