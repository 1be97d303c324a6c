//! The periodic sweep: unpaid orders past expiry with no pending timeout job get one.

use std::future::Future;
use std::pin::Pin;

use chrono::Utc;
use luffy_scheduler::worker::PeriodicTask;
use luffy_store::PgJobs;

/// SPEC 2.8 defence in depth.
pub struct ExpiredOrderSweep(pub PgJobs);

impl PeriodicTask for ExpiredOrderSweep {
    fn run(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(async move {
            let created = self
                .0
                .sweep_expired_orders(Utc::now())
                .await
                .map_err(|e| luffy_scheduler::worker::error_chain(&e))?;
            if created > 0 {
                tracing::warn!(
                    created,
                    "sweep found unpaid expired orders without a timeout job"
                );
            }
            Ok(())
        })
    }
}
