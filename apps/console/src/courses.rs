//! The console's course pages: the course list (search by name, paged) with a form to create a
//! course with its cover, and one course's page to change it (a new cover, price, level,
//! hidden or deleted) and to add chapters and lessons. Changes go through
//! `CatalogAdminService`, audited; pictures through `UploadService` (PNG or JPEG by content,
//! 2 MiB at most). A refusal is shown beside its field.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use luffy_catalog::back_office::{
    CatalogAdminError, ChapterInput, CourseInput, CourseRecord, LessonInput,
};
use luffy_catalog::UploadKind;
use luffy_common::PageRequest;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::catalog::{local_picture, store_picture, Choice};
use super::guard::csrf_token;
use super::multipart::{read_form, MultipartForm};
use super::pages::{form_staff, operator, render, see_other, yuan};
use super::table::{page_number, FieldError, Pager};
use crate::state::ConsoleState;
use luffy_web::error::ApiError;

/// Courses per page of the list.
const PAGE_SIZE: u32 = 20;
/// 课程类型 as the tutorial names them.
const COURSE_TYPES: [&str; 3] = ["付费", "VIP", "学位"];
/// 课程难度.
const LEVELS: [&str; 3] = ["初级", "中级", "高级"];

/// The labels of a code list, as `<select>` options.
fn options(labels: &[&str]) -> Vec<Choice> {
    labels
        .iter()
        .zip(0..)
        .map(|(name, id)| Choice {
            id,
            name: (*name).to_owned(),
        })
        .collect()
}

/// A course row of the list.
struct CourseRow {
    id: i64,
    name: String,
    cover: String,
    price: String,
    kind: String,
    state: &'static str,
    lessons: i32,
}

/// The choices of a course form.
struct CourseChoices {
    directions: Vec<Choice>,
    categories: Vec<Choice>,
    teachers: Vec<Choice>,
    types: Vec<Choice>,
    levels: Vec<Choice>,
}

async fn choices(state: &ConsoleState) -> Result<CourseChoices, ApiError> {
    let directions = state.catalog.directions().await?;
    let categories = state.catalog.categories(0).await?;
    let teachers = state.catalog_admin.teachers().await?;
    Ok(CourseChoices {
        categories: categories
            .iter()
            .map(|c| Choice {
                id: c.id,
                name: format!(
                    "{} / {}",
                    directions
                        .iter()
                        .find(|d| d.id == c.direction_id)
                        .map(|d| d.name.as_str())
                        .unwrap_or("?"),
                    c.name
                ),
            })
            .collect(),
        directions: directions
            .into_iter()
            .map(|d| Choice {
                id: d.id,
                name: d.name,
            })
            .collect(),
        teachers: teachers
            .into_iter()
            .map(|t| Choice {
                id: t.id,
                name: t.name,
            })
            .collect(),
        types: options(&COURSE_TYPES),
        levels: options(&LEVELS),
    })
}

/// A course form's values: empty for a new course, the course's own on its page.
struct CourseFields {
    name: String,
    direction_id: i64,
    category_id: i64,
    teacher_id: i64,
    price: String,
    credit: i32,
    course_type: i64,
    level: i64,
    description: String,
    course_video: String,
    is_show: bool,
}

impl CourseFields {
    fn new_course() -> Self {
        Self {
            name: String::new(),
            direction_id: 0,
            category_id: 0,
            teacher_id: 0,
            price: String::new(),
            credit: 0,
            course_type: 0,
            level: 0,
            description: String::new(),
            course_video: String::new(),
            is_show: true,
        }
    }

    fn of(course: &CourseRecord) -> Self {
        Self {
            name: course.name.clone(),
            direction_id: course.direction_id,
            category_id: course.category_id,
            teacher_id: course.teacher_id.unwrap_or(0),
            price: course.price.round_dp(2).to_string(),
            credit: course.credit,
            course_type: course.course_type.into(),
            level: course.level.into(),
            description: course.description.clone(),
            course_video: course.course_video.clone(),
            is_show: course.is_show,
        }
    }
}

/// The course list page.
#[derive(Template)]
#[template(path = "console/courses.html")]
struct CoursesPage {
    csrf: String,
    err: FieldError,
    q: String,
    rows: Vec<CourseRow>,
    pager: Pager,
    choices: CourseChoices,
    f: CourseFields,
}

/// `?q=&page=`.
#[derive(Debug, Deserialize)]
pub struct CoursesQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

