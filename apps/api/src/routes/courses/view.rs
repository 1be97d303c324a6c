//! The course JSON shape shared by the catalog and the cart (SPEC 3).

use chrono::{DateTime, Utc};
use luffy_catalog::{Course, CourseDiscount, CourseProfile, Teacher};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::media::media_url;
use crate::dto::money;

/// The `discount` object: `{}` without a running promotion; `price` only when it applies.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Discount)]
pub struct DiscountView {
    /// 限时免费, 限时折扣 or 限时减免.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    type_name: Option<String>,
    /// Seconds left in the running promotion.
    #[serde(skip_serializing_if = "Option::is_none")]
    expire: Option<i64>,
    #[serde(
        with = "money::optional_number",
        skip_serializing_if = "Option::is_none"
    )]
    /// The promotion price, when it applies.
    #[schema(value_type = Option<f64>)]
    price: Option<Decimal>,
}

impl From<&CourseDiscount> for DiscountView {
    fn from(discount: &CourseDiscount) -> Self {
        Self {
            type_name: discount.type_name.clone(),
            expire: discount.expire,
            price: discount.price,
        }
    }
}

/// A named reference (direction or category).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Named)]
pub struct NamedRef {
    /// Id.
    id: i64,
    /// Name.
    name: String,
}

impl NamedRef {
    /// A reference from an id and a name.
    pub fn new(id: i64, name: &str) -> Self {
        Self {
            id,
            name: name.to_owned(),
        }
    }
}

/// The teacher on a course page.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Teacher)]
pub struct TeacherView {
    /// Id.
    id: i64,
    /// Name.
    name: String,
    /// Absolute URL.
    avatar: String,
    /// Title.
    title: String,
    /// 0 讲师, 1 导师, 2 班主任.
    role: i16,
    /// The role's name.
    get_role_display: &'static str,
    /// Biography.
    brief: String,
}

impl TeacherView {
    /// Renders a teacher, the avatar under `public_base`.
    pub fn new(teacher: &Teacher, public_base: &str) -> Self {
        Self {
            id: teacher.id,
            name: teacher.name.clone(),
            avatar: media_url(public_base, &teacher.avatar),
            title: teacher.title.clone(),
            role: teacher.role.code(),
            get_role_display: teacher.role.display_name(),
            brief: teacher.brief.clone(),
        }
    }
}

/// A course card in the course list (`/courses/{direction}/{category}/`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CourseCard)]
pub struct CourseCardView {
    /// The course.
    #[serde(flatten)]
    course: CourseView,
    /// Students so far.
    students: i32,
    /// 0 初级, 1 中级, 2 高级.
    level: i16,
    /// The level's name.
    get_level_display: &'static str,
    /// Lessons planned.
    lessons: i32,
    /// Lessons published.
    pub_lessons: i32,
}

impl CourseCardView {
    /// Renders a card at `now`.
    pub fn new(profile: &CourseProfile, now: DateTime<Utc>, public_base: &str) -> Self {
        Self {
            course: CourseView::new(&profile.course, now, public_base),
            students: profile.students,
            level: profile.level.code(),
            get_level_display: profile.level.display_name(),
            lessons: profile.lessons,
            pub_lessons: profile.pub_lessons,
        }
    }
}

/// A course page (`/courses/{id}/`): the card plus video, description and teacher.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CourseDetail)]
pub struct CourseDetailView {
    /// The card.
    #[serde(flatten)]
    card: CourseCardView,
    /// Absolute URL, or empty.
    course_video: String,
    /// HTML.
    description: String,
    /// The teacher, if any.
    teacher: Option<TeacherView>,
    /// The visible chapters with their visible lessons, in order (the study page walks it);
    /// each lesson's `lesson_link` only when the lesson is open to the caller.
    chapter_list: Vec<StudyChapterView>,
}

/// A lesson on a course page.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = StudyLesson)]
pub struct StudyLessonView {
    /// Id.
    pub id: i64,
    /// Title.
    pub name: String,
    /// Position in the chapter.
    pub orders: i32,
    /// As the operator wrote it.
    pub duration: String,
    /// 0 document, 1 exercise, 2 video.
    pub lesson_type: i16,
    /// A signed link to its media, valid a few minutes: only when the lesson is open to the
    /// caller (owners; free trials for anyone logged in), else empty.
    pub lesson_link: String,
    /// Open to everyone logged in.
    pub free_trail: bool,
}

/// A chapter on a course page.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = StudyChapter)]
pub struct StudyChapterView {
    /// Id.
    pub id: i64,
    /// Position.
    pub orders: i32,
    /// Title.
    pub name: String,
    /// Its visible lessons, in order.
    pub lesson_list: Vec<StudyLessonView>,
}

impl CourseDetailView {
    /// The page with its chapters.
    pub fn with_chapters(mut self, chapters: Vec<StudyChapterView>) -> Self {
        self.chapter_list = chapters;
        self
    }

    /// Renders a course page at `now`.
    pub fn new(profile: &CourseProfile, now: DateTime<Utc>, public_base: &str) -> Self {
        Self {
            card: CourseCardView::new(profile, now, public_base),
            course_video: media_url(public_base, &profile.course_video),
            description: profile.description.clone(),
            teacher: profile
                .teacher
                .as_ref()
                .map(|teacher| TeacherView::new(teacher, public_base)),
            chapter_list: Vec::new(),
        }
    }
}

/// A course as the catalog shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Course)]
pub struct CourseView {
    /// Id.
    id: i64,
    /// Name.
    name: String,
    /// Absolute URL.
    course_cover: String,
    /// 实战课程, 会员专享 or 学位课程.
    course_type: &'static str,
    /// List price.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    price: Decimal,
    /// Most points the course takes.
    credit: i32,
    /// Promotion.
    discount: DiscountView,
    /// Direction.
    direction: NamedRef,
    /// Category.
    category: NamedRef,
}

impl CourseView {
    /// Renders a course with its discount at `now`, its cover under `public_base`.
    pub fn new(course: &Course, now: DateTime<Utc>, public_base: &str) -> Self {
        Self {
            id: course.id.get(),
            name: course.name.clone(),
            course_cover: media_url(public_base, &course.course_cover),
            course_type: course.course_type.display_name(),
            price: course.price,
            credit: course.credit,
            discount: DiscountView::from(&course.discount_at(now)),
            direction: NamedRef {
                id: course.direction.id,
                name: course.direction.name.clone(),
            },
            category: NamedRef {
                id: course.category.id,
                name: course.category.name.clone(),
            },
        }
    }
}
