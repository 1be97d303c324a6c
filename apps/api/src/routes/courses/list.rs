//! `GET /courses/?page=&size=`: shown courses, paged.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use luffy_catalog::CatalogRepository;
use luffy_common::PageRequest;
use serde::{Deserialize, Serialize};

use super::view::CourseView;
use crate::error::ApiError;
use crate::state::AppState;

/// Largest page a client may ask for.
const MAX_PAGE_SIZE: u32 = 50;

/// Paging query.
#[derive(Debug, Deserialize)]
pub struct CourseQuery {
    #[serde(default = "first_page")]
    page: i64,
    #[serde(default = "default_size")]
    size: i64,
}

fn first_page() -> i64 {
    1
}

fn default_size() -> i64 {
    10
}

/// DRF-style page: count, next/previous links and results.
#[derive(Debug, Serialize)]
pub struct CoursePage {
    count: u64,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<CourseView>,
}

/// Lists shown, non-deleted courses in id order.
pub async fn list_courses(
    state: web::Data<AppState>,
    query: web::Query<CourseQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = PageRequest::new(query.page, query.size, MAX_PAGE_SIZE)?;
    let now = Utc::now();
    let page = state.catalog.list_courses(request, now).await?;
    let link = |page_number: u32| {
        format!(
            "{}/courses/?page={page_number}&size={}",
            state.settings.public_base(),
            request.size()
        )
    };
    Ok(HttpResponse::Ok().json(CoursePage {
        count: page.total,
        next: page.has_next().then(|| link(request.page() + 1)),
        previous: page.has_previous().then(|| link(request.page() - 1)),
        results: page
            .items
            .iter()
            .map(|course| CourseView::new(course, now, state.settings.public_base()))
            .collect(),
    }))
}
