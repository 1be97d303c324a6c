//! Durable delayed jobs kept in PostgreSQL: the job model, retry with exponential
//! backoff and a dead state, the [`JobStore`] port, the [`Worker`] loop that claims due jobs
//! (the adapter uses `FOR UPDATE SKIP LOCKED`), runs handlers with bounded concurrency, renews
//! leases and shuts down gracefully. It knows nothing of orders: the business handlers (luffy's
//! order timeout, trade close and refund live in `luffy-order`) register by job kind.
//!
//! Unlike a broker message sent after a commit, a job is inserted in the same transaction as the
//! state that needs it, so an order and its timeout exist together or not at all.
//!
//! A worker over the in-memory store of the `test-util` feature: a job inserted now runs
//! once its handler is registered, and the store shows it done.
//!
//! ```
//! # #[cfg(feature = "test-util")]
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use luffy_scheduler::memory::MemoryJobStore;
//! use luffy_scheduler::worker::HandlerFuture;
//! use luffy_scheduler::{watch, Job, JobHandler, JobStatus, NewJob, Worker, WorkerConfig};
//!
//! struct SayHello;
//! impl JobHandler for SayHello {
//!     fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a> {
//!         Box::pin(async move {
//!             assert_eq!(job.payload["to"], "luffy");
//!             Ok(())
//!         })
//!     }
//! }
//!
//! let store = Arc::new(MemoryJobStore::new());
//! let id = store.push(NewJob {
//!     kind: "hello".into(),
//!     payload: luffy_scheduler::serde_json::json!({"to": "luffy"}),
//!     run_at: luffy_scheduler::chrono::Utc::now(),
//!     max_attempts: 3,
//!     order_id: None,
//! });
//! let config = WorkerConfig {
//!     poll_interval: Duration::from_millis(10),
//!     ..WorkerConfig::default()
//! };
//! let worker = Worker::new(store.clone(), config).handle("hello", Arc::new(SayHello));
//! let (stop, stopped) = watch::channel(false);
//! let running = tokio::spawn(worker.run(stopped));
//! while store.job(id).unwrap().status != JobStatus::Done {
//!     tokio::time::sleep(Duration::from_millis(10)).await;
//! }
//! stop.send(true).unwrap();
//! running.await.unwrap();
//! # });
//! ```
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod job;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod retry;
pub mod service;
pub mod store;
pub mod worker;

pub use job::{Job, JobError, JobStatus, NewJob};
pub use retry::RetryPolicy;
pub use service::JobService;
pub use store::{
    DeadJob, DeadJobSummary, JobAdminStore, JobCounts, JobStore, KindCount, RetryError,
};
pub use worker::{JobHandler, Worker, WorkerConfig, WorkerObserver};

// Foreign types in the public signatures: `Worker::run` takes a watch receiver, jobs carry
// JSON payloads and UTC times.
pub use chrono;
pub use serde_json;
pub use tokio::sync::watch;
