//! Liveness, readiness (PostgreSQL and Redis) and Prometheus metrics.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// `{"status": "ok"}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Health)]
pub struct Liveness {
    /// Always `ok`.
    status: &'static str,
}

/// Each dependency's state, with an `errmsg` naming what is down.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    #[serde(skip_serializing_if = "Option::is_none")]
    errmsg: Option<String>,
    /// `ok` or `unavailable`.
    postgres: &'static str,
    /// `ok` or `unavailable`.
    redis: &'static str,
    /// `ok` (catalog reads use it), `fallback` (down or behind: they use the primary) or
    /// `none`. A fallback does not fail readiness: the primary still serves.
    replica: &'static str,
}

/// Liveness: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Liveness { status: "ok" })
}

/// Readiness: 200 when both PostgreSQL and Redis answer, else 503 naming what is down; 503
/// at once while the instance drains for shutdown.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let replica = match &state.replica {
        None => "none",
        Some(replica) if replica.state().in_use() => "ok",
        Some(_) => "fallback",
    };
    if state.drain.is_draining() {
        return HttpResponse::ServiceUnavailable().json(Readiness {
            errmsg: Some("shutting down".into()),
            postgres: "draining",
            redis: "draining",
            replica,
        });
    }
    let (postgres, redis) = tokio::join!(
        luffy_store::postgres::ping(&state.pg),
        luffy_store::redis::ping(&state.redis)
    );
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    if postgres && redis {
        HttpResponse::Ok().json(Readiness {
            errmsg: None,
            postgres: "ok",
            redis: "ok",
            replica,
        })
    } else {
        let down: Vec<&str> = [("PostgreSQL", postgres), ("Redis", redis)]
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(name, _)| *name)
            .collect();
        HttpResponse::ServiceUnavailable().json(Readiness {
            errmsg: Some(format!("{} unavailable", down.join(" and "))),
            postgres: word(postgres),
            redis: word(redis),
            replica,
        })
    }
}

/// Prometheus text exposition.
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // Job gauges are read from the table, so every instance reports the same backlog; if
    // PostgreSQL is down the HTTP metrics are still served.
    if let Some(replica) = &state.replica {
        state.replica_metrics.observe(replica.state());
    }
    if let Ok(counts) = state.jobs.counts().await {
        state.job_metrics.due.set(counts.due);
        state.job_metrics.lag.set(counts.oldest_due_age_secs);
    }
    let body = state.metrics.render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
