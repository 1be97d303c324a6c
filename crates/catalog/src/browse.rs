//! What the store's course pages show beyond what checkout needs: directions and
//! categories for the filters, a course's level, students, teacher, description and lesson
//! counts, and its chapters with their lessons. Read-only; a separate port so checkout's hot
//! reads stay as small as they are.

use std::future::Future;

use chrono::{DateTime, Utc};
use luffy_common::{CourseId, Page, PageRequest};

use crate::course::{Category, Course, Direction};
use crate::repository::CatalogError;

/// The tutorial's three course levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseLevel {
    /// 0 初级
    Beginner,
    /// 1 中级
    Intermediate,
    /// 2 高级
    Advanced,
}

impl CourseLevel {
    /// Maps the stored code; unknown codes are refused rather than guessed.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Beginner),
            1 => Some(Self::Intermediate),
            2 => Some(Self::Advanced),
            _ => None,
        }
    }

    /// The stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Beginner => 0,
            Self::Intermediate => 1,
            Self::Advanced => 2,
        }
    }

    /// What the client prints (`get_level_display`).
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Beginner => "初级",
            Self::Intermediate => "中级",
            Self::Advanced => "高级",
        }
    }
}

/// A teacher's role (the tutorial's 讲师 / 导师 / 班主任).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeacherRole {
    /// 0 讲师
    Lecturer,
    /// 1 导师
    Mentor,
    /// 2 班主任
    HeadTeacher,
}

impl TeacherRole {
    /// Maps the stored code; unknown codes are refused.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Lecturer),
            1 => Some(Self::Mentor),
            2 => Some(Self::HeadTeacher),
            _ => None,
        }
    }

    /// The stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Lecturer => 0,
            Self::Mentor => 1,
            Self::HeadTeacher => 2,
        }
    }

    /// What the client prints (`get_role_display`).
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Lecturer => "讲师",
            Self::Mentor => "导师",
            Self::HeadTeacher => "班主任",
        }
    }
}

/// The teacher shown on a course page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teacher {
    /// Row id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Avatar path under the media root (or an absolute URL).
    pub avatar: String,
    /// Title line (职位).
    pub title: String,
    /// Role.
    pub role: TeacherRole,
    /// Short biography.
    pub brief: String,
}

/// A course with what its pages show.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseProfile {
    /// The sellable course (price, promotions, scope).
    pub course: Course,
    /// Level.
    pub level: CourseLevel,
    /// Number of students (buyers) so far.
    pub students: i32,
    /// Lessons planned in all.
    pub lessons: i32,
    /// Lessons published so far (shown lessons).
    pub pub_lessons: i32,
    /// Preview video path under the media root, or an absolute URL; empty = none.
    pub course_video: String,
    /// Course description (HTML written by the operator).
    pub description: String,
    /// The teacher, when one is assigned.
    pub teacher: Option<Teacher>,
}

/// One lesson in a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// Row id.
    pub id: i64,
    /// Position in the chapter.
    pub orders: i32,
    /// Title.
    pub name: String,
    /// Duration as shown (`"10:30"`).
    pub duration: String,
    /// Whether anyone may watch it for free (the tutorial's spelling: `free_trail`).
    pub free_trail: bool,
}

/// A chapter with its shown lessons in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    /// Row id.
    pub id: i64,
    /// Chapter number.
    pub orders: i32,
    /// Title.
    pub name: String,
    /// Summary.
    pub summary: String,
    /// Shown lessons, in order.
    pub lessons: Vec<Lesson>,
}

/// How the course list is sorted (the tutorial's `ordering` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CourseOrdering {
    /// `-id`: newest first (the default).
    #[default]
    Newest,
    /// `-students`: most students first.
    MostStudents,
    /// `price`: cheapest first.
    PriceAscending,
    /// `-price`: dearest first.
    PriceDescending,
}

impl CourseOrdering {
    /// Parses the `ordering` query value; empty is the default, anything else unknown is
    /// `None` (a 400).
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "" | "-id" => Some(Self::Newest),
            "-students" => Some(Self::MostStudents),
            "price" => Some(Self::PriceAscending),
            "-price" => Some(Self::PriceDescending),
            _ => None,
        }
    }
}

/// Which shown courses the list holds: 0 means any direction or category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourseFilter {
    /// Direction id, 0 = all.
    pub direction: i64,
    /// Category id, 0 = all.
    pub category: i64,
    /// Sort order; ties are broken by id, newest first.
    pub ordering: CourseOrdering,
}

/// Reads the course pages. Errors: `Storage`, and `CourseNotFound` where a course is named.
pub trait CatalogBrowser: Send + Sync {
    /// All directions in id order.
    fn directions(&self) -> impl Future<Output = Result<Vec<Direction>, CatalogError>> + Send;

    /// The categories of a direction (0 = every category), in id order.
    fn categories(
        &self,
        direction: i64,
    ) -> impl Future<Output = Result<Vec<Category>, CatalogError>> + Send;

    /// One page of shown, non-deleted courses matching the filter, with promotions running
    /// or upcoming at `now`.
    fn browse_courses(
        &self,
        filter: CourseFilter,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Page<CourseProfile>, CatalogError>> + Send;

    /// One page of shown, non-deleted courses whose name, description, teacher, category or
    /// direction contains the text, in the query's order.
    fn search_courses(
        &self,
        query: &crate::search::SearchQuery,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Page<CourseProfile>, CatalogError>> + Send;

    /// One course with its page data, whatever its visibility (callers decide).
    fn course_profile(
        &self,
        id: CourseId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<CourseProfile, CatalogError>> + Send;

    /// A course's shown chapters in order, each with its shown lessons in order.
    fn chapters(
        &self,
        id: CourseId,
    ) -> impl Future<Output = Result<Vec<Chapter>, CatalogError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for code in 0..3 {
            assert_eq!(
                CourseLevel::from_code(code).map(CourseLevel::code),
                Some(code)
            );
            assert_eq!(
                TeacherRole::from_code(code).map(TeacherRole::code),
                Some(code)
            );
        }
        assert_eq!(CourseLevel::from_code(3), None);
        assert_eq!(TeacherRole::from_code(-1), None);
        assert_eq!(CourseLevel::Intermediate.display_name(), "中级");
        assert_eq!(TeacherRole::HeadTeacher.display_name(), "班主任");
    }

    #[test]
    fn ordering_accepts_the_tutorials_four_values_only() {
        assert_eq!(CourseOrdering::parse(""), Some(CourseOrdering::Newest));
        assert_eq!(CourseOrdering::parse("-id"), Some(CourseOrdering::Newest));
        assert_eq!(
            CourseOrdering::parse("-students"),
            Some(CourseOrdering::MostStudents)
        );
        assert_eq!(
            CourseOrdering::parse("price"),
            Some(CourseOrdering::PriceAscending)
        );
        assert_eq!(
            CourseOrdering::parse("-price"),
            Some(CourseOrdering::PriceDescending)
        );
        assert_eq!(CourseOrdering::parse("id; DROP TABLE courses"), None);
    }
}
