//! Ports the catalog needs from storage. Adapters live in `luffy-store`.

use std::future::Future;

use chrono::{DateTime, Utc};
use luffy_common::{CourseId, Page, PageRequest, StorageError, UserId};

use crate::course::Course;

/// Catalog failures.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The course does not exist, is hidden or is deleted.
    #[error("course not found")]
    CourseNotFound,
    /// PostgreSQL failed; `Unavailable` becomes a 503.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Reads courses with their promotion links.
pub trait CatalogStore: Send + Sync {
    /// Shown, non-deleted courses ordered by id, with promotion links whose activity has not
    /// ended at `now`. Errors: `Storage` only.
    fn list_courses(
        &self,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Page<Course>, CatalogError>> + Send;

    /// One course by id, whatever its visibility (callers decide what hidden means).
    /// Errors: `CourseNotFound` when no row has this id; `Storage`.
    fn find_course(
        &self,
        id: CourseId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Course, CatalogError>> + Send;

    /// The courses with these ids that exist, in id order; missing ids are simply absent.
    /// Errors: `Storage` only.
    fn find_courses(
        &self,
        ids: &[CourseId],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Course>, CatalogError>> + Send;
}

/// Which courses a user already owns (user_courses): owned courses can never be bought again.
pub trait CourseOwnership: Send + Sync {
    /// Whether `user` owns `course`. Errors: `Storage` only.
    fn owns(
        &self,
        user: UserId,
        course: CourseId,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;
}
