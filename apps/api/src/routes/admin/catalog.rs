//! The operators' catalog (issue 13 item 1): `GET|POST /admin/teachers/`,
//! `PATCH /admin/teachers/{id}/`, `GET|POST /admin/courses/`, `PATCH /admin/courses/{id}/`,
//! `GET|POST /admin/courses/{id}/chapters/`, `POST /admin/chapters/{id}/lessons/`,
//! `GET|POST /admin/promotions/`, `PATCH /admin/promotions/{id}/`. Every write is audited;
//! nothing is deleted (hide with `is_show`, withdraw a course with `is_deleted`).

use actix_web::{web, HttpResponse};
use luffy_catalog::{
    ChapterInput, ChapterRecord, CourseInput, CourseRecord, LessonInput, LessonRecord,
    PromotionInput, PromotionRecord, TeacherInput, TeacherRecord,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::flexible;
use crate::dto::json::Json;
use crate::dto::money;
use crate::dto::page::{DrfPage, PageParams};
use crate::dto::time::{parse_store_time, store_time};
use crate::error::ApiError;
use crate::state::AppState;

/// A teacher.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminTeacher)]
pub struct TeacherView {
    /// Id.
    id: i64,
    /// Name.
    name: String,
    /// Title (职位).
    title: String,
    /// 0 讲师, 1 导师, 2 班主任.
    role: i16,
    /// Introduction.
    brief: String,
    /// Avatar path or URL.
    avatar: String,
    /// Shown to buyers.
    is_show: bool,
}

impl From<TeacherRecord> for TeacherView {
    fn from(t: TeacherRecord) -> Self {
        Self {
            id: t.id,
            name: t.name,
            title: t.title,
            role: t.role,
            brief: t.brief,
            avatar: t.avatar,
            is_show: t.is_show,
        }
    }
}

/// `{name, title?, role?, brief?, avatar?, is_show?}`; in a change every field is optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeacherForm {
    /// 1-50 characters.
    #[serde(default)]
    name: Option<String>,
    /// At most 64 characters.
    #[serde(default)]
    title: Option<String>,
    /// 0-2.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    role: Option<i64>,
    /// At most 5000 characters.
    #[serde(default)]
    brief: Option<String>,
    /// A site path or an http(s) URL.
    #[serde(default)]
    avatar: Option<String>,
    /// Shown to buyers (hide instead of delete).
    #[serde(default)]
    is_show: Option<bool>,
}

fn small(value: Option<i64>, field: &str) -> Result<Option<i16>, ApiError> {
    value
        .map(|v| i16::try_from(v).map_err(|_| ApiError::BadRequest(format!("参数 {field} 无效!"))))
        .transpose()
}

impl TeacherForm {
    fn into_input(self) -> Result<TeacherInput, ApiError> {
        Ok(TeacherInput {
            name: self.name,
            title: self.title,
            role: small(self.role, "role")?,
            brief: self.brief,
            avatar: self.avatar,
            is_show: self.is_show,
        })
    }
}

/// A course as operators see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminCourse)]
pub struct AdminCourseView {
    /// Id.
    id: i64,
    /// Name.
    name: String,
    /// Direction.
    direction_id: i64,
    /// Category of that direction.
    category_id: i64,
    /// Teacher.
    teacher_id: Option<i64>,
    /// List price.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    price: Decimal,
    /// Points cap per order.
    credit: i32,
    /// 0 付费, 1 VIP, 2 学位.
    course_type: i16,
    /// 0 初级, 1 中级, 2 高级.
    level: i16,
    /// Description.
    description: String,
    /// Cover path or URL.
    course_cover: String,
    /// Video path or URL.
    course_video: String,
    /// Listed.
    is_show: bool,
    /// Withdrawn for good.
    is_deleted: bool,
    /// Lessons shown.
    lessons: i32,
}

impl From<CourseRecord> for AdminCourseView {
    fn from(c: CourseRecord) -> Self {
        Self {
            id: c.id,
            name: c.name,
            direction_id: c.direction_id,
            category_id: c.category_id,
            teacher_id: c.teacher_id,
            price: c.price,
            credit: c.credit,
            course_type: c.course_type,
            level: c.level,
            description: c.description,
            course_cover: c.course_cover,
            course_video: c.course_video,
            is_show: c.is_show,
            is_deleted: c.is_deleted,
            lessons: c.lessons,
        }
    }
}

