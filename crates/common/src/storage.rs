//! The ways infrastructure can fail, so the HTTP shell can answer 503 or 500 correctly.

/// Failure of a PostgreSQL or Redis adapter, as every port reports it.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database or cache could not be reached (pool timeout, refused connection):
    /// the request may succeed later, the client gets a 503.
    #[error("storage unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// The database refused the text it was given (an encoding error such as a NUL byte): the
    /// client sent something unusable and gets a 400. The HTTP edge refuses such input before
    /// it gets here; this is the second guard.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Anything else; a bug or an unexpected database answer, the client gets a 500.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}
