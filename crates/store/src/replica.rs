//! A streaming replica for catalog reads, used only while it is close enough behind.
//!
//! Browsing (directions, categories, course lists, the course page and its chapters) can be a
//! second or so stale, so it may read from a replica and spare the primary. Everything that
//! decides, and everything a buyer reads right after writing, stays on the primary. A monitor
//! task asks the replica twice a second how far its replay lags (PostgreSQL's replay
//! timestamps; zero while everything received is replayed); while it is unreachable or lags more
//! than the limit, reads go to the primary, each one counted, and the switch is logged.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::sql_types::BigInt;
use luffy_common::StorageError;

use crate::postgres::{connection, PgConn, PgPool};

/// How often the monitor measures the replica's lag.
pub const LAG_CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// Where catalog reads go: the replica while it is healthy, else the primary.
#[derive(Clone)]
pub struct ReplicaReads {
    pool: PgPool,
    state: Arc<ReplicaState>,
}

/// What the monitor last saw, and how many reads fell back; shared by every clone.
#[derive(Debug, Default)]
pub struct ReplicaState {
    in_use: AtomicBool,
    lag_ms: AtomicI64,
    fallback_reads: AtomicU64,
}

impl ReplicaState {
    /// Whether catalog reads go to the replica right now.
    pub fn in_use(&self) -> bool {
        self.in_use.load(Ordering::Relaxed)
    }

    /// The replay lag last measured, in milliseconds (-1: unreachable).
    pub fn lag_ms(&self) -> i64 {
        self.lag_ms.load(Ordering::Relaxed)
    }

    /// Catalog reads served by the primary because the replica was down or behind.
    pub fn fallback_reads(&self) -> u64 {
        self.fallback_reads.load(Ordering::Relaxed)
    }
}

#[derive(diesel::QueryableByName)]
struct Lag {
    #[diesel(sql_type = BigInt)]
    lag_ms: i64,
}

/// Replay lag in milliseconds: zero while everything received has been replayed (an idle
/// primary writes nothing, so the last replay timestamp ages without any lag), else the age of
/// the last replayed transaction. Fails on a server that is not a standby.
const LAG_SQL: &str = "SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN NULL
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE((EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000)::bigint, 0)
    END AS lag_ms";

impl ReplicaReads {
    /// Reads from `pool` while it lags at most `max_lag`; starts the monitor task on the
    /// current Tokio runtime (it ends when every clone is dropped). Until the first check
    /// answers, reads go to the primary.
    pub fn start(pool: PgPool, max_lag: Duration) -> Self {
        let reads = Self {
            pool,
            state: Arc::new(ReplicaState::default()),
        };
        reads.state.lag_ms.store(-1, Ordering::Relaxed);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(monitor(
                reads.pool.clone(),
                Arc::downgrade(&reads.state),
                max_lag,
            ));
        }
        reads
    }

    /// What the monitor sees (for metrics and readiness).
    pub fn state(&self) -> &ReplicaState {
        &self.state
    }

    /// A connection for a catalog read: the replica's while it is in use and hands one out,
    /// else the primary's (counted).
    pub(crate) async fn connection(&self, primary: &PgPool) -> Result<PgConn, StorageError> {
        if self.state.in_use() {
            match connection(&self.pool).await {
                Ok(conn) => return Ok(conn),
                Err(error) => {
                    if self.state.in_use.swap(false, Ordering::Relaxed) {
                        tracing::warn!(error = %error, "replica unavailable: catalog reads go to the primary");
                    }
                }
            }
        }
        self.state.fallback_reads.fetch_add(1, Ordering::Relaxed);
        connection(primary).await
    }
}

async fn measure(pool: &PgPool) -> Option<i64> {
    // Scoped: its `load` would shadow the atomics' own.
    use diesel_async::RunQueryDsl;
    let mut conn = connection(pool).await.ok()?;
    let lag: Lag = diesel::sql_query(LAG_SQL)
        .get_result(&mut conn)
        .await
        .ok()?;
    Some(lag.lag_ms)
}

async fn monitor(pool: PgPool, state: Weak<ReplicaState>, max_lag: Duration) {
    let max_lag_ms = i64::try_from(max_lag.as_millis()).unwrap_or(i64::MAX);
    let mut ticks = tokio::time::interval(LAG_CHECK_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let lag = measure(&pool).await;
        let Some(state) = state.upgrade() else {
            return;
        };
        state.lag_ms.store(lag.unwrap_or(-1), Ordering::Relaxed);
        let healthy = lag.is_some_and(|lag| lag <= max_lag_ms);
        let was = state.in_use.swap(healthy, Ordering::Relaxed);
        match (was, healthy, lag) {
            (false, true, _) => tracing::info!("replica caught up: catalog reads go to it"),
            (true, false, Some(lag)) => {
                tracing::warn!(
                    lag_ms = lag,
                    max_lag_ms,
                    "replica lags: catalog reads go to the primary"
                );
            }
            (true, false, None) => {
                tracing::warn!("replica unreachable: catalog reads go to the primary");
            }
            _ => {}
        }
    }
}