/// `{name, direction_id, category_id, teacher_id?, price, credit?, course_type?, level?,
/// description?, course_cover?, course_video?, is_show?, is_deleted?}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseForm {
    /// 1-255 characters.
    #[serde(default)]
    name: Option<String>,
    /// Direction.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    direction_id: Option<i64>,
    /// Category of the direction.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    category_id: Option<i64>,
    /// Teacher.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    teacher_id: Option<i64>,
    /// 0 to 100000000, two decimals at most (number or string).
    #[schema(value_type = Option<f64>)]
    #[serde(default, deserialize_with = "optional_money")]
    price: Option<Decimal>,
    /// Points cap.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    credit: Option<i64>,
    /// 0-2.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    course_type: Option<i64>,
    /// 0-2.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    level: Option<i64>,
    /// Description.
    #[serde(default)]
    description: Option<String>,
    /// A site path or an http(s) URL.
    #[serde(default)]
    course_cover: Option<String>,
    /// A site path or an http(s) URL.
    #[serde(default)]
    course_video: Option<String>,
    /// Listed.
    #[serde(default)]
    is_show: Option<bool>,
    /// Withdrawn for good.
    #[serde(default)]
    is_deleted: Option<bool>,
}

fn optional_money<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    flexible::money(deserializer).map(Some)
}

impl CourseForm {
    fn into_input(self) -> Result<CourseInput, ApiError> {
        let credit = self
            .credit
            .map(|c| i32::try_from(c).map_err(|_| ApiError::BadRequest("参数 credit 无效!".into())))
            .transpose()?;
        Ok(CourseInput {
            name: self.name,
            direction_id: self.direction_id,
            category_id: self.category_id,
            teacher_id: self.teacher_id,
            price: self.price,
            credit,
            course_type: small(self.course_type, "course_type")?,
            level: small(self.level, "level")?,
            description: self.description,
            course_cover: self.course_cover,
            course_video: self.course_video,
            is_show: self.is_show,
            is_deleted: self.is_deleted,
        })
    }
}

/// `?q=&page=&size=`.
#[derive(Debug, Deserialize)]
pub struct CourseQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

/// A lesson.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminLesson)]
pub struct LessonView {
    /// Id.
    id: i64,
    /// Position.
    orders: i32,
    /// Name.
    name: String,
    /// Duration text.
    duration: String,
    /// Free to watch.
    free_trail: bool,
    /// Shown.
    is_show: bool,
}

impl From<LessonRecord> for LessonView {
    fn from(l: LessonRecord) -> Self {
        Self {
            id: l.id,
            orders: l.orders,
            name: l.name,
            duration: l.duration,
            free_trail: l.free_trail,
            is_show: l.is_show,
        }
    }
}

/// A chapter with its lessons.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminChapter)]
pub struct ChapterView {
    /// Id.
    id: i64,
    /// Course.
    course_id: i64,
    /// Position.
    orders: i32,
    /// Name.
    name: String,
    /// Summary.
    summary: String,
    /// Shown.
    is_show: bool,
    /// Lessons in order.
    lessons: Vec<LessonView>,
}

impl From<ChapterRecord> for ChapterView {
    fn from(c: ChapterRecord) -> Self {
        Self {
            id: c.id,
            course_id: c.course_id,
            orders: c.orders,
            name: c.name,
            summary: c.summary,
            is_show: c.is_show,
            lessons: c.lessons.into_iter().map(Into::into).collect(),
        }
    }
}

fn default_true() -> bool {
    true
}

fn position(value: Option<i64>) -> Result<Option<i32>, ApiError> {
    value
        .map(|v| i32::try_from(v).map_err(|_| ApiError::BadRequest("参数 orders 无效!".into())))
        .transpose()
}

/// `{name, orders?, summary?, is_show?}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChapterForm {
    /// 1-128 characters.
    name: String,
    /// Position from 1 (default: after the last).
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    orders: Option<i64>,
    /// Summary.
    #[serde(default)]
    summary: String,
    /// Shown (default true).
    #[serde(default = "default_true")]
    is_show: bool,
}

/// `{name, orders?, duration?, free_trail?, is_show?}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LessonForm {
    /// 1-255 characters.
    name: String,
    /// Position from 1 (default: after the last).
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    orders: Option<i64>,
    /// Duration text, at most 32 characters.
    #[serde(default)]
    duration: String,
    /// Free to watch.
    #[serde(default)]
    free_trail: bool,
    /// Shown (default true).
    #[serde(default = "default_true")]
    is_show: bool,
}

impl ChapterForm {
    /// The chapter input this body asks for (a position below 1 is refused).
    fn input(self) -> Result<ChapterInput, ApiError> {
        Ok(ChapterInput {
            orders: position(self.orders)?,
            name: self.name,
            summary: self.summary,
            is_show: self.is_show,
        })
    }
}

