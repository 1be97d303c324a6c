//! `GET /admin/jobs/`: job counts by kind and status, backlog, and the dead jobs (staff).

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Jobs of one kind in one status.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = JobCount)]
pub struct JobCountView {
    /// Kind.
    kind: String,
    /// Status.
    status: String,
    /// How many.
    count: i64,
}

/// A dead job with its last error.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DeadJob)]
pub struct DeadJobView {
    /// Id.
    id: i64,
    /// Kind.
    kind: String,
    /// Attempts made.
    attempts: i32,
    /// Last error.
    last_error: String,
}

/// Counts by kind and status, the worker lag, and the dead jobs.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = JobStats)]
pub struct JobStatsView {
    /// By kind and status.
    counts: Vec<JobCountView>,
    /// Pending and due.
    due: i64,
    /// Age of the oldest due job.
    oldest_due_age_secs: f64,
    /// Dead jobs.
    dead: Vec<DeadJobView>,
}

/// What an operator watches: counts, due backlog and lag, and dead jobs with their last error.
pub async fn job_stats(
    state: web::Data<AppState>,
    _staff: StaffUser,
) -> Result<HttpResponse, ApiError> {
    let counts = state.jobs.counts().await?;
    Ok(HttpResponse::Ok().json(JobStatsView {
        counts: counts
            .by_kind_and_status
            .into_iter()
            .map(|c| JobCountView {
                kind: c.kind,
                status: c.status,
                count: c.count,
            })
            .collect(),
        due: counts.due,
        oldest_due_age_secs: counts.oldest_due_age_secs,
        dead: counts
            .dead
            .into_iter()
            .map(|d| DeadJobView {
                id: d.id,
                kind: d.kind,
                attempts: d.attempts,
                last_error: d.last_error,
            })
            .collect(),
    }))
}
