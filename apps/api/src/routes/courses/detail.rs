//! `GET /courses/{id}/`: one shown course with its page data (teacher, level, lessons,
//! description, video) and the running promotion's countdown.

use actix_web::{web, HttpResponse};
use luffy_common::CourseId;

use super::view::{CourseDetailView, StudyChapterView, StudyLessonView};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// One course with its chapters; hidden and deleted courses are 404 like missing ones. The
/// caller's token (optional) decides which lessons carry their media link.
pub async fn course_detail(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    caller: Option<AuthUser>,
) -> Result<HttpResponse, ApiError> {
    let now = state.catalog.now();
    let course = CourseId(path.into_inner());
    let profile = state.catalog.course_profile(course).await?;
    if !profile.course.is_purchasable() {
        return Err(ApiError::NotFound("当前课程不存在!".into()));
    }
    let base = state.settings.public_base();
    let chapters = match state
        .study
        .course_access(caller.map(|c| c.id), course)
        .await?
    {
        None => Vec::new(),
        Some((outline, access)) => outline
            .visible()
            .into_iter()
            .map(|chapter| StudyChapterView {
                id: chapter.id,
                orders: chapter.orders,
                name: chapter.name.clone(),
                lesson_list: chapter
                    .lessons
                    .iter()
                    .map(|lesson| StudyLessonView {
                        id: lesson.id,
                        name: lesson.name.clone(),
                        orders: lesson.orders,
                        duration: lesson.duration.clone(),
                        lesson_type: lesson.lesson_type.code(),
                        lesson_link: access
                            .iter()
                            .find(|a| a.lesson_id == lesson.id)
                            .and_then(|a| a.media.as_ref())
                            .map(|m| m.url(base))
                            .unwrap_or_default(),
                        free_trail: lesson.free_trial,
                    })
                    .collect(),
            })
            .collect(),
    };
    Ok(HttpResponse::Ok().json(CourseDetailView::new(&profile, now, base).with_chapters(chapters)))
}