impl LessonForm {
    /// The lesson input this body asks for (a position below 1 is refused).
    fn input(self) -> Result<LessonInput, ApiError> {
        Ok(LessonInput {
            orders: position(self.orders)?,
            name: self.name,
            duration: self.duration,
            free_trail: self.free_trail,
            is_show: self.is_show,
        })
    }
}

/// A promotion.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminPromotion)]
pub struct PromotionView {
    /// Id.
    id: i64,
    /// Name.
    name: String,
    /// `0`, `*0.xx` or `-N`.
    sale: String,
    /// 限时免费, 限时折扣 or 限时减免.
    discount_type: String,
    /// Minimum list price in yuan.
    condition: i32,
    /// Store time.
    start_time: String,
    /// Store time.
    end_time: String,
    /// Linked courses.
    course_ids: Vec<i64>,
}

impl PromotionView {
    fn new(p: PromotionRecord, timezone: chrono_tz::Tz) -> Self {
        Self {
            id: p.id,
            name: p.name,
            sale: p.sale,
            discount_type: p.discount_type,
            condition: p.condition,
            start_time: store_time(p.start_time, timezone),
            end_time: store_time(p.end_time, timezone),
            course_ids: p.course_ids,
        }
    }
}

/// `{name, sale, condition?, start_time, end_time, course_ids}`; times are
/// `YYYY-MM-DD HH:MM:SS` in the store timezone or RFC 3339.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionForm {
    /// 1-150 characters.
    #[serde(default)]
    name: Option<String>,
    /// `0`, `*0.xx` or `-N`.
    #[serde(default)]
    sale: Option<String>,
    /// Minimum list price in yuan.
    #[serde(default, deserialize_with = "flexible::optional_integer")]
    condition: Option<i64>,
    /// `YYYY-MM-DD HH:MM:SS` (store timezone) or RFC 3339.
    #[serde(default)]
    start_time: Option<String>,
    /// After the start.
    #[serde(default)]
    end_time: Option<String>,
    /// 1-100 distinct courses (a change replaces the links).
    #[serde(default)]
    course_ids: Option<Vec<i64>>,
}

impl PromotionForm {
    fn into_input(self, timezone: chrono_tz::Tz) -> Result<PromotionInput, ApiError> {
        let time = |text: Option<String>, field: &str| {
            text.map(|t| {
                parse_store_time(&t, timezone).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "参数 {field} 的时间格式应为 YYYY-MM-DD HH:MM:SS 或 RFC 3339!"
                    ))
                })
            })
            .transpose()
        };
        let condition = self
            .condition
            .map(|c| {
                i32::try_from(c).map_err(|_| ApiError::BadRequest("参数 condition 无效!".into()))
            })
            .transpose()?;
        Ok(PromotionInput {
            name: self.name,
            sale: self.sale.map(|s| s.trim().to_owned()),
            condition,
            start_time: time(self.start_time, "start_time")?,
            end_time: time(self.end_time, "end_time")?,
            course_ids: self.course_ids,
        })
    }
}

/// Every teacher (not deleted), in id order.
pub async fn list_teachers(
    state: web::Data<AppState>,
    _staff: StaffUser,
) -> Result<HttpResponse, ApiError> {
    let teachers = state.catalog_admin.teachers().await?;
    Ok(HttpResponse::Ok().json(
        teachers
            .into_iter()
            .map(TeacherView::from)
            .collect::<Vec<_>>(),
    ))
}

/// 201 the teacher; audited as `teacher.create`.
pub async fn create_teacher(
    state: web::Data<AppState>,
    staff: StaffUser,
    form: Json<TeacherForm>,
) -> Result<HttpResponse, ApiError> {
    let input = form.into_inner().into_input()?;
    let teacher = state
        .catalog_admin
        .create_teacher(staff.0.id, input)
        .await?;
    Ok(HttpResponse::Created().json(TeacherView::from(teacher)))
}

/// The changed teacher; audited as `teacher.update`; 404 missing.
pub async fn update_teacher(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<TeacherForm>,
) -> Result<HttpResponse, ApiError> {
    let input = form.into_inner().into_input()?;
    let teacher = state
        .catalog_admin
        .update_teacher(staff.0.id, path.into_inner(), input)
        .await?;
    Ok(HttpResponse::Ok().json(TeacherView::from(teacher)))
}

/// A page of courses, newest first (hidden and deleted included), optionally by name.
pub async fn list_courses(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<CourseQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let request = query.page.request()?;
    let page = state
        .catalog_admin
        .courses(query.q.as_deref(), request)
        .await?;
    let link = |n: u32| {
        format!(
            "{}/admin/courses/?page={n}&size={}",
            state.settings.public_base(),
            request.size()
        )
    };
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, |c| {
        AdminCourseView::from(c.clone())
    })))
}

