//! `GET /courses/{direction}/{category}/?page=&size=&ordering=`: the tutorial's course list,
//! filtered by direction and category (0 = all) and sorted by `-id` (default), `-students`,
//! `price` or `-price`, as a DRF page.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use luffy_catalog::{CatalogBrowser, CourseFilter, CourseOrdering};
use luffy_common::PageRequest;
use serde::{Deserialize, Serialize};

use super::view::CourseCardView;
use crate::error::ApiError;
use crate::state::AppState;

/// Largest page a client may ask for.
const MAX_PAGE_SIZE: u32 = 50;

/// Paging and sorting query.
#[derive(Debug, Deserialize)]
pub struct BrowseQuery {
    #[serde(default = "first_page")]
    page: i64,
    #[serde(default = "default_size")]
    size: i64,
    #[serde(default)]
    ordering: String,
}

fn first_page() -> i64 {
    1
}

fn default_size() -> i64 {
    10
}

/// DRF-style page: count, next/previous links and results.
#[derive(Debug, Serialize)]
pub struct CourseCardPage {
    count: u64,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<CourseCardView>,
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
    let now = Utc::now();
    let page = state.catalog.browse_courses(filter, request, now).await?;
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
    Ok(HttpResponse::Ok().json(CourseCardPage {
        count: page.total,
        next: page.has_next().then(|| link(request.page() + 1)),
        previous: page.has_previous().then(|| link(request.page() - 1)),
        results: page
            .items
            .iter()
            .map(|profile| CourseCardView::new(profile, now, base))
            .collect(),
    }))
}
