//! The `luffy` binary: `serve`, `migrate`, `seed`, `keys`. It only parses the command line,
//! loads `Settings` and calls the library.

use anyhow::Context;
use clap::{Parser, Subcommand};
use luffy_api::commands::{keys, migrate, seed};
use luffy_api::{settings::Settings, telemetry, AppState};

#[derive(Parser)]
#[command(
    name = "luffy",
    version,
    about = "Order, coupon, points and payment back end for course stores"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (LUFFY_LISTEN).
    Serve,
    /// Create the database if missing and apply migrations.
    Migrate,
    /// Load the demo data (idempotent).
    Seed,
    /// Write missing development key pairs into LUFFY_KEYS_DIR.
    Keys,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load()?;
    telemetry::init_tracing(settings.log_json);
    match cli.command {
        Command::Serve => {
            let server = luffy_api::start(settings).await?;
            let handle = server.handle();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    tracing::info!("shutting down");
                    handle.stop(true).await;
                }
            });
            server.wait().await?;
        }
        Command::Migrate => {
            let applied = migrate::migrate(&settings).await?;
            tracing::info!(?applied, "database is up to date");
        }
        Command::Seed => {
            let state = AppState::build(settings)?;
            let report = seed::seed(&state).await.context("seeding demo data")?;
            tracing::info!(created_users = ?report.created_users, "demo data loaded");
        }
        Command::Keys => {
            let written = keys::generate_missing(&settings.keys_dir)?;
            for path in &written {
                tracing::info!(path = %path.display(), "wrote key");
            }
            if written.is_empty() {
                tracing::info!(dir = %settings.keys_dir.display(), "all keys present");
            }
        }
    }
    Ok(())
}
