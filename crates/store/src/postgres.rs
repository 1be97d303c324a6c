//! The PostgreSQL connection pool with explicit timeouts (crates.io style).

use std::time::Duration;

use anyhow::Context;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::AsyncPgConnection;
use luffy_common::StorageError;

use crate::errors::pg_pool_error;

/// A pool of async PostgreSQL connections; cheap to clone.
pub type PgPool = Pool<AsyncPgConnection>;

/// A connection checked out of [`PgPool`].
pub type PgConn = Object<AsyncPgConnection>;

/// Pool sizing and timeouts; the defaults suit a two-core machine.
#[derive(Debug, Clone)]
pub struct PgPoolSettings {
    /// Maximum open connections.
    pub max_size: usize,
    /// How long a request waits for a free connection before it gets a 503.
    pub wait_timeout: Duration,
    /// How long opening a new connection may take.
    pub create_timeout: Duration,
    /// How long checking a returned connection may take.
    pub recycle_timeout: Duration,
    /// Server-side limit of one statement (`SET statement_timeout` on every new connection);
    /// zero means none. A statement over it fails, and the request gets a 503.
    pub statement_timeout: Duration,
}

impl Default for PgPoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            wait_timeout: Duration::from_secs(5),
            create_timeout: Duration::from_secs(5),
            recycle_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

/// Builds the pool. Connections open lazily, so this succeeds even if PostgreSQL is down;
/// requests then get 503 until it is back.
pub fn build_pg_pool(database_url: &str, settings: &PgPoolSettings) -> anyhow::Result<PgPool> {
    // No test query on every checkout (it was one extra round trip per request): a connection
    // whose socket closed or whose transaction broke is still dropped at recycle, and one that
    // died unnoticed fails its request with 503 and is then discarded.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let statement_timeout_ms = settings.statement_timeout.as_millis();
    config.custom_setup = Box::new(move |url| {
        Box::pin(async move {
            use diesel_async::{AsyncConnection, SimpleAsyncConnection};
            let mut conn = AsyncPgConnection::establish(url).await?;
            if statement_timeout_ms > 0 {
                conn.batch_execute(&format!("SET statement_timeout = {statement_timeout_ms}"))
                    .await
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            }
            Ok(conn)
        })
    });
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(settings.max_size)
        .wait_timeout(Some(settings.wait_timeout))
        .create_timeout(Some(settings.create_timeout))
        .recycle_timeout(Some(settings.recycle_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the PostgreSQL pool")
}

/// Checks out a connection, reporting failure as `StorageError::Unavailable`.
pub async fn connection(pool: &PgPool) -> Result<PgConn, StorageError> {
    pool.get().await.map_err(pg_pool_error)
}

/// Readiness probe: a connection can be checked out and answers `SELECT 1`.
pub async fn ping(pool: &PgPool) -> bool {
    use diesel_async::RunQueryDsl;
    let Ok(mut conn) = pool.get().await else {
        return false;
    };
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .is_ok()
}
