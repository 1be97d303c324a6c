//! The operators' catalog (issue 13 item 1): teachers, courses with their chapters and lessons,
//! and promotions (限时免费 / 折扣 / 减免 with a condition, a window and linked courses). Input is
//! validated here, before anything is written; the store writes each change with its audit
//! entry in one transaction. Nothing an order refers to is deleted: courses and teachers are
//! hidden (`is_show`) or marked deleted (`is_deleted`) instead.

use std::future::Future;

use chrono::{DateTime, Utc};
use luffy_common::{Page, PageRequest, StorageError, UserId};
use rust_decimal::Decimal;

use crate::sale::SaleFormula;

/// Why a catalog change was refused (nothing is written).
#[derive(Debug, thiserror::Error)]
pub enum CatalogAdminError {
    /// A field is missing or out of range (400); `field` names it as the API body does, so a
    /// form can show the message beside it.
    #[error("{message}")]
    Invalid {
        /// The body field at fault (`""` when the refusal is about the whole input).
        field: &'static str,
        /// The message shown to the operator.
        message: String,
    },
    /// The row changed does not exist (404).
    #[error("{0}不存在!")]
    NotFound(&'static str),
    /// A row the change refers to does not exist, or does not fit (400).
    #[error("{message}")]
    BadReference {
        /// The body field holding the reference.
        field: &'static str,
        /// The message shown to the operator.
        message: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl CatalogAdminError {
    /// The body field a refusal is about, if it is about one field.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } | Self::BadReference { field, .. } if !field.is_empty() => {
                Some(field)
            }
            _ => None,
        }
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> CatalogAdminError {
    CatalogAdminError::Invalid {
        field,
        message: message.into(),
    }
}

/// A text field trimmed and bounded; `required` refuses an empty one.
fn text(
    value: Option<String>,
    field: &'static str,
    label: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>, CatalogAdminError> {
    match value.map(|v| v.trim().to_owned()) {
        None if required => Err(invalid(field, format!("{label}不能为空!"))),
        None => Ok(None),
        Some(v) if required && v.is_empty() => Err(invalid(field, format!("{label}不能为空!"))),
        Some(v) if v.chars().count() > max => {
            Err(invalid(field, format!("{label}不能超过{max}个字符!")))
        }
        Some(v) => Ok(Some(v)),
    }
}

/// A media path or URL: a site path (`/uploads/...`, `uploads/...`) or an http(s) URL.
fn media(
    value: Option<String>,
    field: &'static str,
    label: &str,
) -> Result<Option<String>, CatalogAdminError> {
    let value = text(value, field, label, 255, false)?;
    if let Some(v) = &value {
        let lower = v.to_ascii_lowercase();
        let allowed = v.is_empty()
            || lower.starts_with("http://")
            || lower.starts_with("https://")
            || (!lower.contains(':') && !v.contains(".."));
        if !allowed {
            return Err(invalid(
                field,
                format!("{label}必须是站内路径或http(s)地址!"),
            ));
        }
    }
    Ok(value)
}

fn code(
    value: Option<i16>,
    field: &'static str,
    label: &str,
    max: i16,
) -> Result<Option<i16>, CatalogAdminError> {
    match value {
        Some(v) if !(0..=max).contains(&v) => Err(invalid(field, format!("{label}无效!"))),
        other => Ok(other),
    }
}

fn at_least_one(changed: bool) -> Result<(), CatalogAdminError> {
    if changed {
        Ok(())
    } else {
        Err(invalid("", "请至少修改一项!"))
    }
}

/// A teacher as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeacherRecord {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Title (职位).
    pub title: String,
    /// 0 讲师, 1 导师, 2 班主任.
    pub role: i16,
    /// Introduction.
    pub brief: String,
    /// Avatar path or URL.
    pub avatar: String,
    /// Shown to buyers.
    pub is_show: bool,
}

/// A teacher to create, or the fields of one to change (absent: kept).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TeacherInput {
    /// Name, 1-50 characters (required to create).
    pub name: Option<String>,
    /// Title, at most 64 characters.
    pub title: Option<String>,
    /// 0-2.
    pub role: Option<i16>,
    /// At most 5000 characters.
    pub brief: Option<String>,
    /// A site path or an http(s) URL.
    pub avatar: Option<String>,
    /// Shown to buyers (hide instead of delete).
    pub is_show: Option<bool>,
}

impl TeacherInput {
    /// Checks the fields; `creating` requires a name, a change requires at least one field.
    pub fn validated(self, creating: bool) -> Result<Self, CatalogAdminError> {
        let changed = self != Self::default();
        if !creating {
            at_least_one(changed)?;
        }
        Ok(Self {
            name: text(self.name, "name", "讲师名称", 50, creating)?,
            title: text(self.title, "title", "职位", 64, false)?,
            role: code(self.role, "role", "讲师身份", 2)?,
            brief: text(self.brief, "brief", "讲师简介", 5000, false)?,
            avatar: media(self.avatar, "avatar", "头像")?,
            is_show: self.is_show,
        })
    }
}

/// A course as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseRecord {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Direction.
    pub direction_id: i64,
    /// Category (of that direction).
    pub category_id: i64,
    /// Teacher, if any.
    pub teacher_id: Option<i64>,
    /// List price.
    pub price: Decimal,
    /// The most points one order may spend on it.
    pub credit: i32,
    /// 0 付费, 1 VIP, 2 学位.
    pub course_type: i16,
    /// 0 初级, 1 中级, 2 高级.
    pub level: i16,
    /// Description (HTML from the tutorial's editor).
    pub description: String,
    /// Cover path or URL.
    pub course_cover: String,
    /// Video path or URL.
    pub course_video: String,
    /// Listed for buyers.
    pub is_show: bool,
    /// Withdrawn for good (still readable by orders).
    pub is_deleted: bool,
    /// Lessons shown.
    pub lessons: i32,
}

