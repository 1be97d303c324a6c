//! `GET /orders/list/?page=&size=&status=`: the caller's orders, newest first.

use actix_web::{web, HttpResponse};
use luffy_common::PageRequest;
use luffy_order::OrderStatus;
use serde::Deserialize;

use super::view::OrderView;
use crate::auth::AuthUser;
use crate::dto::flexible;
use crate::dto::page::DrfPage;
use crate::error::ApiError;
use crate::state::AppState;

/// Largest page (SPEC 2.6).
const MAX_PAGE_SIZE: u32 = 20;

/// Paging and filter.
#[derive(Debug, Deserialize)]
pub struct OrderQuery {
    #[serde(default = "first_page", deserialize_with = "flexible::integer")]
    page: i64,
    #[serde(default = "default_size", deserialize_with = "flexible::integer")]
    size: i64,
    #[serde(default = "all_statuses", deserialize_with = "flexible::integer")]
    status: i64,
}

fn first_page() -> i64 {
    1
}
fn default_size() -> i64 {
    5
}
fn all_statuses() -> i64 {
    -1
}

/// `{count, next, previous, results}`.
pub async fn list_orders(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<OrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = PageRequest::new(query.page, query.size, MAX_PAGE_SIZE)?;
    let status = match query.status {
        -1 => None,
        code => Some(
            i16::try_from(code)
                .ok()
                .and_then(OrderStatus::from_code)
                .ok_or_else(|| {
                    let codes: Vec<String> = OrderStatus::ALL
                        .iter()
                        .map(|s| s.code().to_string())
                        .collect();
                    ApiError::bad_request(format!(
                        "参数 status 只能是 -1(全部) 或 {}!",
                        codes.join("、")
                    ))
                })?,
        ),
    };
    let page = state.orders.list(caller.id, status, request).await?;
    let link = |n: u32| {
        format!(
            "{}/orders/list/?page={n}&size={}&status={}",
            state.settings.public_base(),
            request.size(),
            query.status
        )
    };
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, |order| {
        OrderView::new(order, state.timezone, state.settings.public_base())
    })))
}
