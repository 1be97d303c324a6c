//! What a job is.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for `run_at`.
    Pending,
    /// Claimed by a worker until `locked_until`.
    Running,
    /// Finished.
    Done,
    /// Failed `max_attempts` times (or fatally); needs an operator.
    Dead,
}

impl JobStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "running" => Some(Self::Running),
            "done" => Some(Self::Done),
            "dead" => Some(Self::Dead),
            _ => None,
        }
    }
}

/// A claimed job, as a handler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// Which handler runs it (`order_timeout`, `trade_close`, `trade_refund`, ...).
    pub kind: String,
    /// Handler input.
    pub payload: Value,
    /// When it became due.
    pub run_at: DateTime<Utc>,
    /// Attempts including this one.
    pub attempts: i32,
    /// After this many failed attempts the job is dead.
    pub max_attempts: i32,
}

impl Job {
    /// An integer field of the payload.
    pub fn payload_i64(&self, key: &str) -> Result<i64, JobError> {
        self.payload
            .get(key)
            .and_then(Value::as_i64)
            .ok_or_else(|| JobError::Fatal(format!("payload has no integer {key}")))
    }
}

/// A job to insert (in the caller's transaction).
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Handler name.
    pub kind: String,
    /// Handler input.
    pub payload: Value,
    /// When it becomes due.
    pub run_at: DateTime<Utc>,
    /// Attempts before it is dead.
    pub max_attempts: i32,
    /// The order it concerns, if any (lets the sweep find orders without a job).
    pub order_id: Option<i64>,
}

/// How a handler failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth retrying later (gateway down, database busy).
    #[error("retryable: {0}")]
    Retry(String),
    /// Retrying cannot help (bad payload): the job goes dead at once.
    #[error("fatal: {0}")]
    Fatal(String),
}
