//! Durable delayed jobs kept in PostgreSQL (SPEC 2.8): the job model, retry with exponential
//! backoff, the `JobStore` port and the worker loop that runs order timeouts, trade closes and
//! late-payment refunds.
//!
//! Filled by the scheduler issue.