async fn courses_page(
    state: &ConsoleState,
    session: &Session,
    query: &CoursesQuery,
    err: FieldError,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let q: String = query.q.trim().chars().take(64).collect();
    let number = page_number(&query.page);
    let page = state
        .catalog_admin
        .courses(
            Some(&q),
            PageRequest::new(number.into(), PAGE_SIZE.into(), PAGE_SIZE)?,
        )
        .await?;
    let choices = choices(state).await?;
    let rows = page
        .items
        .iter()
        .map(|c| CourseRow {
            id: c.id,
            name: c.name.clone(),
            cover: local_picture(&c.course_cover),
            price: yuan(c.price),
            kind: choices
                .categories
                .iter()
                .find(|k| k.id == c.category_id)
                .map(|k| k.name.clone())
                .unwrap_or_default(),
            state: if c.is_deleted {
                "已删除"
            } else if c.is_show {
                "上架"
            } else {
                "隐藏"
            },
            lessons: c.lessons,
        })
        .collect();
    let pager = Pager::new(
        "/console/courses",
        &[("q", &q)],
        number,
        PAGE_SIZE,
        page.total,
    );
    Ok(render(
        &CoursesPage {
            csrf: csrf_token(session),
            err,
            q,
            rows,
            pager,
            choices,
            f: CourseFields::new_course(),
        },
        status,
    ))
}

/// `GET /console/courses?q=&page=`.
pub async fn courses(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<CoursesQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    courses_page(
        &state,
        &session,
        &query,
        FieldError::default(),
        StatusCode::OK,
    )
    .await
}

/// A course form's fields as a `CourseInput` (the cover is added once it is stored); a field
/// that is not a number is refused beside it.
fn course_input(form: &MultipartForm) -> Result<CourseInput, FieldError> {
    fn number<T: std::str::FromStr>(
        form: &MultipartForm,
        field: &str,
        label: &str,
    ) -> Result<Option<T>, FieldError> {
        let text = form.text(field);
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| FieldError::at(field, format!("{label}无效!")))
    }
    let price = number::<Decimal>(form, "price", "课程价格").map_err(|_| {
        FieldError::at("price", "课程价格应为0到100000000之间、最多两位小数的金额!")
    })?;
    Ok(CourseInput {
        name: Some(form.text("name")),
        direction_id: number(form, "direction_id", "课程方向")?,
        category_id: number(form, "category_id", "课程分类")?,
        teacher_id: number(form, "teacher_id", "讲师")?,
        price,
        credit: Some(number(form, "credit", "积分抵扣上限")?.unwrap_or(0)),
        course_type: Some(number(form, "course_type", "课程类型")?.unwrap_or(0)),
        level: Some(number(form, "level", "课程难度")?.unwrap_or(0)),
        description: Some(form.raw("description")),
        course_cover: None,
        course_video: Some(form.text("course_video")),
        is_show: Some(form.text("is_show") == "1"),
        is_deleted: None,
    })
}

/// What to do with a course form: the checked input with its stored cover, or the refusal.
async fn checked_course(
    state: &ConsoleState,
    form: &MultipartForm,
    creating: bool,
) -> Result<Result<CourseInput, FieldError>, ApiError> {
    let mut input = match course_input(form) {
        Ok(input) => input,
        Err(error) => return Ok(Err(error)),
    };
    if !creating {
        input.is_deleted = Some(form.text("is_deleted") == "1");
    }
    // Checked before the cover is stored, so a refused course leaves no picture behind.
    if let Err(refusal) = input.clone().validated(creating) {
        return Ok(Err(catalog_refusal(refusal)?));
    }
    match store_picture(state, form, UploadKind::Cover, "course_cover").await? {
        Ok(cover) => input.course_cover = cover,
        Err(error) => return Ok(Err(error)),
    }
    Ok(Ok(input))
}

/// A catalog refusal beside its field (storage failures stay errors).
fn catalog_refusal(refusal: CatalogAdminError) -> Result<FieldError, ApiError> {
    match refusal {
        CatalogAdminError::Storage(error) => Err(error.into()),
        refusal => Ok(FieldError::at(
            refusal.field().unwrap_or_default(),
            refusal.to_string(),
        )),
    }
}

