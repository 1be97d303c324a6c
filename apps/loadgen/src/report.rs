//! docs/benchmarks.md.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::census::Census;
use crate::drive::RunStats;
use crate::limits::Limit;
use crate::rounds::Headline;
use crate::timeouts::TimeoutRun;

/// Every figure of a bench run.
pub struct Results {
    /// (a) the median round at the report's client count.
    pub orders: RunStats,
    /// (a) every interleaved round, per client count.
    pub headlines: Vec<Headline>,
    /// (a) what one checkout costs the database, when counted.
    pub census: Option<Census>,
    /// (b)
    pub cart: RunStats,
    /// (c)
    pub notify: RunStats,
    /// (d)
    pub list: RunStats,
    /// (e)
    pub search: RunStats,
    /// (f)
    pub my_courses: RunStats,
    /// pgbench checkout script.
    pub pg_limit: Limit,
    /// redis-benchmark HSET.
    pub redis_limit: Limit,
    /// One and two workers.
    pub timeouts: Vec<TimeoutRun>,
    /// Server peak RSS after the order run.
    pub rss_kib: Option<u64>,
    /// Clients.
    pub concurrency: usize,
    /// Seconds per run.
    pub duration: u64,
}

/// VmHWM of a process, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// The server's pool sizes as the bench recipe set them (the server reads the same variables).
fn server_pools() -> String {
    let setting = |name: &str| std::env::var(name).unwrap_or_else(|_| "default".into());
    format!(
        "`LUFFY_DATABASE_POOL_SIZE={}`, `LUFFY_REDIS_POOL_SIZE={}`, spread over its HTTP workers",
        setting("LUFFY_DATABASE_POOL_SIZE"),
        setting("LUFFY_REDIS_POOL_SIZE")
    )
}

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .map(|l| l.to_owned())
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|n| n.parse::<u64>().ok())
        })
        .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores ({cpu}), {memory} RAM")
}

fn commit() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn row(out: &mut String, run: &RunStats, limit: Option<&Limit>) {
    let ratio = limit
        .map(|l| {
            format!(
                "{:.2}x of {:.0}/s",
                run.throughput() / l.per_second,
                l.per_second
            )
        })
        .unwrap_or_else(|| "—".into());
    let _ = writeln!(
        out,
        "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
        run.name,
        run.ops,
        run.errors,
        run.throughput(),
        run.ms(50.0),
        run.ms(90.0),
        run.ms(99.0),
        ratio
    );
}

/// A short summary for the terminal.
pub fn summary(r: &Results) -> String {
    let mut out = String::new();
    for headline in &r.headlines {
        let _ = writeln!(out, "{}", headline.line());
        let (order_ms, pgbench_ms) = headline.cpu_ms();
        let _ = writeln!(
            out,
            "  CPU of the whole machine: {order_ms:.2} ms per order, {pgbench_ms:.2} ms per pgbench transaction"
        );
        if let Some(line) = headline.floor_line() {
            let _ = writeln!(out, "  {line}");
        }
    }
    if let Some(census) = &r.census {
        let _ = writeln!(
            out,
            "one checkout: {:.1} statements in {:.1} round trips",
            census.statements, census.round_trips
        );
    }
    for (run, limit) in [
        (&r.orders, Some(&r.pg_limit)),
        (&r.cart, Some(&r.redis_limit)),
        (&r.notify, None),
        (&r.list, None),
        (&r.search, None),
        (&r.my_courses, None),
    ] {
        let _ = writeln!(
            out,
            "{:<40} {:>8.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}{}",
            run.name,
            run.throughput(),
            run.ms(50.0),
            run.ms(99.0),
            run.errors,
            limit
                .map(|l| format!(
                    "  ({:.2}x of {:.0}/s)",
                    run.throughput() / l.per_second,
                    l.per_second
                ))
                .unwrap_or_default()
        );
    }
    for t in &r.timeouts {
        let _ = writeln!(
            out,
            "timeout processing, {} worker(s): {:.0} jobs/s ({} jobs in {:.1} s)",
            t.workers,
            t.rate(),
            t.jobs,
            t.seconds
        );
    }
    if let Some(kib) = r.rss_kib {
        let _ = writeln!(out, "server peak RSS: {:.1} MiB", kib as f64 / 1024.0);
    }
    out
}

