//! The read replica as Prometheus sees it: whether catalog reads use it, its replay lag, and
//! how many reads fell back to the primary. Read from the monitor's state at each scrape.

use anyhow::Context;
use prometheus::{IntGauge, Registry};

/// The replica's gauges.
#[derive(Clone)]
pub struct ReplicaMetrics {
    in_use: IntGauge,
    lag_ms: IntGauge,
    fallback_reads: IntGauge,
}

impl ReplicaMetrics {
    /// Registers the gauges.
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let metrics = Self {
            in_use: IntGauge::new(
                "luffy_replica_in_use",
                "1 while catalog reads go to the read replica, 0 while they fall back to the primary",
            )?,
            lag_ms: IntGauge::new(
                "luffy_replica_lag_milliseconds",
                "The replica's replay lag as last measured (-1: unreachable)",
            )?,
            fallback_reads: IntGauge::new(
                "luffy_replica_fallback_reads_total",
                "Catalog reads served by the primary because the replica was down or behind",
            )?,
        };
        for gauge in [&metrics.in_use, &metrics.lag_ms, &metrics.fallback_reads] {
            registry
                .register(Box::new(gauge.clone()))
                .context("registering the replica gauges")?;
        }
        Ok(metrics)
    }

    /// Copies the monitor's state into the gauges.
    pub fn observe(&self, state: &luffy_store::replica::ReplicaState) {
        self.in_use.set(i64::from(state.in_use()));
        self.lag_ms.set(state.lag_ms());
        self.fallback_reads
            .set(i64::try_from(state.fallback_reads()).unwrap_or(i64::MAX));
    }
}
