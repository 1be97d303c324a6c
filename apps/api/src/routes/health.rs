//! Liveness, readiness (PostgreSQL and Redis) and Prometheus metrics.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// Liveness: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: 200 when both PostgreSQL and Redis answer, else 503 naming what is down.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (postgres, redis) = tokio::join!(
        luffy_store::postgres::ping(&state.pg),
        luffy_store::redis::ping(&state.redis)
    );
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    if postgres && redis {
        HttpResponse::Ok().json(json!({"postgres": "ok", "redis": "ok"}))
    } else {
        let down: Vec<&str> = [("PostgreSQL", postgres), ("Redis", redis)]
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(name, _)| *name)
            .collect();
        HttpResponse::ServiceUnavailable().json(json!({
            "errmsg": format!("{} unavailable", down.join(" and ")),
            "postgres": word(postgres),
            "redis": word(redis),
        }))
    }
}

/// Prometheus text exposition.
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // Job gauges are read from the table, so every instance reports the same backlog; if
    // PostgreSQL is down the HTTP metrics are still served.
    if let Ok(counts) = state.jobs.counts().await {
        state.job_metrics.due.set(counts.due);
        state.job_metrics.lag.set(counts.oldest_due_age_secs);
    }
    let body = state.metrics.render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
