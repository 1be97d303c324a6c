//! The daily `reconcile` job: at 10:05 Beijing time each channel's previous day is reconciled
//! against its bill, the result stored with the next day's job; a day whose near-midnight
//! entries were waiting for this day's bill is run again. When the channel cannot give the bill
//! the job retries with backoff, and its last attempt still schedules the next day, so one bad
//! day never stops the daily run.

use chrono::Utc;
use luffy_order::jobs::{job_channel, reconcile_job};
use luffy_order::reconciliation::{DayWindow, FindingKind};
use luffy_order::ReconcileError;
use luffy_scheduler::worker::HandlerFuture;
use luffy_scheduler::{Job, JobError, JobHandler};

use crate::business_metrics::BusinessMetrics;
use crate::state::{AppState, Reconciliations};

/// Runs the daily job of one channel.
pub struct ReconcileHandler {
    /// The reconciliation service.
    pub service: Reconciliations,
    /// Its store, to schedule the next day when this one cannot be done.
    pub store: luffy_store::PgReconciliations,
    /// Where findings are counted.
    pub metrics: BusinessMetrics,
}

impl JobHandler for ReconcileHandler {
    fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(async move {
            let channel = job_channel(job)?;
            let now = Utc::now();
            let Some(day) = DayWindow::day_of(now).pred_opt() else {
                return Err(JobError::Fatal("no previous day".into()));
            };
            let next = reconcile_job(channel, now);
            match self.service.run(channel, day, Some(next.clone())).await {
                Ok((stored, new)) => {
                    self.metrics.reconciled(&stored, &new);
                    self.rerun_unconfirmed(channel, day).await;
                    Ok(())
                }
                Err(error) => {
                    if job.attempts >= job.max_attempts {
                        let _ = self.store.ensure_scheduled(&next).await;
                    }
                    match error {
                        ReconcileError::NoChannel(_) => Err(JobError::Fatal(error.to_string())),
                        other => Err(JobError::Retry(other.to_string())),
                    }
                }
            }
        })
    }
}

impl ReconcileHandler {
    /// The day before `day` once more, when it still waits for `day`'s bill.
    async fn rerun_unconfirmed(&self, channel: luffy_order::Channel, day: chrono::NaiveDate) {
        let Some(previous) = day.pred_opt() else {
            return;
        };
        let waiting = matches!(
            self.service.find(channel, previous).await,
            Ok(Some(stored)) if stored.findings.iter().any(|f| f.kind == FindingKind::Unconfirmed)
        );
        if waiting {
            match self.service.run(channel, previous, None).await {
                Ok((stored, new)) => self.metrics.reconciled(&stored, &new),
                Err(error) => {
                    tracing::warn!(%channel, %previous, %error, "rerunning the day before failed")
                }
            }
        }
    }
}

/// Makes sure every channel with bills has its daily job pending (each instance at start).
pub async fn ensure_daily_jobs(state: &AppState) {
    for channel in state.gateways.channels() {
        if !channel.is_remote() {
            continue;
        }
        if let Err(error) = state
            .reconciliation_store
            .ensure_scheduled(&reconcile_job(channel, Utc::now()))
            .await
        {
            tracing::warn!(%channel, %error, "could not schedule the daily reconciliation");
        }
    }
}
