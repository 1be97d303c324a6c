//! `/console/reconciliations`: each channel's reconciled days with the differences found
//! between its bill and our books and what was done about them, a form to run (or rerun) a
//! day now, and the CSV of what is shown. The same filters, runs and file as the admin API
//! (`luffy_web::reconciliation_view`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use luffy_web::error::ApiError;
use luffy_web::reconciliation_view::{
    findings_csv, parse_channel, parse_date, reconciliation_page, run_day, ReconciliationQuery,
    ReconciliationView,
};
use serde::Deserialize;

use super::guard::csrf_token;
use super::pages::{form_staff, operator, render, see_other};
use super::table::Pager;
use crate::state::ConsoleState;

/// The page.
#[derive(Template)]
#[template(path = "console/reconciliations.html")]
struct ReconciliationsPage {
    csrf: String,
    errmsg: String,
    channel: String,
    date: String,
    export: String,
    days: Vec<ReconciliationView>,
    pager: Pager,
}

/// Days per page.
const PAGE_SIZE: u32 = 10;

/// `?channel=&date=&page=`.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    page: String,
}

impl PageQuery {
    fn api_query(&self) -> ReconciliationQuery {
        let number = super::table::page_number(&self.page);
        let paging = serde_json::from_value(serde_json::json!({"page": number, "size": PAGE_SIZE}))
            .unwrap_or_default();
        ReconciliationQuery {
            channel: Some(self.channel.clone()),
            date: Some(self.date.clone()),
            paging,
        }
    }
}

async fn page(
    state: &ConsoleState,
    session: &Session,
    query: &PageQuery,
    errmsg: String,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let number = super::table::page_number(&query.page);
    let (errmsg, days, total, status) =
        match reconciliation_page(&state.reconciliations, &query.api_query()).await {
            Ok(found) => (errmsg, found.items, found.total, status),
            Err(ApiError::BadRequest(why)) => (why, Vec::new(), 0, StatusCode::BAD_REQUEST),
            Err(other) => return Err(other),
        };
    let filters = [
        ("channel", query.channel.as_str()),
        ("date", query.date.as_str()),
    ];
    let kept: Vec<(&str, &str)> = filters.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let export = format!(
        "/console/reconciliations/export.csv?{}",
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept.iter().copied())
            .finish()
    );
    let timezone = state.timezone;
    Ok(render(
        &ReconciliationsPage {
            csrf: csrf_token(session),
            errmsg,
            channel: query.channel.clone(),
            date: query.date.clone(),
            export,
            pager: Pager::new("/console/reconciliations", &kept, number, PAGE_SIZE, total),
            days: days
                .iter()
                .map(|d| ReconciliationView::new(d, timezone))
                .collect(),
        },
        status,
    ))
}

/// `GET /console/reconciliations?channel=&date=&page=`.
pub async fn reconciliations(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    page(&state, &session, &query, String::new(), StatusCode::OK).await
}

/// The run form.
#[derive(Debug, Deserialize)]
pub struct RunForm {
    csrf: String,
    channel: String,
    date: String,
}

/// `POST /console/reconciliations/run`: runs the day, then shows it; a bill not out, refused
/// or unreachable is shown as the answer's message.
pub async fn run(
    state: web::Data<ConsoleState>,
    session: Session,
    form: web::Form<RunForm>,
) -> Result<HttpResponse, ApiError> {
    let _staff = form_staff!(&state, &session, &form.csrf);
    let shown = PageQuery {
        channel: form.channel.trim().to_owned(),
        date: form.date.trim().to_owned(),
        page: String::new(),
    };
    let outcome = match (parse_channel(&form.channel), parse_date(&form.date)) {
        (Ok(channel), Ok(day)) => run_day(&state.reconciliations, channel, day)
            .await
            .map(|_| ()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "/console/reconciliations?channel={}&date={}",
            shown.channel, shown.date
        ))),
        Err(error @ (ApiError::BadRequest(_) | ApiError::Conflict(_))) => {
            let status = if matches!(error, ApiError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            page(&state, &session, &shown, error.to_string(), status).await
        }
        Err(other) => Err(other),
    }
}

/// `GET /console/reconciliations/export.csv?channel=&date=`.
pub async fn export(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let found = reconciliation_page(&state.reconciliations, &query.api_query()).await?;
    findings_csv(&found.items, state.timezone)
}
