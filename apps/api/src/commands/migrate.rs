//! `luffy migrate`: create the database if missing, apply pending migrations, and write the
//! database's own settings (the statement timeout), so no connection needs a session `SET`.

use crate::settings::Settings;

/// Creates and migrates the configured database; returns the applied migration versions.
pub async fn migrate(settings: &Settings) -> anyhow::Result<Vec<String>> {
    let url = settings.migration_url();
    if luffy_store::database::create_database_if_missing(url).await? {
        tracing::info!("created the database");
    }
    let applied = luffy_store::migrations::run_pending(url).await?;
    luffy_store::database::apply_statement_timeout(
        url,
        std::time::Duration::from_millis(settings.database_statement_timeout_ms),
    )
    .await?;
    tracing::info!(count = applied.len(), "migrations applied");
    Ok(applied)
}
