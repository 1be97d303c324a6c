//! The worker loop: claim due jobs, run them with bounded concurrency while renewing their
//! leases, record the outcome with backoff, and shut down gracefully (finish or release).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use luffy_common::{Clock, SystemClock};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::job::{Job, JobError};
use crate::retry::RetryPolicy;
use crate::store::JobStore;

/// A boxed handler future (handlers are stored by kind, so they are trait objects).
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'a>>;

/// Runs one kind of job. Handlers must be idempotent: a job can run again after a crash.
pub trait JobHandler: Send + Sync {
    /// Runs the job.
    fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a>;
}

/// A task the worker runs every `periodic_interval` (the sweep for orders without a job).
pub trait PeriodicTask: Send + Sync {
    /// Runs once; errors are logged and the task runs again next interval.
    fn run(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>>;
}

/// Hooks for metrics.
pub trait WorkerObserver: Send + Sync {
    /// A job finished one attempt with `outcome` `done`, `retry` or `dead`.
    fn job_finished(&self, kind: &str, outcome: &str);
}

struct NoObserver;

impl WorkerObserver for NoObserver {
    fn job_finished(&self, _kind: &str, _outcome: &str) {}
}

/// Worker settings.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Unique per worker process (host + pid + random is a good choice).
    pub worker_id: String,
    /// How long an idle worker waits before polling again (a due job is picked up within
    /// one poll interval, default 1 s).
    pub poll_interval: Duration,
    /// Most jobs claimed per poll.
    pub batch_size: i64,
    /// Most jobs running at once.
    pub concurrency: usize,
    /// How long a claim lasts without renewal; a crashed worker's jobs come back after it.
    pub lease: Duration,
    /// Backoff between failed attempts.
    pub retry: RetryPolicy,
    /// How often periodic tasks run.
    pub periodic_interval: Duration,
    /// On shutdown, how long running jobs may finish before they are released.
    pub shutdown_grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            worker_id: format!("worker-{}", std::process::id()),
            poll_interval: Duration::from_secs(1),
            batch_size: 16,
            concurrency: 8,
            lease: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            periodic_interval: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// A job worker over a [`JobStore`].
pub struct Worker<S> {
    store: Arc<S>,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    periodic: Vec<Arc<dyn PeriodicTask>>,
    observer: Arc<dyn WorkerObserver>,
    clock: Arc<dyn Clock>,
    config: WorkerConfig,
}

struct Shared<S> {
    store: Arc<S>,
    clock: Arc<dyn Clock>,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    observer: Arc<dyn WorkerObserver>,
    config: WorkerConfig,
    running: Mutex<HashSet<i64>>,
}

impl<S: JobStore> Worker<S> {
    /// A worker with no handlers yet.
    pub fn new(store: Arc<S>, config: WorkerConfig) -> Self {
        Self {
            store,
            handlers: HashMap::new(),
            periodic: Vec::new(),
            observer: Arc::new(NoObserver),
            clock: Arc::new(SystemClock),
            config,
        }
    }

