//! A transaction held across a port's calls (`OrderTx`, `CouponTx`): BEGIN on a pooled
//! connection, COMMIT when the service says so. Dropped without a commit, the connection is
//! in a transaction still, so the pool discards it and PostgreSQL rolls back: a refusal, an
//! error or a cancelled request leaves nothing half-done.

use diesel_async::{AnsiTransactionManager, TransactionManager};
use luffy_common::StorageError;

use crate::errors::diesel_error;
use crate::postgres::PgConn;

/// Sends BEGIN on the connection and hands it back.
pub(crate) async fn begin(mut conn: PgConn) -> Result<PgConn, StorageError> {
    AnsiTransactionManager::begin_transaction(&mut *conn)
        .await
        .map_err(|e| diesel_error(e, "beginning a transaction"))?;
    Ok(conn)
}

/// Commits the connection's transaction.
pub(crate) async fn commit(mut conn: PgConn) -> Result<(), StorageError> {
    AnsiTransactionManager::commit_transaction(&mut *conn)
        .await
        .map_err(|e| diesel_error(e, "committing"))
}

/// Rolls the connection's transaction back.
pub(crate) async fn rollback(mut conn: PgConn) -> Result<(), StorageError> {
    AnsiTransactionManager::rollback_transaction(&mut *conn)
        .await
        .map_err(|e| diesel_error(e, "rolling back"))
}
