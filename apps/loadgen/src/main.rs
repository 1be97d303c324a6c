//! `luffy-loadgen`, run by `just bench`: prepares users with carts over the API, drives a
//! release build of `luffy serve` over loopback (order creation, cart add, signed notifies,
//! order list) at a fixed concurrency for a fixed duration, measures the physical limits with
//! pgbench and redis-benchmark, times order-timeout processing with one and two workers,
//! reads the server's peak RSS, and writes docs/benchmarks.md with a latency plot.

mod drive;
mod limits;
mod plot;
mod report;
mod setup;
mod timeouts;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

/// Command line.
#[derive(Parser, Debug, Clone)]
struct Args {
    /// The running server.
    #[arg(long, default_value = "http://127.0.0.1:8099")]
    base: String,
    /// Its database (the bench database: it is filled with bench users and orders).
    #[arg(long)]
    database_url: String,
    /// Its Redis URL (for redis-benchmark's host and port).
    #[arg(long, default_value = "redis://127.0.0.1:6379/0")]
    redis_url: String,
    /// The server's JWT secret (tokens are minted, not logged in, to keep setup fast).
    #[arg(long)]
    jwt_secret: String,
    /// Keys directory (the sandbox key signs the notifies).
    #[arg(long, default_value = "keys")]
    keys_dir: PathBuf,
    /// The server's pid, for peak RSS.
    #[arg(long)]
    server_pid: u32,
    /// Users prepared for the order-creation run (each orders once).
    #[arg(long, default_value_t = 20000)]
    users: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds per timed run.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Due order_timeout jobs per timeout run.
    #[arg(long, default_value_t = 100_000)]
    timeout_jobs: usize,
    /// The pgbench script.
    #[arg(long, default_value = "apps/loadgen/pgbench/checkout.sql")]
    pgbench_script: PathBuf,
    /// Report path.
    #[arg(long, default_value = "docs/benchmarks.md")]
    out: PathBuf,
    /// Plot path.
    #[arg(long, default_value = "docs/benchmarks-latency.png")]
    plot: PathBuf,
    /// Profiling aid: run only order creation and the pgbench limit, print them, and write
    /// no report (`BENCH_ARGS=--orders-only just bench`).
    #[arg(long)]
    orders_only: bool,
}

/// Waits up to 60 s for the server's /healthz.
async fn wait_for_health(base: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false)
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the server at {base} did not become healthy")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let duration = Duration::from_secs(args.duration);
    wait_for_health(&args.base).await?;
    eprintln!("[bench] preparing {} users", args.users);
    let bench = setup::prepare(&args).await.context("preparing users")?;
    eprintln!("[bench] filling carts over the API");
    drive::fill_carts(&args, &bench).await?;

    eprintln!("[bench] (a) order creation");
    let orders = drive::create_orders(&args, &bench, duration).await?;
    let rss_kib = report::peak_rss_kib(args.server_pid);
    if args.orders_only {
        let pg_limit = limits::pgbench(&args, &bench).await?;
        eprintln!(
            "[bench] orders {:.0}/s p50 {:.1} p90 {:.1} p99 {:.1} ms, errors {}; pgbench {:.0} tps; ratio {:.2}x; peak RSS {} KiB",
            orders.run.throughput(),
            orders.run.ms(50.0),
            orders.run.ms(90.0),
            orders.run.ms(99.0),
            orders.run.errors,
            pg_limit.per_second,
            orders.run.throughput() / pg_limit.per_second,
            rss_kib.unwrap_or(0),
        );
        return Ok(());
    }
    eprintln!("[bench] (b) cart add");
    let cart = drive::cart_add(&args, &bench, duration).await?;
    eprintln!("[bench] (c) signed notifies");
    let notify = drive::notifies(&args, &orders.created, duration).await?;
    eprintln!("[bench] (d) order list");
    let list = drive::order_list(&args, &bench, duration).await?;
    eprintln!("[bench] (e) course search");
    let search = drive::course_search(&args, duration).await?;
    eprintln!("[bench] (f) my courses");
    let my_courses = drive::my_courses(&args, &bench, duration).await?;

    eprintln!("[bench] pgbench limit");
    let pg_limit = limits::pgbench(&args, &bench).await?;
    eprintln!("[bench] redis-benchmark limit");
    let redis_limit = limits::redis_hset(&args)?;

    eprintln!(
        "[bench] timeout processing ({} jobs, 1 then 2 workers)",
        args.timeout_jobs
    );
    let one = timeouts::run(&args, &bench, 1).await?;
    let two = timeouts::run(&args, &bench, 2).await?;

    let results = report::Results {
        orders: orders.run,
        cart,
        notify,
        list,
        search,
        my_courses,
        pg_limit,
        redis_limit,
        timeouts: vec![one, two],
        rss_kib,
        concurrency: args.concurrency,
        duration: args.duration,
    };
    plot::draw(&args.plot, &results).context("drawing the latency plot")?;
    report::write(&args.out, &args.plot, &results)?;
    eprintln!("[bench] wrote {}", args.out.display());
    // The summary is the command's output (a terminal report), hence stdout.
    #[allow(clippy::print_stdout)]
    {
        print!("{}", report::summary(&results));
    }
    Ok(())
}