    /// Uses this clock for claims, leases and retry times (the system clock by default).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Registers the handler of a job kind.
    pub fn handle(mut self, kind: &str, handler: Arc<dyn JobHandler>) -> Self {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// Registers a periodic task.
    pub fn periodic(mut self, task: Arc<dyn PeriodicTask>) -> Self {
        self.periodic.push(task);
        self
    }

    /// Registers the metrics observer.
    pub fn observe(mut self, observer: Arc<dyn WorkerObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// Runs until `shutdown` becomes true, then lets running jobs finish for
    /// `shutdown_grace` and releases the rest. Dropping (aborting) this future aborts every
    /// running job without releasing it: its lease then expires and another worker retries it.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let shared = Arc::new(Shared {
            store: self.store,
            clock: self.clock,
            handlers: self.handlers,
            observer: self.observer,
            config: self.config,
            running: Mutex::new(HashSet::new()),
        });
        let config = shared.config.clone();
        let semaphore = Arc::new(Semaphore::new(config.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        let mut next_periodic = tokio::time::Instant::now();
        tracing::info!(worker = %config.worker_id, "job worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            while tasks.try_join_next().is_some() {}
            if tokio::time::Instant::now() >= next_periodic {
                for task in &self.periodic {
                    if let Err(error) = task.run().await {
                        tracing::warn!(%error, "periodic task failed");
                    }
                }
                next_periodic = tokio::time::Instant::now() + config.periodic_interval;
            }
            let free = i64::try_from(semaphore.available_permits()).unwrap_or(0);
            let mut claimed = 0;
            if free > 0 {
                match shared
                    .store
                    .claim_due(
                        &config.worker_id,
                        shared.clock.now(),
                        free.min(config.batch_size),
                        config.lease,
                    )
                    .await
                {
                    Ok(jobs) => {
                        for job in jobs {
                            let Ok(permit) = semaphore.clone().acquire_owned().await else {
                                break;
                            };
                            claimed += 1;
                            if let Ok(mut running) = shared.running.lock() {
                                running.insert(job.id);
                            }
                            let shared = shared.clone();
                            tasks.spawn(async move {
                                let id = job.id;
                                run_job(&shared, job).await;
                                if let Ok(mut running) = shared.running.lock() {
                                    running.remove(&id);
                                }
                                drop(permit);
                            });
                        }
                    }
                    Err(error) => {
                        tracing::warn!(error = %error_chain(&error), "claiming jobs failed")
                    }
                }
            }
            if claimed < config.batch_size.min(free.max(1)) {
                tokio::select! {
                    _ = tokio::time::sleep(config.poll_interval) => {}
                    _ = shutdown.changed() => {}
                    Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                }
            }
        }
        tracing::info!(worker = %config.worker_id, running = tasks.len(), "job worker stopping");
        let drained = tokio::time::timeout(config.shutdown_grace, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
            let left: Vec<i64> = shared
                .running
                .lock()
                .map(|r| r.iter().copied().collect())
                .unwrap_or_default();
            for id in left {
                if let Err(error) = shared.store.release(id, &config.worker_id).await {
                    tracing::warn!(error = %error_chain(&error), job = id, "could not release a job; its lease will expire");
                }
            }
        }
        tracing::info!(worker = %config.worker_id, "job worker stopped");
    }
}

async fn run_job<S: JobStore>(shared: &Shared<S>, job: Job) {
    let config = &shared.config;
    let worker = config.worker_id.as_str();
    let outcome = if job.attempts > job.max_attempts {
        Err(JobError::Fatal(format!(
            "attempts exhausted ({} of {})",
            job.attempts - 1,
            job.max_attempts
        )))
    } else {
        match shared.handlers.get(&job.kind) {
            None => Err(JobError::Fatal(format!(
                "no handler for job kind {}",
                job.kind
            ))),
            Some(handler) => {
                let renew = async {
                    let period = (config.lease / 3).max(Duration::from_millis(50));
                    loop {
                        tokio::time::sleep(period).await;
                        let until = shared.clock.now()
                            + chrono::Duration::from_std(config.lease).unwrap_or_default();
                        match shared.store.renew(job.id, worker, until).await {
                            Ok(true) => {}
                            Ok(false) => tracing::warn!(
                                job = job.id,
                                "lease lost; another worker may run this job"
                            ),
                            Err(error) => {
                                tracing::warn!(%error, job = job.id, "lease renewal failed")
                            }
                        }
                    }
                };
                tokio::select! {
                    result = handler.run(&job) => result,
                    () = renew => Ok(()),
                }
            }
        }
    };
    let recorded = match &outcome {
        Ok(()) => {
            // One line per finished job: which worker did what, for operators following a
            // job across several workers.
            tracing::info!(worker, job = job.id, kind = %job.kind, "job done");
            shared.observer.job_finished(&job.kind, "done");
            shared.store.complete(job.id, worker).await
        }
        Err(JobError::Retry(error))
            if !RetryPolicy::is_exhausted(job.attempts, job.max_attempts) =>
        {
            let delay = config.retry.delay_after(job.attempts);
            let retry_at =
                shared.clock.now() + chrono::Duration::from_std(delay).unwrap_or_default();
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, %error, "job failed; will retry");
            shared.observer.job_finished(&job.kind, "retry");
            shared
                .store
                .fail(job.id, worker, error, Some(retry_at))
                .await
        }
        Err(error) => {
            tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempts, %error, "job is dead");
            shared.observer.job_finished(&job.kind, "dead");
            shared
                .store
                .fail(job.id, worker, &error.to_string(), None)
                .await
        }
    };
    if let Err(error) = recorded {
        tracing::warn!(error = %error_chain(&error), job = job.id, "could not record a job outcome; its lease will expire");
    }
}

/// An error with every cause after it (`outer: inner: root`), so a warning shows what actually
/// failed, not only the outermost context.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod error_chain_tests {
    use super::error_chain;

    #[derive(Debug, thiserror::Error)]
    #[error("claiming expired jobs")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn shows_every_cause() {
        let error = Outer(std::io::Error::other("connection refused"));
        assert_eq!(
            error_chain(&error),
            "claiming expired jobs: connection refused"
        );
    }
}
