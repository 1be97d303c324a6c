//! An in-memory [`JobStore`] (feature `test-util`), so handlers and the [`Worker`] loop can be
//! tested without a database. It keeps the PostgreSQL adapter's rules: a claim takes due
//! pending jobs and running jobs whose lease expired, in `run_at` order; only the worker that
//! holds a job can complete, fail, renew or release it; a release gives the attempt back.
//!
//! [`Worker`]: crate::Worker

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use luffy_common::StorageError;

use crate::job::{Job, JobStatus, NewJob};
use crate::store::JobStore;

/// A job as the store keeps it, for tests to assert on.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredJob {
    /// Id, from 1 in insertion order.
    pub id: i64,
    /// Which handler runs it.
    pub kind: String,
    /// Handler input.
    pub payload: serde_json::Value,
    /// When it is (or was) due.
    pub run_at: DateTime<Utc>,
    /// Attempts started.
    pub attempts: i32,
    /// After this many failed attempts the job is dead.
    pub max_attempts: i32,
    /// Where it is in its life.
    pub status: JobStatus,
    /// The worker holding it while running.
    pub locked_by: Option<String>,
    /// Until when that worker holds it.
    pub locked_until: Option<DateTime<Utc>>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The order it concerns, if any.
    pub order_id: Option<i64>,
}

impl StoredJob {
    fn is_live(&self) -> bool {
        matches!(self.status, JobStatus::Pending | JobStatus::Running)
    }

    fn held_by(&self, worker: &str) -> bool {
        self.status == JobStatus::Running && self.locked_by.as_deref() == Some(worker)
    }
}

/// Jobs in a mutex-guarded list; share it with `Arc` between the worker and the test.
#[derive(Debug, Default)]
pub struct MemoryJobStore {
    jobs: Mutex<Vec<StoredJob>>,
    one_live_per_order: HashSet<String>,
}