/// A course to create, or the fields of one to change (absent: kept).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CourseInput {
    /// 1-255 characters (required to create).
    pub name: Option<String>,
    /// Required to create.
    pub direction_id: Option<i64>,
    /// Required to create; must belong to the direction.
    pub category_id: Option<i64>,
    /// Optional.
    pub teacher_id: Option<i64>,
    /// 0 to 100000000, two decimals at most (required to create).
    pub price: Option<Decimal>,
    /// Points cap, 0 or more.
    pub credit: Option<i32>,
    /// 0-2.
    pub course_type: Option<i16>,
    /// 0-2.
    pub level: Option<i16>,
    /// At most 100000 characters.
    pub description: Option<String>,
    /// A site path or an http(s) URL.
    pub course_cover: Option<String>,
    /// A site path or an http(s) URL.
    pub course_video: Option<String>,
    /// Listed for buyers.
    pub is_show: Option<bool>,
    /// Withdrawn for good.
    pub is_deleted: Option<bool>,
}

/// The highest list price accepted.
pub const MAX_PRICE: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 0);

impl CourseInput {
    /// Checks the fields; `creating` requires name, direction, category and price.
    pub fn validated(self, creating: bool) -> Result<Self, CatalogAdminError> {
        let changed = self != Self::default();
        if !creating {
            at_least_one(changed)?;
        }
        let id = |value: Option<i64>, field: &'static str, label: &str, required: bool| match value
        {
            None if required => Err(invalid(field, format!("{label}不能为空!"))),
            Some(v) if v <= 0 => Err(invalid(field, format!("{label}无效!"))),
            other => Ok(other),
        };
        let price = match self.price {
            None if creating => return Err(invalid("price", "课程价格不能为空!")),
            Some(p) if p < Decimal::ZERO || p > MAX_PRICE || p.normalize().scale() > 2 => {
                return Err(invalid(
                    "price",
                    "课程价格应为0到100000000之间、最多两位小数的金额!",
                ))
            }
            other => other,
        };
        if self.credit.is_some_and(|c| c < 0) {
            return Err(invalid("credit", "积分抵扣上限不能为负数!"));
        }
        Ok(Self {
            name: text(self.name, "name", "课程名称", 255, creating)?,
            direction_id: id(self.direction_id, "direction_id", "课程方向", creating)?,
            category_id: id(self.category_id, "category_id", "课程分类", creating)?,
            teacher_id: id(self.teacher_id, "teacher_id", "讲师", false)?,
            price,
            credit: self.credit,
            course_type: code(self.course_type, "course_type", "课程类型", 2)?,
            level: code(self.level, "level", "课程难度", 2)?,
            description: text(self.description, "description", "课程描述", 100_000, false)?,
            course_cover: media(self.course_cover, "course_cover", "课程封面")?,
            course_video: media(self.course_video, "course_video", "课程视频")?,
            is_show: self.is_show,
            is_deleted: self.is_deleted,
        })
    }
}

