//! `GET /admin/jobs/dead/?page=&size=`: jobs that failed for good, newest first, with their last
//! error; `POST /admin/jobs/{id}/retry/` sends one again (audited).

use actix_web::{web, HttpResponse};
use luffy_scheduler::DeadJob;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::message::Message;
use crate::dto::page::{DrfPage, PageParams};
use crate::dto::time::store_time;
use crate::error::ApiError;
use crate::state::AppState;

/// A dead job.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DeadJobDetail)]
pub struct DeadJobView {
    /// Id.
    id: i64,
    /// Which handler ran it: order_timeout, trade_close, trade_refund.
    kind: String,
    /// Its input.
    payload: Value,
    /// Attempts made.
    attempts: i32,
    /// Attempts allowed.
    max_attempts: i32,
    /// The last failure.
    last_error: String,
    /// The order it concerns.
    order_id: Option<i64>,
    /// When it died, in the store timezone.
    failed_time: String,
}

impl DeadJobView {
    fn new(job: &DeadJob, timezone: chrono_tz::Tz) -> Self {
        Self {
            id: job.id,
            kind: job.kind.clone(),
            payload: job.payload.clone(),
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            last_error: job.last_error.clone(),
            order_id: job.order_id,
            failed_time: store_time(job.failed_at, timezone),
        }
    }
}

/// `{count, next, previous, results: [{id, kind, payload, attempts, max_attempts, last_error,
/// order_id, failed_time}]}`.
pub async fn dead_jobs(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let request = query.request()?;
    let page = state.jobs.dead(request).await?;
    let link = |n: u32| {
        format!(
            "{}/admin/jobs/dead/?page={n}&size={}",
            state.settings.public_base(),
            request.size()
        )
    };
    let timezone = state.timezone;
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, |job| {
        DeadJobView::new(job, timezone)
    })))
}

/// 200 once the job is pending again; 404 missing, 409 not dead (or a live job of the same
/// kind already does its work).
pub async fn retry_job(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let job = path.into_inner();
    state.jobs.retry(staff.0.id, job).await?;
    tracing::info!(operator = staff.0.id.get(), job, "dead job sent again");
    Ok(HttpResponse::Ok().json(Message::new("任务已重新排队!")))
}
