//! `luffy migrate`: create the database if missing, then apply pending migrations.

use crate::settings::Settings;

/// Creates and migrates the configured database; returns the applied migration versions.
pub async fn migrate(settings: &Settings) -> anyhow::Result<Vec<String>> {
    if luffy_store::database::create_database_if_missing(&settings.database_url).await? {
        tracing::info!("created the database");
    }
    let applied = luffy_store::migrations::run_pending(&settings.database_url).await?;
    tracing::info!(count = applied.len(), "migrations applied");
    Ok(applied)
}