/// A lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonRecord {
    /// Id.
    pub id: i64,
    /// Position in its chapter.
    pub orders: i32,
    /// Name.
    pub name: String,
    /// Duration text (`"12:30"`).
    pub duration: String,
    /// Free to watch.
    pub free_trail: bool,
    /// Shown.
    pub is_show: bool,
}

/// A chapter with its lessons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterRecord {
    /// Id.
    pub id: i64,
    /// The course.
    pub course_id: i64,
    /// Position (第N章).
    pub orders: i32,
    /// Name.
    pub name: String,
    /// Summary.
    pub summary: String,
    /// Shown.
    pub is_show: bool,
    /// Its lessons in order.
    pub lessons: Vec<LessonRecord>,
}

/// A chapter to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterInput {
    /// Position, 1 or more (default: after the last).
    pub orders: Option<i32>,
    /// 1-128 characters.
    pub name: String,
    /// At most 5000 characters.
    pub summary: String,
    /// Shown.
    pub is_show: bool,
}

impl ChapterInput {
    /// Checks the fields.
    pub fn validated(self) -> Result<Self, CatalogAdminError> {
        if self.orders.is_some_and(|o| o < 1) {
            return Err(invalid("orders", "章节序号应从1开始!"));
        }
        Ok(Self {
            name: text(Some(self.name), "name", "章节名称", 128, true)?.unwrap_or_default(),
            summary: text(Some(self.summary), "summary", "章节介绍", 5000, false)?
                .unwrap_or_default(),
            ..self
        })
    }
}

/// A lesson to add to a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonInput {
    /// Position, 1 or more (default: after the last).
    pub orders: Option<i32>,
    /// 1-255 characters.
    pub name: String,
    /// At most 32 characters.
    pub duration: String,
    /// Free to watch.
    pub free_trail: bool,
    /// Shown.
    pub is_show: bool,
}

impl LessonInput {
    /// Checks the fields.
    pub fn validated(self) -> Result<Self, CatalogAdminError> {
        if self.orders.is_some_and(|o| o < 1) {
            return Err(invalid("orders", "课时序号应从1开始!"));
        }
        Ok(Self {
            name: text(Some(self.name), "name", "课时名称", 255, true)?.unwrap_or_default(),
            duration: text(Some(self.duration), "duration", "课时时长", 32, false)?
                .unwrap_or_default(),
            ..self
        })
    }
}

/// A promotion: an activity window with one sale rule over linked courses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRecord {
    /// Id (the activity).
    pub id: i64,
    /// Name.
    pub name: String,
    /// The sale formula text (`"0"`, `"*0.8"`, `"-100"`).
    pub sale: String,
    /// 限时免费, 限时折扣 or 限时减免.
    pub discount_type: String,
    /// Minimum list price in yuan for the sale to apply.
    pub condition: i32,
    /// Starts (exclusive).
    pub start_time: DateTime<Utc>,
    /// Ends (exclusive).
    pub end_time: DateTime<Utc>,
    /// Linked courses.
    pub course_ids: Vec<i64>,
}

/// A promotion to create, or the fields of one to change (absent: kept; `course_ids` replaces
/// the links).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PromotionInput {
    /// 1-150 characters (required to create).
    pub name: Option<String>,
    /// A sale formula (required to create).
    pub sale: Option<String>,
    /// 0 or more.
    pub condition: Option<i32>,
    /// Required to create.
    pub start_time: Option<DateTime<Utc>>,
    /// Required to create; after the start.
    pub end_time: Option<DateTime<Utc>>,
    /// 1-100 distinct course ids (required to create).
    pub course_ids: Option<Vec<i64>>,
}

/// The type name a sale formula is shown under.
pub fn promotion_type(sale: &SaleFormula) -> &'static str {
    match sale {
        SaleFormula::Free => "限时免费",
        SaleFormula::Multiply(_) => "限时折扣",
        SaleFormula::Reduce(_) => "限时减免",
    }
}

