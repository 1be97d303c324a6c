//! `GET /courses/search?text=&page=&size=&ordering=`: shown courses whose name, description,
//! teacher, category or direction contains the text (Chinese included), as course cards; every
//! search counts its text as a hot word. `GET /courses/hot_word`: the most searched texts of the
//! last seven days.

use actix_web::{web, HttpResponse};
use luffy_catalog::{SearchOrdering, SearchQuery, SearchText};
use luffy_common::PageRequest;
use serde::Deserialize;

use super::view::CourseCardView;
use crate::dto::page::DrfPage;
use crate::error::ApiError;
use crate::state::AppState;

/// The tutorial's page size limit for searches and lists of cards.
const MAX_SEARCH_PAGE_SIZE: u32 = 20;

/// The query.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    text: String,
    #[serde(default = "super::list::first_page")]
    page: i64,
    #[serde(default = "five")]
    size: i64,
    #[serde(default)]
    ordering: String,
}

fn five() -> i64 {
    5
}

/// One page of matching courses.
pub async fn search_courses(
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let query = SearchQuery {
        text: SearchText::parse(&params.text).map_err(|e| ApiError::BadRequest(e.to_string()))?,
        ordering: SearchOrdering::parse(&params.ordering)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?,
    };
    let request = PageRequest::new(params.page, params.size, MAX_SEARCH_PAGE_SIZE)?;
    let page = state.search.search(&query, request).await?;
    let now = state.catalog.now();
    let base = state.settings.public_base();
    let link = |n: u32| {
        let mut url = form_urlencoded::Serializer::new(format!("{base}/courses/search?"));
        url.append_pair("text", &params.text)
            .append_pair("page", &n.to_string())
            .append_pair("size", &request.size().to_string());
        if !params.ordering.is_empty() {
            url.append_pair("ordering", &params.ordering);
        }
        url.finish()
    };
    Ok(
        HttpResponse::Ok().json(DrfPage::new(&page, link, |profile| {
            CourseCardView::new(profile, now, base)
        })),
    )
}

/// The hot words, most searched first: a bare array of strings.
pub async fn hot_words(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.search.hot_words().await?))
}
