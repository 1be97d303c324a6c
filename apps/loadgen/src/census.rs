//! How much database work one checkout is, counted rather than read off the code: checkouts
//! run one at a time through an in-process luffy whose PostgreSQL connections pass through a
//! counting relay, against a PostgreSQL that has `pg_stat_statements` loaded. PostgreSQL's own
//! statistics give the statements; the relay gives the round trips (each time the client sends
//! again after the server answered).

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use secrecy::SecretString;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::{setup, Args};

/// Checkouts counted.
const CHECKOUTS: usize = 40;

/// What one checkout costs the database.
#[derive(Debug, Clone)]
pub struct Census {
    /// Checkouts counted.
    pub checkouts: usize,
    /// Statements per checkout (pg_stat_statements calls).
    pub statements: f64,
    /// Round trips per checkout (client turns on the wire).
    pub round_trips: f64,
    /// The share of checkouts whose lock and write were one transaction (1.0: all of them).
    pub transactions: f64,
    /// Statements per checkout that pg_stat_statements saw (it misses BEGIN and COMMIT sent as
    /// prepared statements; `statements` adds them per transaction).
    pub tracked: f64,
    /// Each statement's calls per checkout, most called first: (calls, query).
    pub breakdown: Vec<(f64, String)>,
}

#[derive(QueryableByName)]
struct Transactions {
    #[diesel(sql_type = BigInt)]
    transactions: i64,
}

/// Checkouts whose user-row lock and order write were one transaction: the locking
/// transaction left its id in the user row's `xmax`, the writing one in the order's `xmin`.
async fn one_transaction_checkouts(conn: &mut AsyncPgConnection) -> anyhow::Result<i64> {
    let row: Transactions = diesel::sql_query(
        "SELECT count(*) AS transactions FROM orders o JOIN users u ON u.id = o.user_id
         WHERE o.idempotency_key LIKE 'census-%' AND u.xmax::text = o.xmin::text",
    )
    .get_result(conn)
    .await
    .context("reading the census orders")?;
    Ok(row.transactions)
}

#[derive(QueryableByName)]
struct StatementCalls {
    #[diesel(sql_type = BigInt)]
    calls: i64,
    #[diesel(sql_type = Text)]
    query: String,
}

/// Counts client turns: a turn starts when the client sends after the server has sent (or
/// first). Pipelined statements sent together are one turn.
#[derive(Default)]
struct Turns {
    total: AtomicU64,
}

/// Who sent last on one connection.
const NOBODY: u8 = 0;
const CLIENT: u8 = 1;
const SERVER: u8 = 2;

async fn relay(listener: TcpListener, upstream: String, turns: Arc<Turns>) {
    while let Ok((client, _)) = listener.accept().await {
        let (upstream, turns) = (upstream.clone(), turns.clone());
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let last = Arc::new(AtomicU8::new(NOBODY));
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            let up = {
                let (last, turns) = (last.clone(), turns.clone());
                async move {
                    let mut buffer = vec![0u8; 64 * 1024];
                    while let Ok(n) = client_read.read(&mut buffer).await {
                        if n == 0 {
                            break;
                        }
                        if last.swap(CLIENT, Ordering::SeqCst) != CLIENT {
                            turns.total.fetch_add(1, Ordering::Relaxed);
                        }
                        if server_write.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = server_write.shutdown().await;
                }
            };
            let down = async move {
                let mut buffer = vec![0u8; 64 * 1024];
                while let Ok(n) = server_read.read(&mut buffer).await {
                    if n == 0 {
                        break;
                    }
                    last.store(SERVER, Ordering::SeqCst);
                    if client_write.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = client_write.shutdown().await;
            };
            tokio::join!(up, down);
        });
    }
}

/// Host and port of a PostgreSQL URL (`postgres://user@host:port/db`).
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('/')
        .next()
        .unwrap_or("127.0.0.1:5432")
        .to_owned()
}

