//! The learner's side of the tutorial's client: `GET /users/course/?type=&page=&size=` (my
//! courses), `GET /users/course/{id}/` (open a course where the learner left it),
//! `GET /users/lesson/?lesson=` (a lesson's saved seconds, a bare number) and
//! `POST /users/progress/ {time, lesson}`; plus `GET /courses/type/` and the signed lesson
//! media under `/uploads/lessons/`. Who may open what is decided in `luffy_study`.

use actix_web::{web, HttpRequest, HttpResponse};
use luffy_catalog::CourseType;
use luffy_common::{CourseId, PageRequest, UserId};
use luffy_study::{CurrentLesson, MyCourse};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::dto::media::media_url;
use crate::dto::page::DrfPage;
use crate::error::ApiError;
use crate::state::AppState;

/// Largest "my courses" page (the tutorial's 20).
const MAX_PAGE_SIZE: u32 = 20;

/// `?type=&page=&size=`: `type` -1 (or absent) for every type, else 0, 1 or 2.
#[derive(Debug, Deserialize)]
pub struct MyCoursesQuery {
    #[serde(default, rename = "type")]
    course_type: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    size: Option<String>,
}

fn integer(value: &Option<String>, name: &str, default: i64) -> Result<i64, ApiError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("{name} 必须是整数!"))),
    }
}

/// One course of the learner, in the tutorial's `UserCourseModelSerializer` shape.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = UserCourse)]
pub struct UserCourseView {
    course_id: i64,
    /// Absolute URL of the cover, or null.
    course_cover: Option<String>,
    course_name: String,
    /// Seconds studied.
    study_time: i64,
    /// 0 until started.
    chapter_id: i64,
    chapter_orders: i32,
    chapter_name: String,
    lesson_id: i64,
    lesson_orders: i32,
    lesson_name: String,
    course_type: i16,
    get_course_type_display: String,
    /// `0` before the first lesson, else the percentage as a 2-decimal string (`"33.33"`).
    #[schema(value_type = String)]
    progress: Value,
    /// Notes, code submissions and questions: luffy keeps none yet.
    note: i64,
    code: i64,
    qa: i64,
}

impl UserCourseView {
    fn new(course: &MyCourse, done: Decimal, base: &str) -> Self {
        let place = course.place.as_ref();
        Self {
            course_id: course.course_id.get(),
            course_cover: (!course.cover.is_empty()).then(|| media_url(base, &course.cover)),
            course_name: course.name.clone(),
            study_time: course.study_time,
            chapter_id: place.map_or(0, |p| p.chapter_id),
            chapter_orders: place.map_or(0, |p| p.chapter_orders),
            chapter_name: place.map(|p| p.chapter_name.clone()).unwrap_or_default(),
            lesson_id: place.map_or(0, |p| p.lesson_id),
            lesson_orders: place.map_or(0, |p| p.lesson_orders),
            lesson_name: place.map(|p| p.lesson_name.clone()).unwrap_or_default(),
            course_type: course.course_type.code(),
            get_course_type_display: course.course_type.display_name().into(),
            progress: match place {
                None => Value::from(0),
                Some(_) => Value::from(format!("{:.2}", done)),
            },
            note: 0,
            code: 0,
            qa: 0,
        }
    }
}

/// `GET /users/course/`.
pub async fn my_courses(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<MyCoursesQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = integer(&query.course_type, "type", -1)?;
    let course_type = match kind {
        -1 => None,
        code => Some(
            i16::try_from(code)
                .ok()
                .and_then(CourseType::from_code)
                .ok_or_else(|| ApiError::BadRequest("type 只能是 -1、0、1 或 2!".into()))?,
        ),
    };
    let request = PageRequest::new(
        integer(&query.page, "page", 1)?,
        integer(&query.size, "size", 5)?,
        MAX_PAGE_SIZE,
    )?;
    let page = state
        .study
        .my_courses(user.id, course_type, request)
        .await?;
    let base = state.settings.public_base();
    let link = |n: u32| {
        format!(
            "{base}/users/course/?type={kind}&page={n}&size={}",
            request.size()
        )
    };
    Ok(
        HttpResponse::Ok().json(DrfPage::new(&page, link, |(course, done)| {
            UserCourseView::new(course, *done, base)
        })),
    )
}

/// An opened course: the learner's course plus the current lesson's type and media link.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = StudyCourse)]
pub struct StudyCourseView {
    #[serde(flatten)]
    course: UserCourseView,
    /// 0 document, 1 exercise, 2 video.
    lesson_type: i16,
    /// A signed link to the lesson's media, valid a few minutes; empty when it has none.
    lesson_link: String,
}

