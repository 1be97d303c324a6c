//! Timeout processing rate: insert due order_timeout jobs for unpaid orders that spent points
//! and reserved a coupon, let N workers process them, check every order ended timed out with
//! its coupon and points restored.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use diesel::sql_types::BigInt;
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use luffy_order::OrderStatus;

use crate::setup::Bench;
use crate::Args;

/// One timeout run.
#[derive(Debug, Clone)]
pub struct TimeoutRun {
    /// Workers.
    pub workers: usize,
    /// Jobs processed.
    pub jobs: usize,
    /// Wall time.
    pub seconds: f64,
}

impl TimeoutRun {
    /// Jobs per second.
    pub fn rate(&self) -> f64 {
        self.jobs as f64 / self.seconds.max(1e-9)
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> anyhow::Result<i64> {
    let row: Count = diesel::sql_query(sql)
        .get_result(conn)
        .await
        .with_context(|| sql.to_owned())?;
    Ok(row.value)
}

/// Runs `workers` in-process workers (the server's own worker is off) over `args.timeout_jobs`
/// fresh due jobs.
pub async fn run(args: &Args, bench: &Bench, workers: usize) -> anyhow::Result<TimeoutRun> {
    let tag = format!("tmo{workers}");
    let mut conn = AsyncPgConnection::establish(&args.database_url).await?;
    let users = bench.last_id - bench.first_id + 1;
    let unpaid = OrderStatus::Unpaid.code();
    conn.batch_execute(&format!(
        "CREATE TEMP TABLE new_orders AS
         WITH o AS (
             INSERT INTO orders (user_id, order_number, order_status, pay_type, total_price, real_price, credit, expires_at)
             SELECT {first} + (g % {users}), '{tag}-' || g, {unpaid}, 0, 100.00, 70.00, 10, now() - interval '1 second'
             FROM generate_series(1, {n}) g
             RETURNING id, user_id)
         SELECT * FROM o;
         INSERT INTO credit_ledger (user_id, operation, number, remark) SELECT user_id, 2, 10, 'bench grant' FROM new_orders;
         INSERT INTO credit_ledger (user_id, operation, number, order_id, remark) SELECT user_id, 1, -10, id, 'bench spend' FROM new_orders;
         INSERT INTO coupon_logs (user_id, coupon_id, name, order_id) SELECT user_id, 1, '{tag}', id FROM new_orders;
         INSERT INTO jobs (kind, payload, run_at, max_attempts, order_id)
             SELECT 'order_timeout', json_build_object('order_id', id)::text, now(), 20, id FROM new_orders;
         DROP TABLE new_orders;
         ANALYZE;",
        first = bench.first_id,
        n = args.timeout_jobs,
    ))
    .await
    .context("inserting due timeout jobs")?;

    let settings = luffy_api::Settings {
        database_url: args.database_url.clone(),
        database_pool_size: 8 * workers,
        redis_url: args.redis_url.clone(),
        public_url: args.base.clone(),
        alipay_gateway: format!("{}/sandbox/alipay/gateway.do", args.base),
        keys_dir: args.keys_dir.clone(),
        worker_poll_ms: 100,
        worker_concurrency: 16,
        sweep_interval_secs: 3600,
        ..luffy_api::Settings::default()
    };
    let state = luffy_api::AppState::build(settings)?;
    let started = Instant::now();
    let running: Vec<_> = (0..workers)
        .map(|_| luffy_api::jobs::spawn_worker(&state))
        .collect();
    let pending_sql = "SELECT count(*)::bigint AS value FROM jobs WHERE kind = 'order_timeout' AND status IN ('pending', 'running') AND run_at <= now()";
    loop {
        if count(&mut conn, pending_sql).await? == 0 {
            break;
        }
        ensure!(
            started.elapsed() < Duration::from_secs(900),
            "timeout jobs did not finish in 15 minutes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    for worker in running {
        worker.stop().await;
    }
    let not_timed_out = count(&mut conn, &format!("SELECT count(*)::bigint AS value FROM orders WHERE order_number LIKE '{tag}-%' AND order_status <> {}", OrderStatus::TimedOut.code())).await?;
    let coupons_held = count(&mut conn, &format!("SELECT count(*)::bigint AS value FROM coupon_logs WHERE name = '{tag}' AND order_id IS NOT NULL")).await?;
    let refunds = count(&mut conn, &format!("SELECT count(*)::bigint AS value FROM credit_ledger l JOIN orders o ON o.id = l.order_id WHERE o.order_number LIKE '{tag}-%' AND l.operation = 3")).await?;
    let ledger_off = count(
        &mut conn,
        "SELECT count(*)::bigint AS value FROM users u WHERE u.credit <> COALESCE((SELECT sum(number) FROM credit_ledger l WHERE l.user_id = u.id), 0)",
    )
    .await?;
    ensure!(
        not_timed_out == 0,
        "{not_timed_out} orders did not time out"
    );
    ensure!(
        coupons_held == 0,
        "{coupons_held} coupons were not given back"
    );
    ensure!(
        refunds == args.timeout_jobs as i64,
        "{refunds} of {} points refunds",
        args.timeout_jobs
    );
    ensure!(
        ledger_off == 0,
        "{ledger_off} users' credit differs from their ledger"
    );
    Ok(TimeoutRun {
        workers,
        jobs: args.timeout_jobs,
        seconds,
    })
}