/// Counts `CHECKOUTS` checkouts (3 courses, a coupon, an Idempotency-Key) against the
/// migrated and seeded `database_url`, whose server has pg_stat_statements loaded.
pub async fn run(args: &Args, database_url: &str) -> anyhow::Result<Census> {
    let mut stats = AsyncPgConnection::establish(database_url)
        .await
        .context("connecting to the census database")?;
    stats
        .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .await
        .context("pg_stat_statements (the census server must preload it)")?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let relay_port = listener.local_addr()?.port();
    let turns = Arc::new(Turns::default());
    let relay_task = tokio::spawn(relay(listener, host_port(database_url), turns.clone()));
    let database = database_url.rsplit('/').next().unwrap_or("postgres");
    let through_relay = format!("postgres://postgres@127.0.0.1:{relay_port}/{database}");

    // Under the bench's own prefix, which `just bench` deletes when it ends.
    let prefix = format!(
        "{}census:",
        std::env::var("LUFFY_REDIS_PREFIX").unwrap_or_else(|_| "bench:".into())
    );
    let settings = luffy_api::Settings {
        database_url: through_relay,
        database_pool_size: 2,
        redis_url: args.redis_url.clone(),
        redis_prefix: prefix.clone(),
        redis_pool_size: 2,
        listen: "127.0.0.1:0".into(),
        public_url: String::new(),
        http_workers: 1,
        keys_dir: args.keys_dir.clone(),
        jwt_secret: SecretString::from(args.jwt_secret.clone()),
        worker: false,
        ..luffy_api::Settings::default()
    };
    let server = luffy_api::start(settings)
        .await
        .context("starting the census server")?;
    let base = format!("http://{}", server.addr);
    let bench = setup::prepare_users(database_url, &args.jwt_secret, CHECKOUTS).await?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    for user in &bench.users {
        for course in [1, 2, 7] {
            let response = client
                .post(format!("{base}/cart/"))
                .header("Authorization", format!("jwt {}", user.token))
                .json(&json!({ "course_id": course }))
                .send()
                .await?;
            anyhow::ensure!(response.status().is_success(), "census cart add failed");
        }
    }

    stats
        .batch_execute("SELECT pg_stat_statements_reset()")
        .await?;
    let turns_before = AtomicU64::load(&turns.total, Ordering::SeqCst);
    for (i, user) in bench.users.iter().enumerate() {
        let response = client
            .post(format!("{base}/orders/"))
            .header("Authorization", format!("jwt {}", user.token))
            .header("Idempotency-Key", format!("census-{i}"))
            .json(&json!({"pay_type": 0, "user_coupon_id": user.grant, "credit": 0}))
            .send()
            .await?;
        anyhow::ensure!(
            response.status().as_u16() == 201,
            "census checkout answered {}",
            response.status()
        );
    }
    let round_trips = AtomicU64::load(&turns.total, Ordering::SeqCst) - turns_before;
    let one_transaction = one_transaction_checkouts(&mut stats).await?;
    let rows: Vec<StatementCalls> = diesel::sql_query(
        "SELECT s.calls, s.query FROM pg_stat_statements s
         JOIN pg_database d ON d.oid = s.dbid
         WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'
         ORDER BY s.calls DESC, s.query",
    )
    .load(&mut stats)
    .await
    .context("reading pg_stat_statements")?;
    server.stop(false).await?;
    relay_task.abort();

    let n = CHECKOUTS as f64;
    let control = |query: &str| {
        matches!(
            query.trim().to_ascii_uppercase().as_str(),
            "BEGIN" | "COMMIT" | "ROLLBACK"
        )
    };
    let tracked: i64 = rows
        .iter()
        .filter(|r| !control(&r.query))
        .map(|r| r.calls)
        .sum();
    let transactions = one_transaction as f64 / n;
    Ok(Census {
        checkouts: CHECKOUTS,
        statements: tracked as f64 / n + 2.0 * transactions,
        tracked: tracked as f64 / n,
        transactions,
        round_trips: round_trips as f64 / n,
        breakdown: rows
            .into_iter()
            .map(|r| {
                let query = r.query.split_whitespace().collect::<Vec<_>>().join(" ");
                (r.calls as f64 / n, query)
            })
            .collect(),
    })
}
