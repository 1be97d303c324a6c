//! The `luffy` binary: `serve`, `migrate`, `seed`, `keys`. It only parses the command line,
//! loads `Settings` and calls the library.

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use luffy_api::commands::{keys, migrate, seed};
use luffy_api::{settings::Settings, telemetry, AppState};

#[derive(Parser)]
#[command(
    name = "luffy",
    version,
    about = "Order, coupon, points and payment back end for course stores",
    long_about = "Order, coupon, points and payment back end for online course stores: the \
        checkout half of the luffycity tutorial (cart, orders, coupons, points, Alipay and balance \
        payment, timeouts) as an HTTP API, with a built-in Alipay sandbox for development.\n\n\
        Typical first run: `luffy keys && luffy migrate && luffy seed && luffy serve`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (LUFFY_LISTEN) with the embedded job worker (unless LUFFY_WORKER=false).
    #[command(
        long_about = "Serve the HTTP API on LUFFY_LISTEN (default 127.0.0.1:8000). Unless \
            LUFFY_WORKER=false it also runs the job worker (order timeouts, trade closes, refunds of \
            late payments). Without LUFFY_ALIPAY_GATEWAY it serves the built-in Alipay sandbox under \
            /sandbox/alipay/. Needs PostgreSQL (migrated), Redis and the keys in LUFFY_KEYS_DIR."
    )]
    Serve,
    /// Run a job worker only (several may run, on several machines).
    #[command(
        long_about = "Run a job worker without the HTTP API: it claims due jobs (order timeouts, \
            trade closes, refunds) with leases, so any number of workers may run on any number of \
            machines. Stops gracefully on SIGINT or SIGTERM."
    )]
    Worker,
    /// Create the database if missing and apply migrations.
    #[command(
        long_about = "Create the database named in LUFFY_DATABASE_URL if it is missing, then apply \
            the pending migrations (embedded in the binary). Safe to run on every deploy."
    )]
    Migrate,
    /// Load the demo data (idempotent).
    #[command(
        long_about = "Load the demo catalog (directions, categories, courses, teachers, chapters, \
            promotions), the demo accounts luffy/luffy12345 and admin/admin12345, the tutorial's \
            coupons, and draw the demo pictures into LUFFY_MEDIA_DIR. Running it again changes \
            nothing but the promotion window, which is kept running."
    )]
    Seed,
    /// Write missing development key pairs into LUFFY_KEYS_DIR.
    #[command(
        long_about = "Write the missing development RSA key pairs into LUFFY_KEYS_DIR: for \
            Alipay the merchant pair (app_private_key.pem, app_public_key.pem) and the sandbox's \
            pair (sandbox_private_key.pem, alipay_public_key.pem); for WeChat Pay the merchant \
            pair (wechat_merchant_private_key.pem, wechat_merchant_public_key.pem) and the \
            sandbox's pair (wechat_sandbox_private_key.pem, wechat_pay_public_key.pem). Existing \
            files are kept. For a real store, put the merchant keys, Alipay's public key and the \
            WeChat Pay public key there instead."
    )]
    Keys,
    /// Reconcile a day's bills of the payment channels against the books, by hand.
    #[command(
        long_about = "Download each channel's trade bill of a Beijing day (--date YYYY-MM-DD), \
            compare it with the payments and refunds recorded, settle money the channel holds \
            for unpaid orders (长款) through the normal payment path, and store the day's \
            findings (shown at GET /admin/reconciliations/ and in the console). Running a day \
            again keeps what earlier runs found and did. The worker does this each morning at \
            10:05 Beijing time for the previous day. Exits non-zero when a bill cannot be had."
    )]
    Reconcile {
        /// The Beijing day, YYYY-MM-DD.
        #[arg(long)]
        date: chrono::NaiveDate,
        /// One channel (alipay or wechat); every configured one when omitted.
        #[arg(long)]
        channel: Option<String>,
    },
}

/// Which signal asked the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopSignal {
    /// Ctrl+C: an operator at a terminal; stop without draining.
    Interrupt,
    /// SIGTERM: a deploy or an orchestrator; drain first.
    Terminate,
}

/// Waits for SIGINT or SIGTERM.
async fn shutdown_signal() -> StopSignal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => StopSignal::Interrupt,
                    _ = terminate.recv() => StopSignal::Terminate,
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                StopSignal::Interrupt
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        StopSignal::Interrupt
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings_help = luffy_api::settings::environment_help();
    let mut command = Cli::command().after_long_help(settings_help.clone());
    for name in ["serve", "worker", "migrate", "seed", "keys", "reconcile"] {
        command = command.mut_subcommand(name, |sub| sub.after_long_help(settings_help.clone()));
    }
    let cli =
        Cli::from_arg_matches_mut(&mut command.get_matches()).unwrap_or_else(|error| error.exit());
    let settings = Settings::load()?;
    telemetry::init_tracing(settings.log_json);
    match cli.command {
        Command::Serve => {
            let server = luffy_api::start(settings).await?;
            let shutdown = server.shutdown();
            tokio::spawn(async move {
                match shutdown_signal().await {
                    StopSignal::Terminate => shutdown.drain_then_stop().await,
                    StopSignal::Interrupt => shutdown.stop().await,
                }
            });
            server.wait().await?;
        }
        Command::Worker => {
            let state = AppState::build(settings)?;
            let worker = luffy_api::jobs::spawn_worker(&state);
            let _ = shutdown_signal().await;
            tracing::info!("stopping the worker: running jobs finish, the rest are released");
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
        Command::Reconcile { date, channel } => {
            let state = AppState::build(settings)?;
            let channels: Vec<luffy_order::Channel> = match channel.as_deref() {
                Some(name) => vec![luffy_order::Channel::parse(name)
                    .filter(|c| c.is_remote())
                    .ok_or_else(|| anyhow::anyhow!("--channel must be alipay or wechat"))?],
                None => state
                    .gateways
                    .channels()
                    .filter(|c| c.is_remote())
                    .collect(),
            };
            let mut failed = false;
            let mut report = String::new();
            for channel in channels {
                match state.reconciliations.run(channel, date, None).await {
                    Ok((day, new)) => {
                        state.business.reconciled(&day, &new);
                        report.push_str(&format!(
                            "{channel} {date}: {} matched, {} findings ({} new, {} open)\n",
                            day.matched,
                            day.findings.len(),
                            new.len(),
                            day.open_findings()
                        ));
                        for finding in &day.findings {
                            report.push_str(&format!(
                                "  {} {} {} bill={:?} ours={:?} {}\n",
                                finding.kind.display_name(),
                                finding.order_number,
                                finding.refund_no.as_deref().unwrap_or(""),
                                finding.bill_fen,
                                finding.our_fen,
                                finding.resolution
                            ));
                        }
                    }
                    Err(error) => {
                        tracing::error!(%channel, %date, %error, "reconciliation failed");
                        failed = true;
                    }
                }
            }
            {
                use std::io::Write;
                std::io::stdout().write_all(report.as_bytes())?;
            }
            if failed {
                anyhow::bail!("some channels could not be reconciled");
            }
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