impl PromotionInput {
    /// Checks the fields (a change's window is checked again against the stored one by the
    /// store's CHECK constraint).
    pub fn validated(self, creating: bool) -> Result<Self, CatalogAdminError> {
        let changed = self != Self::default();
        if !creating {
            at_least_one(changed)?;
        }
        if let Some(sale) = &self.sale {
            sale.parse::<SaleFormula>()
                .map_err(|_| invalid("sale", "优惠公式无效,应为 0、*0.xx 或 -N!"))?;
        } else if creating {
            return Err(invalid("sale", "优惠公式不能为空!"));
        }
        if self.condition.is_some_and(|c| c < 0) {
            return Err(invalid("condition", "满足条件不能为负数!"));
        }
        match (self.start_time, self.end_time) {
            (None, _) | (_, None) if creating => {
                return Err(invalid("start_time", "活动时间不能为空!"))
            }
            (Some(start), Some(end)) if end <= start => {
                return Err(invalid("end_time", "活动结束时间必须晚于开始时间!"))
            }
            _ => {}
        }
        if let Some(ids) = &self.course_ids {
            if ids.is_empty() || ids.len() > 100 {
                return Err(invalid("course_ids", "参与活动的课程应为1到100门!"));
            }
            if let Some(bad) = ids.iter().find(|id| **id <= 0) {
                return Err(invalid("course_ids", format!("课程ID[{bad}]无效!")));
            }
            for (i, id) in ids.iter().enumerate() {
                if ids[..i].contains(id) {
                    return Err(invalid("course_ids", format!("课程[{id}]重复!")));
                }
            }
        } else if creating {
            return Err(invalid("course_ids", "参与活动的课程不能为空!"));
        }
        Ok(Self {
            name: text(self.name, "name", "活动名称", 150, creating)?,
            ..self
        })
    }
}