/// `POST /console/courses` (multipart, with the `cover` file).
pub async fn create_course(
    state: web::Data<ConsoleState>,
    session: Session,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let list = CoursesQuery {
        q: String::new(),
        page: String::new(),
    };
    let form = match read_form(payload, "course_cover").await {
        Ok(form) => form,
        Err(error) => {
            if let Err(answer) = operator(&state, &session).await? {
                return Ok(answer);
            }
            return courses_page(&state, &session, &list, error, StatusCode::BAD_REQUEST).await;
        }
    };
    let staff = form_staff!(&state, &session, &form.text("csrf"));
    let input = match checked_course(&state, &form, true).await? {
        Ok(input) => input,
        Err(error) => {
            return courses_page(&state, &session, &list, error, StatusCode::BAD_REQUEST).await
        }
    };
    match state.catalog_admin.create_course(staff, input).await {
        Ok(course) => Ok(see_other(&format!("/console/courses/{}", course.id))),
        Err(refusal) => {
            let error = catalog_refusal(refusal)?;
            courses_page(&state, &session, &list, error, StatusCode::BAD_REQUEST).await
        }
    }
}

/// A lesson of the course page.
struct LessonRow {
    id: i64,
    orders: i32,
    name: String,
    duration: String,
    free_trail: bool,
    is_show: bool,
}

/// A chapter of the course page.
struct ChapterRow {
    id: i64,
    orders: i32,
    name: String,
    summary: String,
    is_show: bool,
    lessons: Vec<LessonRow>,
    errmsg: String,
}

/// One course's page.
#[derive(Template)]
#[template(path = "console/course.html")]
struct CoursePage {
    csrf: String,
    err: FieldError,
    course: CourseRecord,
    cover: String,
    chapters: Vec<ChapterRow>,
    choices: CourseChoices,
    f: CourseFields,
}

async fn course_page(
    state: &ConsoleState,
    session: &Session,
    id: i64,
    err: FieldError,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let course = match state.catalog_admin.course(id).await {
        Ok(course) => course,
        Err(CatalogAdminError::NotFound(_)) => return Ok(HttpResponse::NotFound().finish()),
        Err(error) => return Err(error.into()),
    };
    let chapters = state.catalog_admin.chapters(id).await?;
    Ok(render(
        &CoursePage {
            csrf: csrf_token(session),
            cover: local_picture(&course.course_cover),
            f: CourseFields::of(&course),
            chapters: chapters
                .into_iter()
                .map(|c| ChapterRow {
                    errmsg: err.of(&format!("chapter-{}", c.id)).to_owned(),
                    id: c.id,
                    orders: c.orders,
                    name: c.name,
                    summary: c.summary,
                    is_show: c.is_show,
                    lessons: c
                        .lessons
                        .into_iter()
                        .map(|l| LessonRow {
                            id: l.id,
                            orders: l.orders,
                            name: l.name,
                            duration: l.duration,
                            free_trail: l.free_trail,
                            is_show: l.is_show,
                        })
                        .collect(),
                })
                .collect(),
            choices: choices(state).await?,
            err,
            course,
        },
        status,
    ))
}

