//! One audited write, the shape of every operator's change: in one transaction, lock and check
//! what the change depends on, read the row before ([`Audit::before`]), change it, write the
//! audit entry with the row after, and read what the caller gets back. A write states only its
//! own steps; [`audited_write`] opens the transaction, records the entry and classifies errors.

use std::future::Future;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use luffy_common::StorageError;

use crate::audit::Audit;
use crate::errors::{finish, TxError};
use crate::postgres::{connection, PgPool};

/// What a write's body answers: the row it changed (its audit entry's subject; none when the
/// body found nothing to change), that row as it was before (`None` for a new row), and the
/// value the caller gets back.
#[derive(Debug)]
pub(crate) struct Audited<T> {
    id: Option<i64>,
    before: Option<String>,
    value: T,
}

impl<T> Audited<T> {
    /// A new row: nothing before.
    pub(crate) fn created(id: i64, value: T) -> Self {
        Self {
            id: Some(id),
            before: None,
            value,
        }
    }

    /// A changed row, with what [`Audit::before`] read before the change.
    pub(crate) fn changed(id: i64, before: Option<String>, value: T) -> Self {
        Self {
            id: Some(id),
            before,
            value,
        }
    }

    /// Nothing was changed (the row to change does not exist): no entry is written.
    pub(crate) fn unchanged(value: T) -> Self {
        Self {
            id: None,
            before: None,
            value,
        }
    }
}

/// An async closure over a connection whose future is `Send`, as diesel-async's transaction
/// needs (stable Rust cannot bound an async closure's future otherwise). Every
/// `async |conn| { ... }` whose captures are `Send` is one.
pub(crate) trait WriteBody<'r, R>:
    AsyncFnOnce(&'r mut AsyncPgConnection) -> R
    + FnOnce(&'r mut AsyncPgConnection) -> <Self as WriteBody<'r, R>>::Fut
{
    /// The body's future.
    type Fut: Future<Output = R> + Send;
}

impl<'r, R, F, Fut> WriteBody<'r, R> for F
where
    F: AsyncFnOnce(&'r mut AsyncPgConnection) -> R + FnOnce(&'r mut AsyncPgConnection) -> Fut,
    Fut: Future<Output = R> + Send,
{
    type Fut = Fut;
}

/// Runs `body` in one transaction and records its audit entry in it: all of it commits, or
/// none of it (a refusal, `TxError::Refused`, rolls back and is answered as is; a database
/// error is classified for the HTTP shell with `what` as its context).
pub(crate) async fn audited_write<T, E, B>(
    pool: &PgPool,
    what: &'static str,
    audit: Audit,
    body: B,
) -> Result<T, E>
where
    T: Send,
    E: From<StorageError> + Send,
    B: for<'r> WriteBody<'r, Result<Audited<T>, TxError<E>>> + Send,
{
    let mut conn = connection(pool).await?;
    let result = conn
        .transaction::<_, TxError<E>, _>(async move |conn| {
            let Audited { id, before, value } = body(conn).await?;
            if let Some(id) = id {
                audit.record(conn, id, before).await?;
            }
            Ok(value)
        })
        .await;
    finish(result, what)
}