/// 201 the course; audited as `course.create`; 400 for a missing direction, category or
/// teacher, or a category of another direction.
pub async fn create_course(
    state: web::Data<AppState>,
    staff: StaffUser,
    form: Json<CourseForm>,
) -> Result<HttpResponse, ApiError> {
    let input = form.into_inner().into_input()?;
    let course = state.catalog_admin.create_course(staff.0.id, input).await?;
    Ok(HttpResponse::Created().json(AdminCourseView::from(course)))
}

/// The changed course; audited as `course.update`; 404 missing.
pub async fn update_course(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<CourseForm>,
) -> Result<HttpResponse, ApiError> {
    let input = form.into_inner().into_input()?;
    let course = state
        .catalog_admin
        .update_course(staff.0.id, path.into_inner(), input)
        .await?;
    Ok(HttpResponse::Ok().json(AdminCourseView::from(course)))
}

/// The course's chapters with their lessons; 404 missing.
pub async fn list_chapters(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let chapters = state.catalog_admin.chapters(path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(
        chapters
            .into_iter()
            .map(ChapterView::from)
            .collect::<Vec<_>>(),
    ))
}

/// 201 the chapter; audited as `chapter.create`; 404 for a missing course.
pub async fn create_chapter(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<ChapterForm>,
) -> Result<HttpResponse, ApiError> {
    let input = form.into_inner().input()?;
    let chapter = state
        .catalog_admin
        .create_chapter(staff.0.id, path.into_inner(), input)
        .await?;
    Ok(HttpResponse::Created().json(ChapterView::from(chapter)))
}

/// 201 the lesson; audited as `lesson.create`; 404 for a missing chapter.
pub async fn create_lesson(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<LessonForm>,
) -> Result<HttpResponse, ApiError> {
    let input = form.into_inner().input()?;
    let lesson = state
        .catalog_admin
        .create_lesson(staff.0.id, path.into_inner(), input)
        .await?;
    Ok(HttpResponse::Created().json(LessonView::from(lesson)))
}

/// `PUT /admin/chapters/{id}/`: the chapter's fields replaced (`orders` absent keeps its place);
/// audited as `chapter.update`; 404 for a missing chapter.
pub async fn update_chapter(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<ChapterForm>,
) -> Result<HttpResponse, ApiError> {
    let input = form.into_inner().input()?;
    let chapter = state
        .catalog_admin
        .update_chapter(staff.0.id, path.into_inner(), input)
        .await?;
    Ok(HttpResponse::Ok().json(ChapterView::from(chapter)))
}

/// `PUT /admin/lessons/{id}/`: the lesson's fields replaced (`orders` absent keeps its place);
/// audited as `lesson.update`; the course's `lessons` count follows; 404 for a missing lesson.
pub async fn update_lesson(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<LessonForm>,
) -> Result<HttpResponse, ApiError> {
    let input = form.into_inner().input()?;
    let lesson = state
        .catalog_admin
        .update_lesson(staff.0.id, path.into_inner(), input)
        .await?;
    Ok(HttpResponse::Ok().json(LessonView::from(lesson)))
}

/// A page of promotions, newest first.
pub async fn list_promotions(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let request = query.request()?;
    let page = state.catalog_admin.promotions(request).await?;
    let link = |n: u32| {
        format!(
            "{}/admin/promotions/?page={n}&size={}",
            state.settings.public_base(),
            request.size()
        )
    };
    let timezone = state.timezone;
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, |p| {
        PromotionView::new(p.clone(), timezone)
    })))
}

/// 201 the promotion; audited as `promotion.create`; 400 for a bad formula or window, or a
/// missing course.
pub async fn create_promotion(
    state: web::Data<AppState>,
    staff: StaffUser,
    form: Json<PromotionForm>,
) -> Result<HttpResponse, ApiError> {
    let input = form.into_inner().into_input(state.timezone)?;
    let promotion = state
        .catalog_admin
        .create_promotion(staff.0.id, input)
        .await?;
    Ok(HttpResponse::Created().json(PromotionView::new(promotion, state.timezone)))
}

/// The changed promotion (`course_ids` replaces the links); audited as `promotion.update`.
pub async fn update_promotion(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<PromotionForm>,
) -> Result<HttpResponse, ApiError> {
    let input = form.into_inner().into_input(state.timezone)?;
    let promotion = state
        .catalog_admin
        .update_promotion(staff.0.id, path.into_inner(), input)
        .await?;
    Ok(HttpResponse::Ok().json(PromotionView::new(promotion, state.timezone)))
}
