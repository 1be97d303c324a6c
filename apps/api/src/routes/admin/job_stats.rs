//! `GET /admin/jobs/`: job counts by kind and status, backlog, and the dead jobs (staff).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::StaffUser;
use crate::error::ApiError;
use crate::state::AppState;

/// What an operator watches: counts, due backlog and lag, and dead jobs with their last error.
pub async fn job_stats(
    state: web::Data<AppState>,
    _staff: StaffUser,
) -> Result<HttpResponse, ApiError> {
    let counts = state.jobs.counts().await?;
    Ok(HttpResponse::Ok().json(json!({
        "counts": counts.by_kind_and_status.iter().map(|(kind, status, count)| json!({"kind": kind, "status": status, "count": count})).collect::<Vec<_>>(),
        "due": counts.due,
        "oldest_due_age_secs": counts.oldest_due_age_secs,
        "dead": counts.dead.iter().map(|(id, kind, attempts, error)| json!({"id": id, "kind": kind, "attempts": attempts, "last_error": error})).collect::<Vec<_>>(),
    })))
}
