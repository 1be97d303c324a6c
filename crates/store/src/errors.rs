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

/// How the HTTP shell should see a diesel error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DieselFailure {
    /// The connection or the server is gone, shutting down, or too slow: 503.
    Unavailable,
    /// PostgreSQL refused the text it was sent (encoding): 400.
    InvalidInput,
    /// Anything else: 500.
    Unexpected,
}

fn classify(error: &DieselError) -> DieselFailure {
    match error {
        // diesel-async reports a dropped connection as "unable to send command", whichever
        // statement it hit; a transaction manager left broken by a failed statement means the
        // same connection-level trouble.
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
        | DieselError::BrokenTransactionManager => DieselFailure::Unavailable,
        DieselError::DatabaseError(_, info) => {
            let message = info.message().to_ascii_lowercase();
            if message.contains("invalid byte sequence")
                || message.contains("unsupported unicode escape")
                || message.contains("character with byte sequence")
                || message.contains("null character not permitted")
            {
                DieselFailure::InvalidInput
            } else if message.contains("connection")
                || message.contains("terminating")
                || message.contains("shutting down")
                || message.contains("statement timeout")
                || message.contains("canceling statement")
                || message.contains("starting up")
                || message.contains("recovery mode")
            {
                DieselFailure::Unavailable
            } else {
                DieselFailure::Unexpected
            }
        }
        DieselError::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => match (classify(rollback_error), classify(commit_error)) {
            (DieselFailure::Unavailable, _) | (_, DieselFailure::Unavailable) => {
                DieselFailure::Unavailable
            }
            _ => DieselFailure::Unexpected,
        },
        _ => DieselFailure::Unexpected,
    }
}

/// What fails inside a transaction closure: a business refusal the caller answers as is, or a
/// database error to classify. The one pattern every adapter transaction uses.
pub(crate) enum TxError<E> {
    /// The domain refused (nothing is written: the transaction rolls back).
    Refused(E),
    /// The database failed.
    Db(DieselError),
}

impl<E> From<DieselError> for TxError<E> {
    fn from(error: DieselError) -> Self {
        Self::Db(error)
    }
}

/// Turns a transaction's result into the port's error type, classifying database errors.
pub(crate) fn finish<T, E: From<StorageError>>(
    result: Result<T, TxError<E>>,
    what: &'static str,
) -> Result<T, E> {
    result.map_err(|e| match e {
        TxError::Refused(error) => error,
        TxError::Db(error) => E::from(diesel_error(error, what)),
    })
}

/// Connection-level diesel errors (closed, unable to send, timed out) are unavailability,
/// text PostgreSQL cannot store is invalid input, and everything else is unexpected.
pub fn diesel_error(error: DieselError, what: &'static str) -> StorageError {
    let failure = classify(&error);
    let error = anyhow::Error::new(error).context(what);
    match failure {
        DieselFailure::Unavailable => StorageError::Unavailable(error),
        DieselFailure::InvalidInput => StorageError::InvalidInput(format!("{error:#}")),
        DieselFailure::Unexpected => StorageError::Unexpected(error),
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Info(&'static str);

    impl diesel::result::DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn database(kind: DatabaseErrorKind, message: &'static str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(Info(message)))
    }

    #[test]
    fn connection_level_failures_are_unavailable() {
        for error in [
            database(DatabaseErrorKind::UnableToSendCommand, "connection closed"),
            database(
                DatabaseErrorKind::ClosedConnection,
                "server closed the connection",
            ),
            database(
                DatabaseErrorKind::Unknown,
                "canceling statement due to statement timeout",
            ),
            database(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            DieselError::BrokenTransactionManager,
        ] {
            assert!(
                matches!(diesel_error(error, "x"), StorageError::Unavailable(_)),
                "should be unavailable"
            );
        }
    }

    #[test]
    fn encoding_errors_are_invalid_input_and_others_unexpected() {
        let nul = database(
            DatabaseErrorKind::Unknown,
            "invalid byte sequence for encoding \"UTF8\": 0x00",
        );
        assert!(matches!(
            diesel_error(nul, "x"),
            StorageError::InvalidInput(_)
        ));
        let other = database(
            DatabaseErrorKind::CheckViolation,
            "violates check constraint",
        );
        assert!(matches!(
            diesel_error(other, "x"),
            StorageError::Unexpected(_)
        ));
    }
}