impl MemoryJobStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Admits at most one live (pending or running) job of `kind` per order, as a unique index
    /// would (luffy's order timeout has one); [`JobStore::enqueue`] skips a second one.
    pub fn one_live_per_order(mut self, kind: &str) -> Self {
        self.one_live_per_order.insert(kind.to_owned());
        self
    }

    /// Inserts a job (as a business transaction would) and answers its id.
    pub fn push(&self, job: NewJob) -> i64 {
        let mut jobs = self.lock();
        let id = i64::try_from(jobs.len()).unwrap_or(i64::MAX - 1) + 1;
        jobs.push(StoredJob {
            id,
            kind: job.kind,
            payload: job.payload,
            run_at: job.run_at,
            attempts: 0,
            max_attempts: job.max_attempts,
            status: JobStatus::Pending,
            locked_by: None,
            locked_until: None,
            last_error: None,
            order_id: job.order_id,
        });
        id
    }

    /// Every job, in insertion order.
    pub fn jobs(&self) -> Vec<StoredJob> {
        self.lock().clone()
    }

    /// One job by id.
    pub fn job(&self, id: i64) -> Option<StoredJob> {
        self.lock().iter().find(|job| job.id == id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<StoredJob>> {
        // A test that panicked while holding the lock has failed already; its data is still
        // the best picture of what happened.
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `change` on the job if `worker` holds it; answers whether it did.
    fn if_held(&self, job_id: i64, worker: &str, change: impl FnOnce(&mut StoredJob)) -> bool {
        let mut jobs = self.lock();
        match jobs
            .iter_mut()
            .find(|job| job.id == job_id && job.held_by(worker))
        {
            Some(job) => {
                change(job);
                true
            }
            None => false,
        }
    }
}

fn unlock(job: &mut StoredJob, status: JobStatus) {
    job.status = status;
    job.locked_by = None;
    job.locked_until = None;
}

impl JobStore for MemoryJobStore {
    async fn claim_due(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<Job>, StorageError> {
        let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        let mut jobs = self.lock();
        let mut due: Vec<&mut StoredJob> = jobs
            .iter_mut()
            .filter(|job| match job.status {
                JobStatus::Pending => job.run_at <= now,
                JobStatus::Running => job.locked_until.is_some_and(|until| until < now),
                JobStatus::Done | JobStatus::Dead => false,
            })
            .collect();
        due.sort_by_key(|job| job.run_at);
        let take = usize::try_from(limit.max(0)).unwrap_or(usize::MAX);
        Ok(due
            .into_iter()
            .take(take)
            .map(|job| {
                job.status = JobStatus::Running;
                job.locked_by = Some(worker.to_owned());
                job.locked_until = Some(now + lease);
                job.attempts += 1;
                Job {
                    id: job.id,
                    kind: job.kind.clone(),
                    payload: job.payload.clone(),
                    run_at: job.run_at,
                    attempts: job.attempts,
                    max_attempts: job.max_attempts,
                }
            })
            .collect())
    }

    async fn complete(&self, job_id: i64, worker: &str) -> Result<(), StorageError> {
        self.if_held(job_id, worker, |job| unlock(job, JobStatus::Done));
        Ok(())
    }

    async fn fail(
        &self,
        job_id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError> {
        self.if_held(job_id, worker, |job| {
            job.last_error = Some(error.to_owned());
            match retry_at {
                Some(at) => {
                    unlock(job, JobStatus::Pending);
                    job.run_at = at;
                }
                None => unlock(job, JobStatus::Dead),
            }
        });
        Ok(())
    }

    async fn renew(
        &self,
        job_id: i64,
        worker: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        Ok(self.if_held(job_id, worker, |job| job.locked_until = Some(until)))
    }

    async fn release(&self, job_id: i64, worker: &str) -> Result<(), StorageError> {
        self.if_held(job_id, worker, |job| {
            unlock(job, JobStatus::Pending);
            job.attempts = (job.attempts - 1).max(0);
        });
        Ok(())
    }

    async fn enqueue(&self, jobs: &[NewJob]) -> Result<usize, StorageError> {
        let mut inserted = 0;
        for job in jobs {
            let taken = self.one_live_per_order.contains(&job.kind)
                && job.order_id.is_some()
                && self.lock().iter().any(|live| {
                    live.is_live() && live.kind == job.kind && live.order_id == job.order_id
                });
            if !taken {
                self.push(job.clone());
                inserted += 1;
            }
        }
        Ok(inserted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(kind: &str, order_id: Option<i64>, run_at: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: kind.into(),
            payload: json!({}),
            run_at,
            max_attempts: 3,
            order_id,
        }
    }

    #[tokio::test]
    async fn claims_due_jobs_in_order_and_only_the_holder_settles_them() {
        let store = MemoryJobStore::new();
        let now = Utc::now();
        let later = store.push(job("a", None, now - chrono::Duration::seconds(1)));
        let first = store.push(job("a", None, now - chrono::Duration::seconds(5)));
        let future = store.push(job("a", None, now + chrono::Duration::hours(1)));
        let lease = Duration::from_secs(30);
        let claimed = store.claim_due("w1", now, 10, lease).await.unwrap();
        let ids: Vec<i64> = claimed.iter().map(|j| j.id).collect();
        assert_eq!(ids, vec![first, later]);
        assert_eq!(claimed[0].attempts, 1);
        // Held: another worker cannot claim or settle them.
        assert!(store
            .claim_due("w2", now, 10, lease)
            .await
            .unwrap()
            .is_empty());
        store.complete(first, "w2").await.unwrap();
        assert_eq!(store.job(first).unwrap().status, JobStatus::Running);
        store.complete(first, "w1").await.unwrap();
        assert_eq!(store.job(first).unwrap().status, JobStatus::Done);
        assert_eq!(store.job(future).unwrap().status, JobStatus::Pending);
        // A lease that expired is claimed again by another worker, with the attempt counted.
        let after = now + chrono::Duration::seconds(31);
        let reclaimed = store.claim_due("w2", after, 10, lease).await.unwrap();
        assert_eq!(reclaimed.len(), 1);
        assert_eq!((reclaimed[0].id, reclaimed[0].attempts), (later, 2));
        assert!(!store.renew(later, "w1", after).await.unwrap());
    }

    #[tokio::test]
    async fn failures_retry_or_die_and_a_release_gives_the_attempt_back() {
        let store = MemoryJobStore::new();
        let now = Utc::now();
        let id = store.push(job("a", None, now));
        let lease = Duration::from_secs(30);
        store.claim_due("w", now, 1, lease).await.unwrap();
        let retry_at = now + chrono::Duration::seconds(10);
        store.fail(id, "w", "boom", Some(retry_at)).await.unwrap();
        let stored = store.job(id).unwrap();
        assert_eq!(
            (stored.status, stored.run_at, stored.last_error.as_deref()),
            (JobStatus::Pending, retry_at, Some("boom"))
        );
        store.claim_due("w", retry_at, 1, lease).await.unwrap();
        store.release(id, "w").await.unwrap();
        assert_eq!(store.job(id).unwrap().attempts, 1);
        store.claim_due("w", retry_at, 1, lease).await.unwrap();
        store.fail(id, "w", "fatal", None).await.unwrap();
        assert_eq!(store.job(id).unwrap().status, JobStatus::Dead);
    }

    #[tokio::test]
    async fn enqueue_keeps_one_live_job_per_order_where_asked() {
        let store = MemoryJobStore::new().one_live_per_order("order_timeout");
        let now = Utc::now();
        let jobs = [
            job("order_timeout", Some(7), now),
            job("order_timeout", Some(7), now),
            job("trade_close", Some(7), now),
            job("trade_close", Some(7), now),
        ];
        assert_eq!(store.enqueue(&jobs).await.unwrap(), 3);
    }
}
