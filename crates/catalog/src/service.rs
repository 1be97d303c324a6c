//! The catalog use cases the API serves: course lists and pages, filters and chapters, priced
//! at the clock's instant (promotion windows depend on it).

use luffy_common::{Clock, CourseId, Page, PageRequest};

use crate::browse::{CatalogBrowser, Chapter, CourseFilter, CourseProfile};
use crate::course::{Category, Course, Direction};
use crate::repository::{CatalogError, CatalogStore};

/// Catalog reads over the catalog store, with the clock for promotion windows.
#[derive(Clone)]
pub struct CatalogService<S, K> {
    store: S,
    clock: K,
}

impl<S: CatalogStore + CatalogBrowser, K: Clock> CatalogService<S, K> {
    /// Wires the store and the clock.
    pub fn new(store: S, clock: K) -> Self {
        Self { store, clock }
    }

    /// The current instant, from the clock port: the one views price promotions at.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// One page of shown courses with their current promotions.
    pub async fn list_courses(&self, page: PageRequest) -> Result<Page<Course>, CatalogError> {
        self.store.list_courses(page, self.clock.now()).await
    }

    /// One course with its current promotions.
    pub async fn find_course(&self, id: CourseId) -> Result<Course, CatalogError> {
        self.store.find_course(id, self.clock.now()).await
    }

    /// All directions.
    pub async fn directions(&self) -> Result<Vec<Direction>, CatalogError> {
        self.store.directions().await
    }

    /// The categories of a direction (0 = all).
    pub async fn categories(&self, direction: i64) -> Result<Vec<Category>, CatalogError> {
        self.store.categories(direction).await
    }

    /// One page of the course list page, filtered and ordered.
    pub async fn browse_courses(
        &self,
        filter: CourseFilter,
        page: PageRequest,
    ) -> Result<Page<CourseProfile>, CatalogError> {
        self.store
            .browse_courses(filter, page, self.clock.now())
            .await
    }

    /// One course's page data, whatever its visibility (the caller decides).
    pub async fn course_profile(&self, id: CourseId) -> Result<CourseProfile, CatalogError> {
        self.store.course_profile(id, self.clock.now()).await
    }

    /// A course's shown chapters with their shown lessons.
    pub async fn chapters(&self, id: CourseId) -> Result<Vec<Chapter>, CatalogError> {
        self.store.chapters(id).await
    }
}
