//! The study store port: what a learner owns and where they are, the outlines, and the
//! transaction progress is recorded in (the enrolment row locked, so simultaneous reports add up
//! and the place only moves forward).

use std::future::Future;

use luffy_catalog::CourseType;
use luffy_common::{CourseId, Page, PageRequest, StorageError, UserId};

use crate::outline::{Outline, Place};
use crate::progress::ProgressPosition;

/// A learner's course: where they are and how long they studied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The course.
    pub course: CourseId,
    /// The lesson they are at, once they started.
    pub lesson_id: Option<i64>,
    /// Its position (chapter and lesson orders).
    pub position: Option<ProgressPosition>,
    /// Seconds studied in the course.
    pub study_time: i64,
}

/// A course on the learner's "my courses" list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyCourse {
    /// The course.
    pub course_id: CourseId,
    /// Its name.
    pub name: String,
    /// Its cover (a path under the media root or a URL).
    pub cover: String,
    /// Its type.
    pub course_type: CourseType,
    /// Seconds studied.
    pub study_time: i64,
    /// Where the learner is, once started.
    pub place: Option<Place>,
    /// The course's outline (for the percentage).
    pub outline: Outline,
}

/// The study store.
pub trait StudyStore: Send + Sync {
    /// The transaction progress is recorded in.
    type Tx: StudyTx;

    /// Opens a transaction.
    fn begin(&self) -> impl Future<Output = Result<Self::Tx, StorageError>> + Send;

    /// The learner's courses, newest purchase first, optionally of one type.
    fn my_courses(
        &self,
        user: UserId,
        course_type: Option<CourseType>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<MyCourse>, StorageError>> + Send;

    /// One of the learner's courses; `None` when they do not own it.
    fn my_course(
        &self,
        user: UserId,
        course: CourseId,
    ) -> impl Future<Output = Result<Option<MyCourse>, StorageError>> + Send;

    /// A course's outline, hidden chapters and lessons included (marked), in order; `None` for
    /// a missing or deleted course.
    fn outline(
        &self,
        course: CourseId,
    ) -> impl Future<Output = Result<Option<Outline>, StorageError>> + Send;

    /// The outline a course page shows. An adapter may serve it from a read replica, so it
    /// may lag the primary a moment; whether a lesson may be studied is decided with
    /// [`StudyStore::outline`].
    fn page_outline(
        &self,
        course: CourseId,
    ) -> impl Future<Output = Result<Option<Outline>, StorageError>> + Send {
        self.outline(course)
    }

    /// The course a lesson belongs to.
    fn lesson_course(
        &self,
        lesson_id: i64,
    ) -> impl Future<Output = Result<Option<CourseId>, StorageError>> + Send;

    /// The learner's enrolment in a course; `None` when they do not own it.
    fn enrolment(
        &self,
        user: UserId,
        course: CourseId,
    ) -> impl Future<Output = Result<Option<Enrolment>, StorageError>> + Send;

    /// Sets the learner's place when it is still `replacing` (none for a first-time learner,
    /// or a lesson hidden since), so a concurrent start or report is never overwritten.
    fn start(
        &self,
        user: UserId,
        course: CourseId,
        place: &Place,
        replacing: Option<i64>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Seconds the learner studied a lesson (0 when never).
    fn lesson_time(
        &self,
        user: UserId,
        lesson_id: i64,
    ) -> impl Future<Output = Result<i64, StorageError>> + Send;
}

/// Recording a progress report; dropped without `commit`, nothing is kept.
pub trait StudyTx: Send {
    /// The learner's enrolment, locked until the end of the transaction; `None` when they do
    /// not own the course.
    fn lock_enrolment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> impl Future<Output = Result<Option<Enrolment>, StorageError>> + Send;

    /// Adds seconds to the learner's time on a lesson.
    fn add_lesson_time(
        &mut self,
        user: UserId,
        lesson_id: i64,
        seconds: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Adds seconds to the course's time and, when given, moves the learner's place.
    fn update_enrolment(
        &mut self,
        user: UserId,
        course: CourseId,
        seconds: i64,
        place: Option<&Place>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Commits.
    fn commit(self) -> impl Future<Output = Result<(), StorageError>> + Send;
}
