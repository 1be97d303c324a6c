//! `GET /courses/{direction}/{category}/?page=&size=&ordering=`: the tutorial's course list,
//! filtered by direction and category (0 = all) and sorted by `-id` (default), `-students`,
//! `price` or `-price`, as a DRF page.

use actix_web::{web, HttpResponse};
use luffy_catalog::{CourseFilter, CourseOrdering};
use luffy_common::PageRequest;
use serde::Deserialize;

use super::list::MAX_PAGE_SIZE;
use super::view::CourseCardView;
use crate::dto::page::DrfPage;
use crate::error::ApiError;
use crate::state::AppState;

/// Paging and sorting query.
#[derive(Debug, Deserialize)]
pub struct BrowseQuery {
    #[serde(default = "super::list::first_page")]
    page: i64,
    #[serde(default = "super::list::default_size")]
    size: i64,
    #[serde(default)]
    ordering: String,
}

/// One page of shown courses in a direction and category.
pub async fn browse_courses(
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    query: web::Query<BrowseQuery>,
) -> Result<HttpResponse, ApiError> {
    let (direction, category) = path.into_inner();
    let ordering = CourseOrdering::parse(&query.ordering)
        .ok_or_else(|| ApiError::bad_request("ordering 只能是 -id、-students、price 或 -price!"))?;
    let request = PageRequest::new(query.page, query.size, MAX_PAGE_SIZE)?;
    let filter = CourseFilter {
        direction,
        category,
        ordering,
    };
    let now = state.catalog.now();
    let page = state.catalog.browse_courses(filter, request).await?;
    let base = state.settings.public_base();
    let link = |page_number: u32| {
        let mut url = format!(
            "{base}/courses/{direction}/{category}/?page={page_number}&size={}",
            request.size()
        );
        if !query.ordering.is_empty() {
            url.push_str("&ordering=");
            url.push_str(&query.ordering);
        }
        url
    };
    Ok(
        HttpResponse::Ok().json(DrfPage::new(&page, link, |profile| {
            CourseCardView::new(profile, now, base)
        })),
    )
}
