//! Durable delayed jobs kept in PostgreSQL: the job model, retry with exponential
//! backoff and a dead state, the [`JobStore`] port, the [`Worker`] loop that claims due jobs
//! (the adapter uses `FOR UPDATE SKIP LOCKED`), runs handlers with bounded concurrency, renews
//! leases and shuts down gracefully. It knows nothing of orders: the business handlers (luffy's
//! order timeout, trade close and refund live in `luffy-order`) register by job kind.
//!
//! Unlike a broker message sent after a commit, a job is inserted in the same transaction as the
//! state that needs it, so an order and its timeout exist together or not at all.
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod job;
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
