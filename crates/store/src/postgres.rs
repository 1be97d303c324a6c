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
use crate::round_trip_deadline::DeadlineStream;
use crate::thread_pools::ThreadPools;

/// A pool of async PostgreSQL connections, one per serving thread (see
/// [`crate::thread_pools`]); cheap to clone.
#[derive(Clone)]
pub struct PgPool {
    pools: ThreadPools<Pool<AsyncPgConnection>>,
}

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
    /// The server-side limit of one statement, which `luffy migrate` writes as the database's
    /// own `statement_timeout` (no per-connection `SET`: a transaction pooler would apply it to
    /// whichever client next used that server connection). Every round trip also gets a
    /// client-side deadline of this plus [`ROUND_TRIP_MARGIN`], so a frozen server or pooler
    /// answers 503 in bounded time. Zero means neither.
    pub statement_timeout: Duration,
    /// How many threads serve requests with connections of their own (the HTTP workers, see
    /// [`crate::thread_pools`]): each gets `max_size / serving_threads` of them (rounded up),
    /// and the other threads share a pool of `max_size`.
    pub serving_threads: usize,
    /// Every transaction read-only (`default_transaction_read_only`, sent as a startup option):
    /// for a replica's pool, so a write sent there by mistake fails instead of being attempted.
    pub read_only: bool,
}

impl Default for PgPoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            wait_timeout: Duration::from_secs(5),
            create_timeout: Duration::from_secs(5),
            recycle_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
            serving_threads: 1,
            read_only: false,
        }
    }
}

/// Builds the pool. Connections open lazily, so this succeeds even if PostgreSQL is down;
/// requests then get 503 until it is back.
pub fn build_pg_pool(database_url: &str, settings: &PgPoolSettings) -> anyhow::Result<PgPool> {
    // No test query on every checkout (it was one extra round trip per request): a connection
    // whose socket closed or whose transaction broke is still dropped at recycle, and one that
    // died unnoticed fails its request with 503 and is then discarded.
    let url = database_url.to_owned();
    let settings = settings.clone();
    let pools = ThreadPools::build(settings.max_size, settings.serving_threads, move |size| {
        build_one_pool(&url, &settings, size)
    })?;
    Ok(PgPool { pools })
}

fn build_one_pool(
    database_url: &str,
    settings: &PgPoolSettings,
    max_size: usize,
) -> anyhow::Result<Pool<AsyncPgConnection>> {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let deadline = round_trip_deadline(settings.statement_timeout);
    let read_only = settings.read_only;
    config.custom_setup =
        Box::new(move |url| Box::pin(async move { connect(url, deadline, read_only).await }));
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(settings.wait_timeout))
        .create_timeout(Some(settings.create_timeout))
        .recycle_timeout(Some(settings.recycle_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the PostgreSQL pool")
}

/// How much longer than the statement timeout a round trip may take before the client gives
/// up: the server's own timeout answers first whenever the server is alive.
pub const ROUND_TRIP_MARGIN: Duration = Duration::from_secs(1);

/// The client-side deadline of one round trip for a statement timeout (none for zero).
pub fn round_trip_deadline(statement_timeout: Duration) -> Option<Duration> {
    (!statement_timeout.is_zero()).then(|| statement_timeout + ROUND_TRIP_MARGIN)
}

/// Opens a connection whose socket enforces the round-trip deadline, when there is one (see
/// [`crate::round_trip_deadline`]); TCP or a Unix socket, as the URL says, without TLS.
async fn connect(
    url: &str,
    deadline: Option<Duration>,
    read_only: bool,
) -> diesel::ConnectionResult<AsyncPgConnection> {
    use std::str::FromStr;
    use tokio_postgres::config::Host;
    let bad = |what: String| diesel::ConnectionError::BadConnection(what);
    let mut config = tokio_postgres::Config::from_str(url).map_err(|e| bad(e.to_string()))?;
    if read_only {
        let options = config.get_options().unwrap_or_default().to_owned();
        config.options(format!("{options} -c default_transaction_read_only=on").trim());
    }
    let Some(deadline) = deadline else {
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| bad(e.to_string()))?;
        spawn_driver(connection);
        return AsyncPgConnection::try_from(client).await;
    };
    let ports = config.get_ports();
    let mut last_error = String::from("no host in the database URL");
    for (index, host) in config.get_hosts().iter().enumerate() {
        let port = ports
            .get(index)
            .or_else(|| ports.first())
            .copied()
            .unwrap_or(5432);
        let client = match host {
            Host::Tcp(name) => {
                match tokio::time::timeout(
                    deadline,
                    tokio::net::TcpStream::connect((name.as_str(), port)),
                )
                .await
                {
                    Ok(Ok(socket)) => {
                        let _ = socket.set_nodelay(true);
                        start_client(&config, DeadlineStream::new(socket, deadline)).await
                    }
                    Ok(Err(error)) => Err(format!("connecting to {name}:{port}: {error}")),
                    Err(_) => Err(format!("connecting to {name}:{port} timed out")),
                }
            }
            #[cfg(unix)]
            Host::Unix(dir) => {
                let path = dir.join(format!(".s.PGSQL.{port}"));
                match tokio::net::UnixStream::connect(&path).await {
                    Ok(socket) => {
                        start_client(&config, DeadlineStream::new(socket, deadline)).await
                    }
                    Err(error) => Err(format!("connecting to {}: {error}", path.display())),
                }
            }
        };
        match client {
            Ok(client) => return AsyncPgConnection::try_from(client).await,
            Err(error) => last_error = error,
        }
    }
    Err(bad(last_error))
}

/// Runs the startup exchange over the socket and spawns the connection's driver; the driver
/// ends (and the client reports closed) when the socket fails or times out.
async fn start_client<S>(
    config: &tokio_postgres::Config,
    socket: DeadlineStream<S>,
) -> Result<tokio_postgres::Client, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (client, connection) = config
        .connect_raw(socket, tokio_postgres::NoTls)
        .await
        .map_err(|e| e.to_string())?;
    spawn_driver(connection);
    Ok(client)
}

/// Drives a connection until its client is dropped or its socket fails.
fn spawn_driver<F>(connection: F)
where
    F: std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "PostgreSQL connection closed");
        }
    });
}

/// Checks out a connection, reporting failure as `StorageError::Unavailable`.
pub async fn connection(pool: &PgPool) -> Result<PgConn, StorageError> {
    pool.pools.current().get().await.map_err(pg_pool_error)
}

/// Readiness probe: a connection can be checked out and answers `SELECT 1`.
pub async fn ping(pool: &PgPool) -> bool {
    use diesel_async::RunQueryDsl;
    let Ok(mut conn) = connection(pool).await else {
        return false;
    };
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .is_ok()
}
