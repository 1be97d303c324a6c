//! `GET /courses/{id}/chapters/`: a shown course's chapters with their lessons, in the
//! tutorial's shape (`get_lesson_list`).

use actix_web::{web, HttpResponse};
use luffy_catalog::Chapter;
use luffy_common::CourseId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// One lesson.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Lesson)]
pub struct LessonView {
    /// Id.
    id: i64,
    /// Position.
    orders: i32,
    /// Title.
    name: String,
    /// `mm:ss`.
    duration: String,
    /// Free to watch.
    free_trail: bool,
}

/// One chapter with its lessons.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Chapter)]
pub struct ChapterView {
    /// Id.
    id: i64,
    /// Chapter number.
    orders: i32,
    /// Title.
    name: String,
    /// Summary.
    summary: String,
    /// Lessons in order.
    get_lesson_list: Vec<LessonView>,
}

impl From<&Chapter> for ChapterView {
    fn from(chapter: &Chapter) -> Self {
        Self {
            id: chapter.id,
            orders: chapter.orders,
            name: chapter.name.clone(),
            summary: chapter.summary.clone(),
            get_lesson_list: chapter
                .lessons
                .iter()
                .map(|lesson| LessonView {
                    id: lesson.id,
                    orders: lesson.orders,
                    name: lesson.name.clone(),
                    duration: lesson.duration.clone(),
                    free_trail: lesson.free_trail,
                })
                .collect(),
        }
    }
}

/// The chapters of a shown course; hidden, deleted and missing courses are 404.
pub async fn course_chapters(
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = CourseId(path.into_inner());
    let course = state.catalog.find_course(id).await?;
    if !course.is_purchasable() {
        return Err(ApiError::NotFound("当前课程不存在!".into()));
    }
    let chapters = state.catalog.chapters(id).await?;
    Ok(HttpResponse::Ok().json(chapters.iter().map(ChapterView::from).collect::<Vec<_>>()))
}
