//! `luffy-loadgen`, run by `just bench`: prepares users with carts over the API, drives a
//! release build of `luffy serve` over loopback (order creation, cart add, signed notifies,
//! order list) at a fixed concurrency for a fixed duration, measures the physical limits with
//! pgbench and redis-benchmark, times order-timeout processing with one and two workers,
//! reads the server's peak RSS, and writes docs/benchmarks.md with a latency plot.

mod census;
mod cpu;
mod drive;
mod limits;
mod plot;
mod report;
mod rounds;
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
    /// Users prepared for the order-creation rounds (each orders once; the rounds share them
    /// out equally, so a round ends early on a machine fast enough to use its share up).
    #[arg(long, default_value_t = 60000)]
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
    /// The floor: the writes every order needs and nothing else, run by pgbench once per
    /// client count after the rounds.
    #[arg(long, default_value = "apps/loadgen/pgbench/order_writes.sql")]
    pgbench_floor_script: PathBuf,
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
    /// Interleaved rounds of order creation and pgbench for the headline ratio.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// The client counts of the headline ratio.
    #[arg(long, value_delimiter = ',', default_value = "16,32")]
    ratio_clients: Vec<usize>,
    /// A migrated, seeded database on a PostgreSQL with pg_stat_statements preloaded: when
    /// given, the statements and round trips of one checkout are counted there.
    #[arg(long)]
    census_database_url: Option<String>,
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

    let census = match &args.census_database_url {
        Some(url) => {
            eprintln!("[bench] census: statements and round trips of one checkout");
            let census = census::run(&args, url).await.context("the census")?;
            eprintln!(
                "[bench] census: {:.1} statements ({:.1} seen by pg_stat_statements, and BEGIN and COMMIT; {:.0}% of checkouts one transaction) in {:.1} round trips per checkout",
                census.statements, census.tracked, census.transactions * 100.0, census.round_trips
            );
            for (calls, query) in &census.breakdown {
                let short: String = query.chars().take(100).collect();
                eprintln!("[bench]   {calls:.2} x {short}");
            }
            Some(census)
        }
        None => None,
    };

    // One share of the users per API round, and one more for every pgbench round.
    let slices = (args.rounds * args.ratio_clients.len()).max(1) + 1;
    let per_round = (bench.users.len() / slices).max(1);
    let pgbench_users = &bench.users[bench.users.len().saturating_sub(per_round)..];
    let mut chunks = bench.users[..bench.users.len().saturating_sub(per_round)].chunks(per_round);
    let mut headlines: Vec<rounds::Headline> = args
        .ratio_clients
        .iter()
        .map(|&clients| rounds::Headline {
            clients,
            rounds: Vec::new(),
            cpu: Vec::new(),
            floor: None,
        })
        .collect();
    let mut created = Vec::new();
    for round in 1..=args.rounds {
        for headline in &mut headlines {
            let users = chunks.next().unwrap_or_default();
            eprintln!(
                "[bench] (a) round {round}: order creation, {} clients",
                headline.clients
            );
            let start = cpu::CpuSnapshot::now(args.server_pid);
            let orders = drive::create_orders(&args, users, headline.clients, duration).await?;
            let orders_cpu =
                cpu::CpuSnapshot::now(args.server_pid).since(&start, orders.run.ops as f64);
            eprintln!(
                "[bench] (a) round {round}: pgbench, {} clients",
                headline.clients
            );
            let (pg_limit, pgbench_cpu) =
                limits::pgbench(&args, &args.pgbench_script, pgbench_users, headline.clients)
                    .await?;
            headline.cpu.push((orders_cpu, pgbench_cpu));
            created.extend(orders.created);
            headline.rounds.push((orders.run, pg_limit));
        }
    }
    let rss_kib = report::peak_rss_kib(args.server_pid);
    // After every round, so that the floor's orders change nothing the rounds read.
    for headline in &mut headlines {
        eprintln!(
            "[bench] (a) the floor: pgbench with the order writes alone, {} clients",
            headline.clients
        );
        headline.floor = Some(
            limits::pgbench(
                &args,
                &args.pgbench_floor_script,
                pgbench_users,
                headline.clients,
            )
            .await?,
        );
    }
    for headline in &headlines {
        eprintln!("[bench] {}", headline.line());
        for line in headline.cpu_lines() {
            eprintln!("[bench]   {line}");
        }
        if let Some(line) = headline.floor_line() {
            eprintln!("[bench]   {line}");
        }
    }
    if args.orders_only {
        eprintln!("[bench] peak RSS {} KiB", rss_kib.unwrap_or(0));
        return Ok(());
    }
    let (orders, pg_limit) = headlines
        .iter()
        .find(|h| h.clients == args.concurrency)
        .or(headlines.last())
        .and_then(|h| h.median_round())
        .cloned()
        .context("no order-creation round ran")?;
    eprintln!("[bench] (b) cart add");
    let cart = drive::cart_add(&args, &bench, duration).await?;
    eprintln!("[bench] (c) signed notifies");
    let notify = drive::notifies(&args, &created, duration).await?;
    eprintln!("[bench] (d) order list");
    let list = drive::order_list(&args, &bench, duration).await?;
    eprintln!("[bench] (e) course search");
    let search = drive::course_search(&args, duration).await?;
    eprintln!("[bench] (f) my courses");
    let my_courses = drive::my_courses(&args, &bench, duration).await?;

    eprintln!("[bench] redis-benchmark limit");
    let redis_limit = limits::redis_hset(&args)?;

    eprintln!(
        "[bench] timeout processing ({} jobs, 1 then 2 workers)",
        args.timeout_jobs
    );
    let one = timeouts::run(&args, &bench, 1).await?;
    let two = timeouts::run(&args, &bench, 2).await?;

    let results = report::Results {
        orders,
        headlines,
        census,
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
