//! `GET /courses/?page=&size=`: shown courses, paged.

use actix_web::{web, HttpResponse};
use luffy_common::PageRequest;
use serde::Deserialize;

use super::view::CourseView;
use crate::dto::page::DrfPage;
use crate::error::ApiError;
use crate::state::AppState;

/// Largest page a client may ask for (both course lists).
pub(super) const MAX_PAGE_SIZE: u32 = 50;

/// Paging query.
#[derive(Debug, Deserialize)]
pub struct CourseQuery {
    #[serde(default = "first_page")]
    page: i64,
    #[serde(default = "default_size")]
    size: i64,
}

/// The page asked for when none is.
pub(super) fn first_page() -> i64 {
    1
}

/// The page size when none is asked for.
pub(super) fn default_size() -> i64 {
    10
}

/// Lists shown, non-deleted courses in id order.
pub async fn list_courses(
    state: web::Data<AppState>,
    query: web::Query<CourseQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = PageRequest::new(query.page, query.size, MAX_PAGE_SIZE)?;
    let now = state.catalog.now();
    let page = state.catalog.list_courses(request).await?;
    let link = |page_number: u32| {
        format!(
            "{}/courses/?page={page_number}&size={}",
            state.settings.public_base(),
            request.size()
        )
    };
    let base = state.settings.public_base();
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, |course| {
        CourseView::new(course, now, base)
    })))
}
