//! The physical limits: pgbench running the same database work as order creation, and
//! redis-benchmark's raw HSET rate.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

use crate::cpu::{CpuSnapshot, CpuUse};
use crate::setup::BenchUser;
use crate::Args;

/// A limit measured by an external tool.
#[derive(Debug, Clone)]
pub struct Limit {
    /// Operations per second.
    pub per_second: f64,
    /// Mean latency in milliseconds, when the tool reports it.
    pub mean_ms: Option<f64>,
    /// The command, for the report.
    pub command: String,
}

/// `pgbench -M prepared` with `script` (the checkout script, or the floor of order writes) as
/// the users `users` (ids of a range no API round uses: pgbench's unpaid orders would make
/// those users' API checkouts conflict), at `clients`, for the same duration.
/// pgbench connects without TLS (`PGSSLMODE=disable`), as luffy's pool does: libpq's default
/// `prefer` encrypts whenever the server offers TLS (Debian's PostgreSQL does), which would
/// charge the script for encryption that luffy never does.
/// The tables are vacuumed and analyzed first, so that pgbench starts from the same clean
/// state as the API run did (which began right after the setup's ANALYZE), not in the middle
/// of the autovacuum that the API run's writes trigger.
/// Also answers the machine's CPU per transaction over pgbench's run.
pub async fn pgbench(
    args: &Args,
    script: &Path,
    users: &[BenchUser],
    clients: usize,
) -> anyhow::Result<(Limit, CpuUse)> {
    let first = users
        .iter()
        .map(|u| u.id)
        .min()
        .context("no users for pgbench")?;
    let last = users
        .iter()
        .map(|u| u.id)
        .max()
        .context("no users for pgbench")?;
    let mut conn = AsyncPgConnection::establish(&args.database_url)
        .await
        .context("connecting to the bench database")?;
    conn.batch_execute("VACUUM (ANALYZE) users, orders, order_details, coupon_logs, jobs")
        .await
        .context("vacuuming before pgbench")?;
    let argv = vec![
        "-n".to_owned(),
        "-M".into(),
        "prepared".into(),
        "-f".into(),
        script.display().to_string(),
        "-D".into(),
        format!("first={first}"),
        "-D".into(),
        format!("last={last}"),
        "-c".into(),
        clients.to_string(),
        "-j".into(),
        "2".into(),
        "-T".into(),
        args.duration.to_string(),
        args.database_url.clone(),
    ];
    let start = CpuSnapshot::now(args.server_pid);
    let output = Command::new("pgbench")
        .env("PGSSLMODE", "disable")
        .args(&argv)
        .output()
        .context("running pgbench (install postgresql-contrib or postgresql-client)")?;
    let end = CpuSnapshot::now(args.server_pid);
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    if !output.status.success() {
        bail!(
            "pgbench failed: {}{}",
            text,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .with_context(|| format!("no tps in pgbench output: {text}"))?;
    let mean_ms = text
        .lines()
        .find(|l| l.starts_with("latency average = "))
        .and_then(|l| {
            l.trim_start_matches("latency average = ")
                .split_whitespace()
                .next()
        })
        .and_then(|n| n.parse::<f64>().ok());
    let transactions = text
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("number of transactions actually processed: ")
        })
        .and_then(|n| n.split('/').next())
        .and_then(|n| n.trim().parse::<f64>().ok())
        .unwrap_or(tps * args.duration as f64);
    let cpu = end.since(&start, transactions);
    Ok((
        Limit {
            per_second: tps,
            mean_ms,
            command: format!(
                "PGSSLMODE=disable pgbench {}",
                argv[..argv.len() - 1].join(" ")
            ),
        },
        cpu,
    ))
}

/// `redis-benchmark -t hset` with the same client count.
pub fn redis_hset(args: &Args) -> anyhow::Result<Limit> {
    let address = args.redis_url.trim_start_matches("redis://");
    let host_port = address.split('/').next().unwrap_or("127.0.0.1:6379");
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "6379"));
    let argv = [
        "-h",
        host,
        "-p",
        port,
        "-t",
        "hset",
        "-n",
        "300000",
        "-c",
        &args.concurrency.to_string(),
        "-q",
    ];
    let output = Command::new("redis-benchmark")
        .args(argv)
        .output()
        .context("running redis-benchmark")?;
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let rate = text
        .split(['\r', '\n'])
        .filter_map(|l| l.trim().strip_prefix("HSET: "))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(|n| n.parse::<f64>().ok())
        .next_back()
        .with_context(|| format!("no HSET rate in redis-benchmark output: {text}"))?;
    Ok(Limit {
        per_second: rate,
        mean_ms: None,
        command: format!("redis-benchmark {}", argv.join(" ")),
    })
}
