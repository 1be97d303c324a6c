//! A transaction held across a port's calls (`OrderTx`, `CouponTx`): BEGIN on a pooled
//! connection, COMMIT when the service says so. Dropped without a commit (a refusal, an error,
//! a cancelled request), it rolls back at once in a task of its own: PostgreSQL releases the
//! transaction's row locks immediately, not when the pool next hands the connection out, so
//! buyers queued on the same row (a coupon's stock, an order) are not held up by a refusal.

use std::ops::{Deref, DerefMut};

use diesel::connection::TransactionDepthChange;
use diesel::result::Error as DieselError;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, RunQueryDsl, TransactionManager};
use luffy_common::StorageError;

use crate::errors::diesel_error;
use crate::postgres::PgConn;

/// A pooled connection inside BEGIN, until [`OpenTransaction::commit`] or
/// [`OpenTransaction::rollback`]; queries run on it through `Deref`.
pub(crate) struct OpenTransaction {
    conn: Option<PgConn>,
    /// False until BEGIN has been sent (see [`OpenTransaction::deferred`]).
    begun: bool,
}

crate::statement::cached_sql! {
    /// BEGIN as a prepared statement, so that it queues behind nothing and ahead of the
    /// statements pipelined after it (diesel-async orders prepared statements by its statement
    /// cache's lock; a simple-protocol query would not wait its turn).
    struct Begin = "BEGIN";
}

crate::statement::cached_sql! {
    /// COMMIT as a prepared statement, pipelined after a transaction's last writes.
    struct Commit = "COMMIT";
}

impl OpenTransaction {
    /// Sends BEGIN on the connection.
    pub(crate) async fn begin(mut conn: PgConn) -> Result<Self, StorageError> {
        AnsiTransactionManager::begin_transaction(&mut *conn)
            .await
            .map_err(|e| diesel_error(e, "beginning a transaction"))?;
        Ok(Self {
            conn: Some(conn),
            begun: true,
        })
    }

    /// A transaction whose BEGIN goes out in the same round trip as its first statements
    /// ([`OpenTransaction::begin_statement`]) instead of a round trip of its own. The
    /// connection counts as inside the transaction from now on, so a drop, a cancellation or
    /// an error always ends in ROLLBACK (a ROLLBACK before BEGIN reached the server is only a
    /// warning there).
    pub(crate) fn deferred(mut conn: PgConn) -> Result<Self, StorageError> {
        AnsiTransactionManager::transaction_manager_status_mut(&mut *conn)
            .transaction_state()
            .and_then(|state| state.change_transaction_depth(TransactionDepthChange::IncreaseDepth))
            .map_err(|e| diesel_error(e, "beginning a transaction"))?;
        Ok(Self {
            conn: Some(conn),
            begun: false,
        })
    }

    /// Whether BEGIN still has to go out, marking it sent: the caller polls
    /// [`begin_if`] first in the pipeline of the transaction's first statements.
    pub(crate) fn begin_pending(&mut self) -> bool {
        !std::mem::replace(&mut self.begun, true)
    }

    /// Sends BEGIN on its own if no statement has been sent yet (for the calls that are
    /// rarely a transaction's first).
    pub(crate) async fn ensure_begun(&mut self) -> Result<(), StorageError> {
        let needed = self.begin_pending();
        begin_if(self, needed)
            .await
            .map_err(|e| diesel_error(e, "beginning a transaction"))
    }

    /// COMMIT, pipelined after the statements polled before it. When one of them failed,
    /// PostgreSQL answers this COMMIT with a rollback; the caller reports that statement's
    /// error and then calls [`OpenTransaction::finish_pipelined_commit`] with `false`.
    pub(crate) fn commit_statement(
        &self,
    ) -> impl std::future::Future<Output = Result<(), DieselError>> + Send + '_ {
        let conn: &AsyncPgConnection = self;
        async move {
            Commit {}.execute(&mut &*conn).await?;
            Ok(())
        }
    }

    /// Ends a transaction whose COMMIT was pipelined: `committed` when every statement and the
    /// COMMIT succeeded (the connection goes back to the pool outside a transaction);
    /// otherwise it is rolled back (a no-op on the server if the COMMIT already ended it).
    pub(crate) async fn finish_pipelined_commit(
        mut self,
        committed: bool,
    ) -> Result<(), StorageError> {
        if !committed {
            return self.rollback().await;
        }
        let mut conn = self.take();
        AnsiTransactionManager::transaction_manager_status_mut(&mut *conn)
            .transaction_state()
            .and_then(|state| state.change_transaction_depth(TransactionDepthChange::DecreaseDepth))
            .map_err(|e| diesel_error(e, "committing"))
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

/// BEGIN when `needed` (see [`OpenTransaction::begin_pending`]), first in a pipeline.
pub(crate) async fn begin_if(conn: &AsyncPgConnection, needed: bool) -> Result<(), DieselError> {
    if needed {
        Begin {}.execute(&mut &*conn).await?;
    }
    Ok(())
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