/// The headline ratio per client count, each round, and the census.
fn headline_section(out: &mut String, r: &Results) {
    let _ = writeln!(
        out,
        "## Order creation against pgbench\n\nOrder creation over the API and pgbench's checkout script, interleaved (API, pgbench, API, pgbench, ...), {} s each, medians of the rounds. Both talk to PostgreSQL over plain TCP: luffy's pool never uses TLS, and pgbench runs with `PGSSLMODE=disable` (libpq's default would encrypt, as this PostgreSQL offers TLS).\n",
        r.duration
    );
    let _ = writeln!(
        out,
        "| clients | orders/s (median) | pgbench tps (median) | ratio | p99 ms (median) | pgbench mean ms | p99 / pgbench mean | rounds (orders/s : tps) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for h in &r.headlines {
        let rounds: Vec<String> = h
            .rounds
            .iter()
            .map(|(o, p)| format!("{:.0} : {:.0}", o.throughput(), p.per_second))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | **{:.2}x** | {:.1} | {:.2} | {:.2}x | {} |",
            h.clients,
            h.orders_per_second(),
            h.pgbench_per_second(),
            h.ratio(),
            h.p99_ms(),
            h.pgbench_mean_ms(),
            h.p99_ms() / h.pgbench_mean_ms(),
            rounds.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nCPU of the whole machine (all processes, both cores, from `/proc/stat`) per order and per pgbench transaction, and the order's share by process, round by round. Throughput on two shared cores swings between runs; CPU per operation barely does, so it is the figure to compare changes by.\n"
    );
    let _ = writeln!(
        out,
        "| clients | round | CPU per order | CPU per pgbench transaction |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for h in &r.headlines {
        for (i, (orders, pgbench)) in h.cpu.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.2} ms |",
                h.clients,
                i + 1,
                orders.line(),
                pgbench.machine_ms
            );
        }
    }
    let floors: Vec<String> = r
        .headlines
        .iter()
        .filter_map(|h| {
            let (limit, cpu) = h.floor.as_ref()?;
            Some(format!(
                "{} clients: {:.0} tps, **{:.2} ms** of CPU per transaction",
                h.clients, limit.per_second, cpu.machine_ms
            ))
        })
        .collect();
    if !floors.is_empty() {
        let _ = writeln!(
            out,
            "
The floor: pgbench running only the writes every order needs (`apps/loadgen/pgbench/order_writes.sql`: the order, its 3 lines, the coupon reservation and the timeout job as one statement between BEGIN and COMMIT; no reads, no locks), once per client count after the rounds: {}. An order over the API does the same writes and, on top of them, reads (prices, the owned and pending checks, the grant, the idempotency key, under the buyer's row lock) and carries HTTP, JSON, the token and the cart in Redis.",
            floors.join("; ")
        );
    }
    match &r.census {
        Some(c) => {
            let _ = writeln!(
                out,
                "\nOne checkout (3 courses, a coupon, an Idempotency-Key), counted over {} checkouts run one at a time through an in-process luffy: **{:.1} statements** in **{:.1} round trips**: {:.1} statements counted by PostgreSQL's `pg_stat_statements`, plus one BEGIN and one COMMIT per checkout (`pg_stat_statements` does not see transaction control sent as prepared statements; that each checkout was one transaction is checked on the rows: the user row's locker `xmax` is the order's `xmin` for {:.0}% of them); round trips are client turns counted by a relay between luffy and PostgreSQL. pgbench's script is 10 statements in 10 round trips. Statements per checkout:\n",
                c.checkouts, c.statements, c.round_trips, c.tracked, c.transactions * 100.0
            );
            let _ = writeln!(out, "| per checkout | statement |");
            let _ = writeln!(out, "|---|---|");
            for (calls, query) in &c.breakdown {
                let short: String = query.chars().take(140).collect();
                let _ = writeln!(out, "| {calls:.2} | `{}` |", short.replace('|', "\\|"));
            }
        }
        None => {
            let _ = writeln!(out, "\n(No census: run through `just bench`, which starts a PostgreSQL with pg_stat_statements for it.)");
        }
    }
    let _ = writeln!(out);
}