impl StudyCourseView {
    fn new(current: &CurrentLesson, base: &str) -> Self {
        Self {
            course: UserCourseView::new(&current.course, current.percent, base),
            lesson_type: current.lesson_type.code(),
            lesson_link: current
                .media
                .as_ref()
                .map(|m| m.url(base))
                .unwrap_or_default(),
        }
    }
}

/// `GET /users/course/{id}/`.
pub async fn open_course(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let current = state
        .study
        .open_course(user.id, CourseId(path.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(StudyCourseView::new(&current, state.settings.public_base())))
}

/// `?lesson=`.
#[derive(Debug, Deserialize)]
pub struct LessonQuery {
    #[serde(default)]
    lesson: Option<String>,
}

/// A lesson reference as the client sends it: a number, a numeric string, or the study page's
/// `"lesson-12"` for the lesson it resumed.
fn lesson_ref(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => text.trim().trim_start_matches("lesson-").parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
}

/// `GET /users/lesson/?lesson=`: the seconds saved for an open lesson, a bare number.
pub async fn lesson_time(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<LessonQuery>,
) -> Result<HttpResponse, ApiError> {
    let lesson = query
        .lesson
        .as_ref()
        .and_then(|text| lesson_ref(&Value::String(text.clone())))
        .ok_or_else(|| ApiError::BadRequest("缺少参数 lesson!".into()))?;
    let seconds = state.study.lesson_time(user.id, lesson).await?;
    Ok(HttpResponse::Ok().json(seconds))
}

/// `{time, lesson}`: seconds to add (the client's 5) and the lesson.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProgressForm {
    /// Seconds studied since the last report (at most the seek limit).
    #[schema(value_type = i64)]
    time: Value,
    /// The lesson: its id, or `"lesson-{id}"`.
    #[schema(value_type = i64)]
    lesson: Value,
}

/// `POST /users/progress/`.
pub async fn record_progress(
    state: web::Data<AppState>,
    user: AuthUser,
    body: crate::dto::json::Json<ProgressForm>,
) -> Result<HttpResponse, ApiError> {
    let lesson = lesson_ref(&body.lesson)
        .ok_or_else(|| ApiError::BadRequest("无效的参数 lesson!".into()))?;
    let time = match &body.time {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::BadRequest("无效的参数 time!".into()))?;
    state.study.record_progress(user.id, lesson, time).await?;
    Ok(HttpResponse::Ok().json(ProgressRecorded {
        message: "课时学习进度更新完成!".into(),
    }))
}

/// What a recorded report answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressRecorded {
    /// 课时学习进度更新完成!
    pub message: String,
}

/// `GET /courses/type/`: `[[0, "实战课程"], [1, "会员专享"], [2, "学位课程"]]`.
pub async fn course_types() -> HttpResponse {
    let types: Vec<(i16, &str)> = [
        CourseType::Practical,
        CourseType::MembersOnly,
        CourseType::Degree,
    ]
    .into_iter()
    .map(|t| (t.code(), t.display_name()))
    .collect();
    HttpResponse::Ok().json(types)
}

/// A signed media link's query.
#[derive(Debug, Deserialize)]
pub struct MediaQuery {
    #[serde(default)]
    expires: Option<i64>,
    #[serde(default)]
    user: Option<i64>,
    #[serde(default)]
    sig: Option<String>,
}

/// `GET /uploads/lessons/{file}?expires=&user=&sig=`: lesson media only through a valid,
/// unexpired link signed for it.
pub async fn lesson_media(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<MediaQuery>,
) -> Result<HttpResponse, ApiError> {
    let file = path.into_inner();
    let safe = !file.is_empty()
        && file
            .split('/')
            .all(|part| !part.is_empty() && !part.starts_with('.') && !part.contains('\\'));
    if !safe {
        return Err(ApiError::NotFound("文件不存在!".into()));
    }
    let (Some(expires), Some(user), Some(sig)) = (query.expires, query.user, query.sig.as_deref())
    else {
        return Err(ApiError::Forbidden("无效的媒体链接!".into()));
    };
    let relative = format!("lessons/{file}");
    state
        .study
        .verify_media(&relative, expires, UserId(user), sig)
        .map_err(|refusal| ApiError::Forbidden(refusal.to_string()))?;
    let named = actix_files::NamedFile::open_async(state.settings.media_dir.join(&relative))
        .await
        .map_err(|_| ApiError::NotFound("文件不存在!".into()))?;
    let mut response = named.into_response(&req);
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lessons_are_read_as_the_client_sends_them() {
        assert_eq!(lesson_ref(&Value::from(12)), Some(12));
        assert_eq!(lesson_ref(&Value::from("12")), Some(12));
        assert_eq!(lesson_ref(&Value::from("lesson-12")), Some(12));
        for bad in [
            Value::from("lesson-"),
            Value::from(-1),
            Value::Null,
            Value::from("x"),
        ] {
            assert_eq!(lesson_ref(&bad), None, "{bad}");
        }
    }
}
