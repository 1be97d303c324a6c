//! Draining an instance before it stops, so a rolling deploy loses nothing.
//!
//! On SIGTERM the instance first says it is not ready (`/readyz` answers 503) while it keeps
//! serving for `LUFFY_SHUTDOWN_DRAIN_SECS`, longer than a load balancer's check interval, so the
//! balancer stops sending it new requests before it stops listening. Meanwhile every answer
//! carries `Connection: close`, so clients' keep-alive connections end after their current
//! request instead of being cut later. Only then does the server stop accepting, finish
//! in-flight requests and close. The flag is this instance's own state: no other instance needs
//! it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Whether this instance is draining; cloning shares the flag.
#[derive(Debug, Clone, Default)]
pub struct Drain(Arc<AtomicBool>);

impl Drain {
    /// Starts draining: readiness fails from now on.
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether draining has started.
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
