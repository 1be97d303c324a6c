//! A course's outline: its chapters and their lessons, in position order; a hidden lesson leaves the course's lesson count.

use std::future::Future;

use luffy_common::{StorageError, UserId};

use super::{invalid, text, CatalogAdminError, CatalogAdminService};

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

/// Storage of the operators' outline; every write is audited for `actor` in its own
/// transaction, and refers only to rows that exist (else `BadReference`).
pub trait OutlineAdminStore: Send + Sync {
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
}

impl<S: OutlineAdminStore> CatalogAdminService<S> {
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
}
