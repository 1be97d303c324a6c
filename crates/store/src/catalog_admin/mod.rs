//! The operators' catalog on PostgreSQL, one module per area (teachers, courses, a course's
//! outline, promotions) as the ports in `luffy_catalog::back_office` are split: each write is
//! one audited write (`crate::audited_write`) that checks what it refers to (a category of the
//! course's direction, a teacher, the linked courses) before writing.

mod courses;
mod outline;
mod promotions;
mod teachers;

use luffy_catalog::CatalogAdminError;

use crate::errors::TxError;
use crate::postgres::PgPool;

/// The operators' catalog on PostgreSQL: taxonomy, teachers, courses, outlines and promotions
/// (the administration ports), apart from [`crate::PgCatalog`], which serves browsing, so that
/// each can be pointed at its own database (browsing at a replica).
#[derive(Clone)]
pub struct PgCatalogAdmin {
    pool: PgPool,
}

impl PgCatalogAdmin {
    /// Wraps a pool (the primary's: every write is audited in a transaction).
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The pool.
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// What an admin write's steps answer.
type Tx<T> = Result<T, TxError<CatalogAdminError>>;

/// Refuses the write (the transaction rolls back).
fn refused<T>(error: CatalogAdminError) -> Tx<T> {
    Err(TxError::Refused(error))
}

/// Refuses a reference to a row that does not exist or does not fit, naming its field.
fn bad_reference(field: &'static str, message: &str) -> TxError<CatalogAdminError> {
    TxError::Refused(CatalogAdminError::BadReference {
        field,
        message: message.to_owned(),
    })
}