/// Storage of the operators' catalog; every write is audited for `actor` in its own
/// transaction, and refers only to rows that exist (else `BadReference`).
pub trait CatalogAdminStore: Send + Sync {
    /// Every teacher, in id order.
    fn teachers(&self) -> impl Future<Output = Result<Vec<TeacherRecord>, StorageError>> + Send;
    /// Creates a teacher.
    fn create_teacher(
        &self,
        actor: UserId,
        input: &TeacherInput,
    ) -> impl Future<Output = Result<TeacherRecord, CatalogAdminError>> + Send;
    /// Changes a teacher.
    fn update_teacher(
        &self,
        actor: UserId,
        id: i64,
        input: &TeacherInput,
    ) -> impl Future<Output = Result<TeacherRecord, CatalogAdminError>> + Send;
    /// Courses, newest first, optionally whose name contains `q` (hidden and deleted included).
    fn courses(
        &self,
        q: Option<&str>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<CourseRecord>, StorageError>> + Send;
    /// One course (hidden and deleted included).
    fn course(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<CourseRecord>, StorageError>> + Send;
    /// Creates a course.
    fn create_course(
        &self,
        actor: UserId,
        input: &CourseInput,
    ) -> impl Future<Output = Result<CourseRecord, CatalogAdminError>> + Send;
    /// Changes a course.
    fn update_course(
        &self,
        actor: UserId,
        id: i64,
        input: &CourseInput,
    ) -> impl Future<Output = Result<CourseRecord, CatalogAdminError>> + Send;
    /// A course's chapters with their lessons (hidden ones included); `None`: no such course.
    fn chapters(
        &self,
        course_id: i64,
    ) -> impl Future<Output = Result<Option<Vec<ChapterRecord>>, StorageError>> + Send;
    /// Adds a chapter to a course.
    fn create_chapter(
        &self,
        actor: UserId,
        course_id: i64,
        input: &ChapterInput,
    ) -> impl Future<Output = Result<ChapterRecord, CatalogAdminError>> + Send;
    /// Replaces a chapter's fields (`orders: None` keeps its position).
    fn update_chapter(
        &self,
        actor: UserId,
        chapter_id: i64,
        input: &ChapterInput,
    ) -> impl Future<Output = Result<ChapterRecord, CatalogAdminError>> + Send;
    /// Replaces a lesson's fields (`orders: None` keeps its position; the course's lesson count
    /// follows).
    fn update_lesson(
        &self,
        actor: UserId,
        lesson_id: i64,
        input: &LessonInput,
    ) -> impl Future<Output = Result<LessonRecord, CatalogAdminError>> + Send;
    /// Adds a lesson to a chapter (the course's lesson count follows).
    fn create_lesson(
        &self,
        actor: UserId,
        chapter_id: i64,
        input: &LessonInput,
    ) -> impl Future<Output = Result<LessonRecord, CatalogAdminError>> + Send;
    /// Every promotion, newest first.
    fn promotions(
        &self,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<PromotionRecord>, StorageError>> + Send;
    /// One promotion.
    fn promotion(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<PromotionRecord>, StorageError>> + Send;
    /// Creates a promotion.
    fn create_promotion(
        &self,
        actor: UserId,
        input: &PromotionInput,
    ) -> impl Future<Output = Result<PromotionRecord, CatalogAdminError>> + Send;
    /// Changes a promotion.
    fn update_promotion(
        &self,
        actor: UserId,
        id: i64,
        input: &PromotionInput,
    ) -> impl Future<Output = Result<PromotionRecord, CatalogAdminError>> + Send;
}

/// The operators' catalog use cases: validate, then write through the store.
#[derive(Clone)]
pub struct CatalogAdminService<S> {
    store: S,
}

impl<S: CatalogAdminStore> CatalogAdminService<S> {
    /// Wires the store.
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// Every teacher.
    pub async fn teachers(&self) -> Result<Vec<TeacherRecord>, StorageError> {
        self.store.teachers().await
    }

    /// Creates a teacher.
    pub async fn create_teacher(
        &self,
        actor: UserId,
        input: TeacherInput,
    ) -> Result<TeacherRecord, CatalogAdminError> {
        let input = input.validated(true)?;
        self.store.create_teacher(actor, &input).await
    }

    /// Changes a teacher.
    pub async fn update_teacher(
        &self,
        actor: UserId,
        id: i64,
        input: TeacherInput,
    ) -> Result<TeacherRecord, CatalogAdminError> {
        let input = input.validated(false)?;
        self.store.update_teacher(actor, id, &input).await
    }

    /// Courses for operators.
    pub async fn courses(
        &self,
        q: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<CourseRecord>, StorageError> {
        self.store.courses(q, page).await
    }

    /// One course for its edit page (404 when there is none).
    pub async fn course(&self, id: i64) -> Result<CourseRecord, CatalogAdminError> {
        self.store
            .course(id)
            .await?
            .ok_or(CatalogAdminError::NotFound("课程"))
    }

    /// Creates a course.
    pub async fn create_course(
        &self,
        actor: UserId,
        input: CourseInput,
    ) -> Result<CourseRecord, CatalogAdminError> {
        let input = input.validated(true)?;
        self.store.create_course(actor, &input).await
    }

    /// Changes a course.
    pub async fn update_course(
        &self,
        actor: UserId,
        id: i64,
        input: CourseInput,
    ) -> Result<CourseRecord, CatalogAdminError> {
        let input = input.validated(false)?;
        self.store.update_course(actor, id, &input).await
    }

    /// A course's chapters and lessons.
    pub async fn chapters(&self, course_id: i64) -> Result<Vec<ChapterRecord>, CatalogAdminError> {
        self.store
            .chapters(course_id)
            .await?
            .ok_or(CatalogAdminError::NotFound("课程"))
    }

    /// Adds a chapter.
    pub async fn create_chapter(
        &self,
        actor: UserId,
        course_id: i64,
        input: ChapterInput,
    ) -> Result<ChapterRecord, CatalogAdminError> {
        let input = input.validated()?;
        self.store.create_chapter(actor, course_id, &input).await
    }

    /// Changes a chapter.
    pub async fn update_chapter(
        &self,
        actor: UserId,
        chapter_id: i64,
        input: ChapterInput,
    ) -> Result<ChapterRecord, CatalogAdminError> {
        let input = input.validated()?;
        self.store.update_chapter(actor, chapter_id, &input).await
    }

    /// Changes a lesson.
    pub async fn update_lesson(
        &self,
        actor: UserId,
        lesson_id: i64,
        input: LessonInput,
    ) -> Result<LessonRecord, CatalogAdminError> {
        let input = input.validated()?;
        self.store.update_lesson(actor, lesson_id, &input).await
    }

    /// Adds a lesson.
    pub async fn create_lesson(
        &self,
        actor: UserId,
        chapter_id: i64,
        input: LessonInput,
    ) -> Result<LessonRecord, CatalogAdminError> {
        let input = input.validated()?;
        self.store.create_lesson(actor, chapter_id, &input).await
    }

    /// Promotions.
    pub async fn promotions(
        &self,
        page: PageRequest,
    ) -> Result<Page<PromotionRecord>, StorageError> {
        self.store.promotions(page).await
    }

    /// One promotion, for its edit form (404 when there is none).
    pub async fn promotion(&self, id: i64) -> Result<PromotionRecord, CatalogAdminError> {
        self.store
            .promotion(id)
            .await?
            .ok_or(CatalogAdminError::NotFound("活动"))
    }

    /// Creates a promotion.
    pub async fn create_promotion(
        &self,
        actor: UserId,
        input: PromotionInput,
    ) -> Result<PromotionRecord, CatalogAdminError> {
        let input = input.validated(true)?;
        self.store.create_promotion(actor, &input).await
    }

    /// Changes a promotion.
    pub async fn update_promotion(
        &self,
        actor: UserId,
        id: i64,
        input: PromotionInput,
    ) -> Result<PromotionRecord, CatalogAdminError> {
        let input = input.validated(false)?;
        self.store.update_promotion(actor, id, &input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn teachers_need_a_name_to_be_created_and_a_field_to_be_changed() {
        assert_eq!(
            TeacherInput::default()
                .validated(true)
                .unwrap_err()
                .to_string(),
            "讲师名称不能为空!"
        );
        assert_eq!(
            TeacherInput::default()
                .validated(false)
                .unwrap_err()
                .to_string(),
            "请至少修改一项!"
        );
        let ok = TeacherInput {
            name: Some("  Alex ".into()),
            role: Some(1),
            avatar: Some("/uploads/avatar/a.png".into()),
            ..TeacherInput::default()
        }
        .validated(true)
        .unwrap();
        assert_eq!(ok.name.as_deref(), Some("Alex"));
        for bad in [
            TeacherInput {
                role: Some(3),
                ..TeacherInput::default()
            },
            TeacherInput {
                avatar: Some("javascript:alert(1)".into()),
                ..TeacherInput::default()
            },
            TeacherInput {
                avatar: Some("../../etc/passwd".into()),
                ..TeacherInput::default()
            },
            TeacherInput {
                name: Some("名".repeat(51)),
                ..TeacherInput::default()
            },
        ] {
            assert!(bad.validated(false).is_err());
        }
    }

    #[test]
    fn course_prices_are_bounded_money() {
        let course = |price: &str| CourseInput {
            name: Some("Rust".into()),
            direction_id: Some(1),
            category_id: Some(1),
            price: Some(price.parse().unwrap()),
            ..CourseInput::default()
        };
        assert!(course("99.90").validated(true).is_ok());
        assert!(course("0").validated(true).is_ok());
        for bad in ["-1", "0.001", "100000000.01"] {
            assert!(course(bad).validated(true).is_err(), "{bad}");
        }
        let missing = CourseInput {
            name: Some("Rust".into()),
            ..CourseInput::default()
        };
        assert_eq!(
            missing.validated(true).unwrap_err().to_string(),
            "课程价格不能为空!"
        );
        let bad_level = CourseInput {
            level: Some(5),
            ..CourseInput::default()
        };
        assert_eq!(
            bad_level.validated(false).unwrap_err().to_string(),
            "课程难度无效!"
        );
    }

    #[test]
    fn promotions_need_a_valid_formula_window_and_courses() {
        let at = |h: u32| Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0).unwrap();
        let promotion = PromotionInput {
            name: Some("双十一".into()),
            sale: Some("*0.8".into()),
            condition: Some(0),
            start_time: Some(at(1)),
            end_time: Some(at(2)),
            course_ids: Some(vec![1, 2]),
        };
        assert!(promotion.clone().validated(true).is_ok());
        let with = |f: fn(&mut PromotionInput)| {
            let mut p = promotion.clone();
            f(&mut p);
            p.validated(true).unwrap_err().to_string()
        };
        assert_eq!(
            with(|p| p.sale = Some("*1.2".into())),
            "优惠公式无效,应为 0、*0.xx 或 -N!"
        );
        assert_eq!(
            with(|p| p.end_time = p.start_time),
            "活动结束时间必须晚于开始时间!"
        );
        assert_eq!(
            with(|p| p.course_ids = Some(vec![])),
            "参与活动的课程应为1到100门!"
        );
        assert_eq!(with(|p| p.course_ids = Some(vec![3, 3])), "课程[3]重复!");
        assert_eq!(with(|p| p.course_ids = Some(vec![-3])), "课程ID[-3]无效!");
        assert_eq!(promotion_type(&"0".parse().unwrap()), "限时免费");
        assert_eq!(promotion_type(&"-10".parse().unwrap()), "限时减免");
    }
}
