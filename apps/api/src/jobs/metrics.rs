//! Job metrics: runs by kind and outcome (counted by the worker), due jobs and lag (read from
//! the table at scrape time, so every worker and API instance reports the same).

use anyhow::Context;
use luffy_scheduler::WorkerObserver;
use prometheus::{Gauge, IntCounterVec, IntGauge, Opts, Registry};

/// Prometheus job metrics.
#[derive(Clone)]
pub struct JobMetrics {
    runs: IntCounterVec,
    /// Pending jobs already due.
    pub due: IntGauge,
    /// Seconds the oldest due job has waited.
    pub lag: Gauge,
}

impl JobMetrics {
    /// Registers the job metrics.
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let runs = IntCounterVec::new(
            Opts::new(
                "luffy_job_runs_total",
                "Job attempts by kind and outcome (done, retry, dead)",
            ),
            &["kind", "outcome"],
        )
        .context("job runs counter")?;
        let due = IntGauge::new("luffy_jobs_due", "Pending jobs whose run_at has passed")
            .context("due gauge")?;
        let lag = Gauge::new(
            "luffy_jobs_oldest_due_age_seconds",
            "How long the oldest due job has waited",
        )
        .context("lag gauge")?;
        registry
            .register(Box::new(runs.clone()))
            .context("registering job runs")?;
        registry
            .register(Box::new(due.clone()))
            .context("registering due jobs")?;
        registry
            .register(Box::new(lag.clone()))
            .context("registering job lag")?;
        Ok(Self { runs, due, lag })
    }
}

impl WorkerObserver for JobMetrics {
    fn job_finished(&self, kind: &str, outcome: &str) {
        self.runs.with_label_values(&[kind, outcome]).inc();
    }
}
