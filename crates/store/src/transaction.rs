//! A transaction held across a port's calls (`OrderTx`, `CouponTx`): BEGIN on a pooled
//! connection, COMMIT when the service says so. Dropped without a commit (a refusal, an error,
//! a cancelled request), it rolls back at once in a task of its own: PostgreSQL releases the
//! transaction's row locks immediately, not when the pool next hands the connection out, so
//! buyers queued on the same row (a coupon's stock, an order) are not held up by a refusal.

use std::ops::{Deref, DerefMut};

use diesel_async::{AnsiTransactionManager, TransactionManager};
use luffy_common::StorageError;

use crate::errors::diesel_error;
use crate::postgres::PgConn;

/// A pooled connection inside BEGIN, until [`OpenTransaction::commit`] or
/// [`OpenTransaction::rollback`]; queries run on it through `Deref`.
pub(crate) struct OpenTransaction {
    conn: Option<PgConn>,
}

impl OpenTransaction {
    /// Sends BEGIN on the connection.
    pub(crate) async fn begin(mut conn: PgConn) -> Result<Self, StorageError> {
        AnsiTransactionManager::begin_transaction(&mut *conn)
            .await
            .map_err(|e| diesel_error(e, "beginning a transaction"))?;
        Ok(Self { conn: Some(conn) })
    }

    /// Commits the transaction.
    pub(crate) async fn commit(mut self) -> Result<(), StorageError> {
        let mut conn = self.take();
        AnsiTransactionManager::commit_transaction(&mut *conn)
            .await
            .map_err(|e| diesel_error(e, "committing"))
    }

    /// Rolls the transaction back.
    pub(crate) async fn rollback(mut self) -> Result<(), StorageError> {
        let mut conn = self.take();
        roll_back(&mut conn).await
    }

    fn take(&mut self) -> PgConn {
        self.conn
            .take()
            .unwrap_or_else(|| unreachable!("a transaction's connection is taken only once"))
    }
}

async fn roll_back(conn: &mut PgConn) -> Result<(), StorageError> {
    AnsiTransactionManager::rollback_transaction(&mut **conn)
        .await
        .map_err(|e| diesel_error(e, "rolling back"))
}

impl Drop for OpenTransaction {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            // The connection goes back to the pool once rolled back (or, if that fails, is
            // discarded by the pool's recycle check).
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(error) = roll_back(&mut conn).await {
                        tracing::debug!(%error, "rolling back a dropped transaction failed");
                    }
                });
            }
            // No runtime to roll back on: close the connection, which rolls back too.
            Err(_) => drop(deadpool::managed::Object::take(conn)),
        }
    }
}

impl Deref for OpenTransaction {
    type Target = PgConn;

    fn deref(&self) -> &PgConn {
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("an open transaction has its connection"))
    }
}

impl DerefMut for OpenTransaction {
    fn deref_mut(&mut self) -> &mut PgConn {
        self.conn
            .as_mut()
            .unwrap_or_else(|| unreachable!("an open transaction has its connection"))
    }
}
