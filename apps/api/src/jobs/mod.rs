//! Wiring the scheduler (SPEC 2.8): the PostgreSQL job store, the order's handlers and sweep
//! (from `luffy-order`) over the payment channels' adapters and the order and payment services,
//! and metrics. Runs embedded in `luffy serve` or alone as
//! `luffy worker`; any number may run at once.

pub mod metrics;
pub mod reconcile;

use std::sync::Arc;
use std::time::Duration;

use luffy_order::handlers::{
    ExpiredOrderSweep, OrderTimeoutHandler, TradeCloseHandler, TradeRefundHandler,
};
use luffy_order::jobs::{
    LEGACY_ALIPAY_CLOSE, LEGACY_ALIPAY_REFUND, ORDER_TIMEOUT, RECONCILE, TRADE_CLOSE, TRADE_REFUND,
};
use luffy_scheduler::{RetryPolicy, Worker, WorkerConfig};
use luffy_store::PgJobs;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::AppState;

/// A running worker and the switch that stops it.
pub struct RunningWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningWorker {
    /// Asks the worker to stop (running jobs finish or are released) and waits.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Aborts the worker at once, like a crash: held jobs come back after their lease.
    pub fn abort(self) {
        self.task.abort();
    }
}

/// The worker configuration from settings.
pub fn worker_config(state: &AppState) -> WorkerConfig {
    let settings = &state.settings;
    WorkerConfig {
        worker_id: format!(
            "{}-{}-{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "luffy".into()),
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ),
        poll_interval: Duration::from_millis(settings.worker_poll_ms),
        batch_size: 16,
        concurrency: settings.worker_concurrency,
        lease: Duration::from_secs(settings.worker_lease_secs),
        retry: RetryPolicy {
            base: Duration::from_millis(settings.job_retry_base_ms),
            max: Duration::from_secs(3600),
        },
        periodic_interval: Duration::from_secs(settings.sweep_interval_secs),
        shutdown_grace: Duration::from_secs(10),
    }
}

/// Builds a worker with every handler registered.
pub fn build_worker(state: &AppState, config: WorkerConfig) -> Worker<PgJobs> {
    let close = Arc::new(TradeCloseHandler {
        gateways: state.gateways.clone(),
    });
    let refund = Arc::new(TradeRefundHandler {
        gateways: state.gateways.clone(),
        orders: state.orders.clone(),
        refunds: state.refunds.clone(),
    });
    state
        .jobs
        .worker(config)
        .handle(
            ORDER_TIMEOUT,
            Arc::new(OrderTimeoutHandler {
                gateways: state.gateways.clone(),
                orders: state.orders.clone(),
                payments: state.payments.clone(),
                events: state.business.clone(),
            }),
        )
        .handle(TRADE_CLOSE, close.clone())
        .handle(LEGACY_ALIPAY_CLOSE, close)
        .handle(TRADE_REFUND, refund.clone())
        .handle(LEGACY_ALIPAY_REFUND, refund)
        .handle(
            RECONCILE,
            Arc::new(reconcile::ReconcileHandler {
                service: state.reconciliations.clone(),
                store: state.reconciliation_store.clone(),
                metrics: state.business.clone(),
            }),
        )
        .periodic(Arc::new(ExpiredOrderSweep {
            orders: state.orders.clone(),
            jobs: state.jobs.queue(),
        }))
        .observe(Arc::new(state.job_metrics.clone()))
}

/// Starts a worker in the background.
pub fn spawn_worker(state: &AppState) -> RunningWorker {
    let (stop, receiver) = watch::channel(false);
    let worker = build_worker(state, worker_config(state));
    // The daily reconciliation jobs exist once a worker does (idempotent across instances).
    let ensure = state.clone();
    tokio::spawn(async move { reconcile::ensure_daily_jobs(&ensure).await });
    let task = tokio::spawn(worker.run(receiver));
    RunningWorker { stop, task }
}