/// `GET /console/courses/{id}`.
pub async fn course(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    course_page(
        &state,
        &session,
        path.into_inner(),
        FieldError::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /console/courses/{id}` (multipart; a new `course_cover` file replaces the cover).
pub async fn update_course(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let form = match read_form(payload, "course_cover").await {
        Ok(form) => form,
        Err(error) => {
            if let Err(answer) = operator(&state, &session).await? {
                return Ok(answer);
            }
            return course_page(&state, &session, id, error, StatusCode::BAD_REQUEST).await;
        }
    };
    let staff = form_staff!(&state, &session, &form.text("csrf"));
    let input = match checked_course(&state, &form, false).await? {
        Ok(input) => input,
        Err(error) => {
            return course_page(&state, &session, id, error, StatusCode::BAD_REQUEST).await
        }
    };
    match state.catalog_admin.update_course(staff, id, input).await {
        Ok(_) => Ok(see_other(&format!("/console/courses/{id}"))),
        Err(CatalogAdminError::NotFound(_)) => Ok(HttpResponse::NotFound().finish()),
        Err(refusal) => {
            let error = catalog_refusal(refusal)?;
            course_page(&state, &session, id, error, StatusCode::BAD_REQUEST).await
        }
    }
}

/// A chapter or lesson form.
#[derive(Debug, Deserialize)]
pub struct OutlineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    free_trail: String,
    #[serde(default)]
    is_show: String,
}

/// `POST /console/courses/{id}/chapters`: adds a chapter after the last.
pub async fn add_chapter(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<OutlineForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let id = path.into_inner();
    let input = ChapterInput {
        orders: None,
        name: form.name.clone(),
        summary: form.summary.clone(),
        is_show: true,
    };
    match state.catalog_admin.create_chapter(staff, id, input).await {
        Ok(_) => Ok(see_other(&format!("/console/courses/{id}"))),
        Err(CatalogAdminError::NotFound(_)) => Ok(HttpResponse::NotFound().finish()),
        Err(refusal) => {
            let mut error = catalog_refusal(refusal)?;
            error.field = format!("chapter.{}", error.field);
            course_page(&state, &session, id, error, StatusCode::BAD_REQUEST).await
        }
    }
}

/// `POST /console/courses/{course}/chapters/{chapter}/lessons`: adds a lesson to a chapter of
/// that course.
pub async fn add_lesson(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<(i64, i64)>,
    form: web::Form<OutlineForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let (course, chapter) = path.into_inner();
    let belongs = chapter_in_course(&state, course, Some(chapter), None)
        .await?
        .is_some();
    if !belongs {
        return Ok(HttpResponse::NotFound().finish());
    }
    let input = LessonInput {
        orders: None,
        name: form.name.clone(),
        duration: form.duration.clone(),
        free_trail: form.free_trail == "1",
        is_show: true,
    };
    match state
        .catalog_admin
        .create_lesson(staff, chapter, input)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/console/courses/{course}"))),
        Err(refusal) => {
            let mut error = catalog_refusal(refusal)?;
            error.field = format!("chapter-{chapter}");
            course_page(&state, &session, course, error, StatusCode::BAD_REQUEST).await
        }
    }
}

/// The chapter of `course` that is `chapter` (when given) and holds `lesson` (when given);
/// `None` when there is none, so a form cannot reach another course's outline.
async fn chapter_in_course(
    state: &ConsoleState,
    course: i64,
    chapter: Option<i64>,
    lesson: Option<i64>,
) -> Result<Option<i64>, ApiError> {
    let chapters = match state.catalog_admin.chapters(course).await {
        Ok(chapters) => chapters,
        Err(CatalogAdminError::NotFound(_)) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    Ok(chapters
        .iter()
        .find(|c| {
            chapter.is_none_or(|id| c.id == id)
                && lesson.is_none_or(|id| c.lessons.iter().any(|l| l.id == id))
        })
        .map(|c| c.id))
}

/// `POST /console/courses/{course}/chapters/{chapter}`: renames a chapter, changes its
/// summary, hides or shows it.
pub async fn update_chapter(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<(i64, i64)>,
    form: web::Form<OutlineForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let (course, chapter) = path.into_inner();
    if chapter_in_course(&state, course, Some(chapter), None)
        .await?
        .is_none()
    {
        return Ok(HttpResponse::NotFound().finish());
    }
    let input = ChapterInput {
        orders: None,
        name: form.name.clone(),
        summary: form.summary.clone(),
        is_show: form.is_show == "1",
    };
    match state
        .catalog_admin
        .update_chapter(staff, chapter, input)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/console/courses/{course}"))),
        Err(refusal) => {
            let mut error = catalog_refusal(refusal)?;
            error.field = format!("chapter-{chapter}");
            course_page(&state, &session, course, error, StatusCode::BAD_REQUEST).await
        }
    }
}

/// `POST /console/courses/{course}/lessons/{lesson}`: renames a lesson, changes its duration,
/// free trial or visibility (the course's lesson count follows).
pub async fn update_lesson(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<(i64, i64)>,
    form: web::Form<OutlineForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let (course, lesson) = path.into_inner();
    let Some(chapter) = chapter_in_course(&state, course, None, Some(lesson)).await? else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let input = LessonInput {
        orders: None,
        name: form.name.clone(),
        duration: form.duration.clone(),
        free_trail: form.free_trail == "1",
        is_show: form.is_show == "1",
    };
    match state
        .catalog_admin
        .update_lesson(staff, lesson, input)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/console/courses/{course}"))),
        Err(refusal) => {
            let mut error = catalog_refusal(refusal)?;
            error.field = format!("chapter-{chapter}");
            course_page(&state, &session, course, error, StatusCode::BAD_REQUEST).await
        }
    }
}
