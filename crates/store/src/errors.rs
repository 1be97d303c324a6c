//! Translating pool, diesel and Redis failures into `StorageError`, so the HTTP shell can tell
//! "try again later" (503) from a bug (500).

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::PoolError as PgPoolError;
use luffy_common::StorageError;

/// A pool that cannot hand out a connection (timeout, refused, closed) means PostgreSQL is
/// unavailable.
pub fn pg_pool_error(error: PgPoolError) -> StorageError {
    StorageError::Unavailable(anyhow::Error::new(error).context("no PostgreSQL connection"))
}

/// Connection-level diesel errors are unavailability; everything else is unexpected.
pub fn diesel_error(error: DieselError, what: &'static str) -> StorageError {
    let unavailable = match &error {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let message = info.message().to_ascii_lowercase();
            message.contains("connection")
                || message.contains("terminating")
                || message.contains("shutting down")
        }
        _ => false,
    };
    let error = anyhow::Error::new(error).context(what);
    if unavailable {
        StorageError::Unavailable(error)
    } else {
        StorageError::Unexpected(error)
    }
}

/// Redis command failures: I/O, refused connections and timeouts are unavailability.
pub fn redis_error(error: deadpool_redis::redis::RedisError, what: &'static str) -> StorageError {
    let unavailable = error.is_io_error()
        || error.is_connection_refusal()
        || error.is_connection_dropped()
        || error.is_timeout();
    let error = anyhow::Error::new(error).context(what);
    if unavailable {
        StorageError::Unavailable(error)
    } else {
        StorageError::Unexpected(error)
    }
}

/// A Redis pool that cannot hand out a connection means Redis is unavailable.
pub fn redis_pool_error(error: deadpool_redis::PoolError) -> StorageError {
    StorageError::Unavailable(anyhow::Error::new(error).context("no Redis connection"))
}