/// Writes the report.
pub fn write(path: &Path, plot: &Path, r: &Results) -> anyhow::Result<()> {
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `just bench` ({}), commit `{}`, on {}. A release build of `luffy serve` (embedded worker off; {}) over loopback, \
         driven by `apps/loadgen` with {} concurrent clients for {} s per run (a run ends earlier if its prepared users or signed notifies run out: see the ok column); PostgreSQL and Redis on the same machine. \
         Speed is measured here, never asserted in tests.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        commit(),
        machine(),
        server_pools(),
        r.concurrency,
        r.duration
    );
    let _ = writeln!(
        out,
        "The store is prepared as one that has been running: every bench user has a paid order \
         (courses 4 and 6, owned), an unpaid order for course 8 that is not due yet, a settled and \
         a pending timeout job, and three grants of the 30元 coupon; then `ANALYZE`. Each user's \
         cart holds courses 1, 2 and 7, which the order-creation run buys with one grant. \
         pgbench runs after a `VACUUM (ANALYZE)` of the written tables.\n"
    );
    headline_section(&mut out, r);
    let _ = writeln!(
        out,
        "All operations ({} clients; order creation is its median round):\n",
        r.concurrency
    );
    let _ = writeln!(
        out,
        "| operation | ok | errors | per second | p50 ms | p90 ms | p99 ms | ratio to the limit |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    row(&mut out, &r.orders, Some(&r.pg_limit));
    row(&mut out, &r.cart, Some(&r.redis_limit));
    row(&mut out, &r.notify, None);
    row(&mut out, &r.list, None);
    row(&mut out, &r.search, None);
    row(&mut out, &r.my_courses, None);
    let _ = writeln!(out, "\nLimits, same client count:\n");
    let _ = writeln!(out, "- order creation: `{}` (`apps/loadgen/pgbench/checkout.sql`: lock the user, insert order and 3 lines, reserve a coupon, insert the job, commit) = **{:.0} tps**", r.pg_limit.command, r.pg_limit.per_second);
    let _ = writeln!(
        out,
        "- cart add: `{}` = **{:.0} HSET/s**",
        r.redis_limit.command, r.redis_limit.per_second
    );
    let _ = writeln!(out, "\nTimeout processing (due `order_timeout` jobs for unpaid orders holding points and a coupon; orders that never had a pay link, so no gateway call is needed: each job moves its order 0 -> 3 and gives back the coupon and the points with a ledger row; every order is checked afterwards):\n");
    let _ = writeln!(out, "| workers | jobs | seconds | jobs/s |");
    let _ = writeln!(out, "|---|---|---|---|");
    for t in &r.timeouts {
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.0} |",
            t.workers,
            t.jobs,
            t.seconds,
            t.rate()
        );
    }
    let _ = writeln!(
        out,
        "\nServer peak RSS (VmHWM) after the order-creation run: **{}**.\n",
        r.rss_kib
            .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
            .unwrap_or_else(|| "not available".into())
    );
    let _ = writeln!(
        out,
        "![latency percentiles]({})\n",
        plot.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    );
    let _ = writeln!(out, "Profiling notes and before/after figures of each optimisation: `docs/performance-log.md`.\n");
    let _ = writeln!(out, "Reference: the tutorial's Django version reached 170-200 orders/s on this kind of machine, p99 about 200 ms at 32 clients (0.16-0.19x of the same pgbench script when pgbench still connected over TLS, before 2026-12-05; less against the plain-TCP pgbench above).");
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}
