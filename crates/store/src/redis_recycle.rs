//! Single-server Redis connections that are checked at recycle only when they need it.
//!
//! deadpool-redis answers every checkout with a `UNWATCH` + `PING` round trip, so a request
//! that takes a connection twice paid two extra round trips to Redis. A multiplexed connection
//! in steady use needs no such check: this manager skips it for a connection taken within the
//! last [`TRUSTED_FOR`] whose commands all succeeded, pings one that sat idle longer (Redis may
//! have restarted meanwhile), and drops one whose command failed on the connection itself (I/O,
//! timeout, dropped), so the next request opens a fresh one. luffy never sends `WATCH`, so no
//! connection comes back with one to clear.

use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use deadpool_redis::redis::aio::{ConnectionLike, MultiplexedConnection};
use deadpool_redis::redis::{self, Client, Cmd, Pipeline, RedisError, RedisFuture, Value};

/// How long after its last checkout a connection is trusted without a `PING`.
pub const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// Opens multiplexed connections to one server and recycles them as described above.
pub struct SingleServer {
    client: Client,
}

impl SingleServer {
    /// A manager for the server at `url`.
    pub fn new(url: &str) -> redis::RedisResult<Self> {
        Ok(Self {
            client: Client::open(url)?,
        })
    }
}

/// A connection and whether one of its commands failed on the connection itself.
pub struct TrackedConnection {
    connection: MultiplexedConnection,
    broken: bool,
}

impl TrackedConnection {
    fn note<T>(&mut self, result: &redis::RedisResult<T>) {
        if let Err(error) = result {
            self.broken |= breaks_the_connection(error);
        }
    }
}

/// Errors after which the connection cannot be trusted (not the server refusing a command).
fn breaks_the_connection(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_timeout()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_unrecoverable_error()
}

/// A connection checked out of a single-server pool.
pub type SingleConnection = managed::Object<SingleServer>;

impl managed::Manager for SingleServer {
    type Type = TrackedConnection;
    type Error = RedisError;

    async fn create(&self) -> Result<TrackedConnection, RedisError> {
        Ok(TrackedConnection {
            connection: self.client.get_multiplexed_async_connection().await?,
            broken: false,
        })
    }

    async fn recycle(
        &self,
        conn: &mut TrackedConnection,
        metrics: &Metrics,
    ) -> RecycleResult<RedisError> {
        if conn.broken {
            return Err(RecycleError::message("a command failed on this connection"));
        }
        if metrics.last_used() < TRUSTED_FOR {
            return Ok(());
        }
        let answer: redis::RedisResult<String> =
            redis::cmd("PING").query_async(&mut conn.connection).await;
        match answer {
            Ok(answer) if answer == "PONG" => Ok(()),
            Ok(_) => Err(RecycleError::message("unexpected PING answer")),
            Err(error) => Err(RecycleError::Backend(error)),
        }
    }
}

impl ConnectionLike for TrackedConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let result = self.connection.send_packed_command(cmd).await;
            self.note(&result);
            result
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let result = self
                .connection
                .send_packed_commands(cmd, offset, count)
                .await;
            self.note(&result);
            result
        })
    }

    fn get_db(&self) -> i64 {
        self.connection.get_db()
    }
}
