//! The job storage port. The PostgreSQL adapter claims with `FOR UPDATE SKIP LOCKED`, so any
//! number of workers on any number of machines can share one table.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use luffy_common::{Page, PageRequest, StorageError, UserId};

use crate::job::{Job, NewJob};

/// How many jobs of one kind are in one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindCount {
    /// Which handler runs them.
    pub kind: String,
    /// `pending`, `running`, `done` or `dead`.
    pub status: String,
    /// How many.
    pub count: i64,
}

/// A dead job as the counts list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadJobSummary {
    /// Id.
    pub id: i64,
    /// Which handler ran it.
    pub kind: String,
    /// Attempts made.
    pub attempts: i32,
    /// The last failure.
    pub last_error: String,
}

/// Counts for metrics and the staff route.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobCounts {
    /// Jobs per kind and status.
    pub by_kind_and_status: Vec<KindCount>,
    /// Pending jobs whose run_at has passed.
    pub due: i64,
    /// Seconds since the oldest due job became due (0 when none): the worker lag.
    pub oldest_due_age_secs: f64,
    /// Dead jobs, newest first, at most 100.
    pub dead: Vec<DeadJobSummary>,
}

/// A job that failed for good, as an operator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadJob {
    /// Id.
    pub id: i64,
    /// Which handler ran it.
    pub kind: String,
    /// Its input.
    pub payload: serde_json::Value,
    /// Attempts made.
    pub attempts: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
    /// The last failure.
    pub last_error: String,
    /// The order it concerns, if any.
    pub order_id: Option<i64>,
    /// When it died.
    pub failed_at: DateTime<Utc>,
}

/// Why a retry was refused.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    /// No such job.
    #[error("任务不存在!")]
    NotFound,
    /// Only a dead job can be retried.
    #[error("只能重试已失败的任务!")]
    NotDead,
    /// A live job of the same kind already does its work (e.g. the order's timeout job).
    #[error("已有相同的任务在等待执行!")]
    AlreadyLive,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The worker's job storage. Every method changes only rows the worker holds (`locked_by`), so
/// a worker whose lease expired cannot overwrite the work of the one that took over.
pub trait JobStore: Send + Sync + 'static {
    /// Claims up to `limit` jobs that are due (pending with `run_at <= now`, or running with an
    /// expired lease), marking them running for `lease`, incrementing `attempts`.
    fn claim_due(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        limit: i64,
        lease: Duration,
    ) -> impl Future<Output = Result<Vec<Job>, StorageError>> + Send;

    /// Marks a held job done.
    fn complete(
        &self,
        job_id: i64,
        worker: &str,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Records a failure: back to pending at `retry_at`, or dead when `retry_at` is `None`.
    fn fail(
        &self,
        job_id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Extends a held job's lease; false if the worker no longer holds it.
    fn renew(
        &self,
        job_id: i64,
        worker: &str,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Gives a held job back without counting the attempt (graceful shutdown).
    fn release(
        &self,
        job_id: i64,
        worker: &str,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Inserts jobs on their own (not inside a business transaction, e.g. a repair sweep); a
    /// job the store's uniqueness rules refuse (a second live job of the same kind for the
    /// same key) is skipped. Answers how many were inserted.
    fn enqueue(&self, jobs: &[NewJob]) -> impl Future<Output = Result<usize, StorageError>> + Send;
}

/// What operators read and do with jobs: the dead ones, sending one again, the counts.
pub trait JobAdminStore: Send + Sync {
    /// Dead jobs, newest first.
    fn dead(
        &self,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<DeadJob>, StorageError>> + Send;

    /// An operator (`actor`, recorded in the store's audit trail with the job before and after)
    /// sends a dead job again: pending, due at `now`, its attempts reset, its error kept until
    /// the next run. Errors: `NotFound`, `NotDead`.
    fn retry(
        &self,
        actor: UserId,
        job_id: i64,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), RetryError>> + Send;

    /// Counts for metrics and operators.
    fn counts(
        &self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<JobCounts, StorageError>> + Send;
}
