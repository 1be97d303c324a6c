//! The scheduler's use cases for the application: counts for operators and metrics, and the
//! worker over the job store.

use std::sync::Arc;

use luffy_common::{Clock, Page, PageRequest, StorageError, UserId};

use crate::store::{DeadJob, JobAdminStore, JobCounts, JobStore, RetryError};
use crate::worker::{Worker, WorkerConfig};

/// Jobs as the application sees them.
pub struct JobService<J, K> {
    store: Arc<J>,
    clock: K,
}

impl<J, K: Clone> Clone for JobService<J, K> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            clock: self.clock.clone(),
        }
    }
}

impl<J: JobStore, K: Clock> JobService<J, K> {
    /// Wires the store and the clock.
    pub fn new(store: J, clock: K) -> Self {
        Self {
            store: Arc::new(store),
            clock,
        }
    }

    /// A worker over this store, on this service's clock; register handlers on it, then run
    /// it.
    pub fn worker(&self, config: WorkerConfig) -> Worker<J>
    where
        K: Clone + 'static,
    {
        Worker::new(self.store.clone(), config).clock(Arc::new(self.clock.clone()))
    }

    /// The store, for periodic tasks that enqueue jobs on their own (a repair sweep).
    pub fn queue(&self) -> Arc<J> {
        self.store.clone()
    }
}

impl<J: JobAdminStore, K: Clock> JobService<J, K> {
    /// Counts by kind and status, the lag, and the dead jobs, as of now.
    pub async fn counts(&self) -> Result<JobCounts, StorageError> {
        self.store.counts(self.clock.now()).await
    }

    /// Dead jobs, newest first.
    pub async fn dead(&self, page: PageRequest) -> Result<Page<DeadJob>, StorageError> {
        self.store.dead(page).await
    }

    /// An operator sends a dead job again, due now with its attempts reset.
    pub async fn retry(&self, actor: UserId, job_id: i64) -> Result<(), RetryError> {
        self.store.retry(actor, job_id, self.clock.now()).await
    }
}
