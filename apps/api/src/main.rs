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
    /// Serve the HTTP API (LUFFY_LISTEN) with the embedded job worker (unless LUFFY_WORKER=false).
    Serve,
    /// Run a job worker only (several may run, on several machines).
    Worker,
    /// Create the database if missing and apply migrations.
    Migrate,
    /// Load the demo data (idempotent).
    Seed,
    /// Write missing development key pairs into LUFFY_KEYS_DIR.
    Keys,
}

/// Waits for SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
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
                shutdown_signal().await;
                tracing::info!("shutting down");
                handle.stop(true).await;
            });
            server.wait().await?;
        }
        Command::Worker => {
            let state = AppState::build(settings)?;
            let worker = luffy_api::jobs::spawn_worker(&state);
            shutdown_signal().await;
            tracing::info!("stopping the worker");
            worker.stop().await;
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
