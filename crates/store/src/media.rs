//! Uploaded pictures on the local file system, under `LUFFY_MEDIA_DIR` (served at `/uploads/`).
//! A file is written to a temporary name and renamed into place, so a reader never sees half a
//! picture and a crash leaves no partial file under the real name.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use luffy_catalog::MediaStore;
use luffy_common::StorageError;

/// Distinguishes concurrent writers' temporary files.
static WRITES: AtomicU64 = AtomicU64::new(0);

/// The media directory.
#[derive(Debug, Clone)]
pub struct FsMedia {
    dir: PathBuf,
}

impl FsMedia {
    /// Stores under `dir`.
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }
}

fn io_error(error: std::io::Error, what: &str) -> StorageError {
    StorageError::Unexpected(anyhow::Error::new(error).context(what.to_owned()))
}

impl MediaStore for FsMedia {
    async fn save(
        &self,
        folder: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<String, StorageError> {
        let folder_path = self.dir.join(folder);
        tokio::fs::create_dir_all(&folder_path)
            .await
            .map_err(|e| io_error(e, "creating the media folder"))?;
        let target = folder_path.join(file_name);
        if !tokio::fs::try_exists(&target).await.unwrap_or(false) {
            let attempt = WRITES.fetch_add(1, Ordering::Relaxed);
            let temporary =
                folder_path.join(format!(".{file_name}.{}.{attempt}.tmp", std::process::id()));
            tokio::fs::write(&temporary, bytes)
                .await
                .map_err(|e| io_error(e, "writing an upload"))?;
            tokio::fs::rename(&temporary, &target)
                .await
                .map_err(|e| io_error(e, "moving an upload into place"))?;
        }
        Ok(format!("/uploads/{folder}/{file_name}"))
    }
}
