//! Timed runs at a fixed concurrency with hdrhistogram latencies.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use luffy_payment_alipay::form::encode_form;
use luffy_payment_alipay::keys::parse_private_key;
use luffy_payment_alipay::sign::{sign, signing_string, Purpose};
use rand::Rng;
use serde_json::json;

use crate::setup::{Bench, BenchUser};
use crate::Args;

/// One run's figures.
#[derive(Debug, Clone)]
pub struct RunStats {
    /// Operation name.
    pub name: &'static str,
    /// Successful operations.
    pub ops: u64,
    /// Failed operations (non-2xx or transport errors).
    pub errors: u64,
    /// Wall time.
    pub seconds: f64,
    /// Latencies in microseconds.
    pub hist: Histogram<u64>,
}

impl RunStats {
    /// Successful operations per second.
    pub fn throughput(&self) -> f64 {
        if self.seconds > 0.0 {
            self.ops as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// A latency percentile in milliseconds.
    pub fn ms(&self, percentile: f64) -> f64 {
        self.hist.value_at_quantile(percentile / 100.0) as f64 / 1000.0
    }
}

fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")
}

/// Runs `op(i)` from `concurrency` tasks until `duration` passes or `max_ops` are started.
async fn timed<F, Fut>(
    name: &'static str,
    concurrency: usize,
    duration: Duration,
    max_ops: usize,
    op: F,
) -> anyhow::Result<RunStats>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (op, next) = (op.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
            let (mut ok, mut errors) = (0u64, 0u64);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= max_ops || started.elapsed() >= duration {
                    break;
                }
                let t0 = Instant::now();
                if op(i).await {
                    ok += 1;
                    if let Some(h) = hist.as_mut() {
                        let _ = h.record(t0.elapsed().as_micros().max(1) as u64);
                    }
                } else {
                    errors += 1;
                }
            }
            (hist, ok, errors)
        }));
    }
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).context("histogram")?;
    let (mut ops, mut errors) = (0, 0);
    for task in tasks {
        let (hist, ok, failed) = task.await.context("a load task panicked")?;
        if let Some(h) = hist {
            total.add(h).context("merging histograms")?;
        }
        ops += ok;
        errors += failed;
    }
    Ok(RunStats {
        name,
        ops,
        errors,
        seconds: started.elapsed().as_secs_f64(),
        hist: total,
    })
}

/// Puts courses 1, 2 and 7 (no promotion, all >= the 30元 coupon's condition) in every cart.
pub async fn fill_carts(args: &Args, bench: &Bench) -> anyhow::Result<()> {
    let client = client()?;
    let base = args.base.clone();
    let tokens: Arc<Vec<String>> = Arc::new(bench.users.iter().map(|u| u.token.clone()).collect());
    let count = tokens.len() * 3;
    let stats = timed(
        "cart fill",
        args.concurrency * 2,
        Duration::from_secs(3600),
        count,
        move |i| {
            let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
            async move {
                let course = [1, 2, 7][i % 3];
                client
                    .post(format!("{base}/cart/"))
                    .header("Authorization", format!("jwt {}", tokens[i / 3]))
                    .json(&json!({"course_id": course}))
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false)
            }
        },
    )
    .await?;
    anyhow::ensure!(
        stats.errors == 0,
        "{} cart adds failed while preparing",
        stats.errors
    );
    Ok(())
}

/// The orders the creation run made, for the notify run.
pub struct CreatedOrders {
    /// Figures.
    pub run: RunStats,
    /// (order_number, real_price).
    pub created: Vec<(String, String)>,
}

/// (a) POST /orders/ with 3 courses and a coupon from `clients` clients; each of `users`
/// orders once.
pub async fn create_orders(
    args: &Args,
    users: &[BenchUser],
    clients: usize,
    duration: Duration,
) -> anyhow::Result<CreatedOrders> {
    let client = client()?;
    let base = args.base.clone();
    let users = Arc::new(users.to_vec());
    let created = Arc::new(Mutex::new(Vec::new()));
    let sink = created.clone();
    let run = timed(
        "order creation (3 courses + coupon)",
        clients,
        duration,
        users.len(),
        move |i| {
            let (client, base, users, sink) =
                (client.clone(), base.clone(), users.clone(), sink.clone());
            async move {
                let user = &users[i];
                let Ok(response) = client
                    .post(format!("{base}/orders/"))
                    .header("Authorization", format!("jwt {}", user.token))
                    .json(&json!({"pay_type": 0, "user_coupon_id": user.grant, "credit": 0}))
                    .send()
                    .await
                else {
                    return false;
                };
                if response.status().as_u16() != 201 {
                    return false;
                }
                let Ok(body) = response.json::<serde_json::Value>().await else {
                    return false;
                };
                let number = body["order_number"].as_str().unwrap_or_default().to_owned();
                let price = body["real_price"].as_f64().unwrap_or_default();
                if let Ok(mut list) = sink.lock() {
                    list.push((number, format!("{price:.2}")));
                }
                true
            }
        },
    )
    .await?;
    let created = created.lock().map(|l| l.clone()).unwrap_or_default();
    Ok(CreatedOrders { run, created })
}

/// (b) POST /cart/ for random users and courses.
pub async fn cart_add(args: &Args, bench: &Bench, duration: Duration) -> anyhow::Result<RunStats> {
    let client = client()?;
    let base = args.base.clone();
    let tokens: Arc<Vec<String>> = Arc::new(bench.users.iter().map(|u| u.token.clone()).collect());
    timed(
        "cart add",
        args.concurrency,
        duration,
        usize::MAX,
        move |_| {
            let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
            async move {
                let (user, course) = {
                    let mut rng = rand::thread_rng();
                    (
                        rng.gen_range(0..tokens.len()),
                        [3, 5, 8][rng.gen_range(0..3)],
                    )
                };
                client
                    .post(format!("{base}/cart/"))
                    .header("Authorization", format!("jwt {}", tokens[user]))
                    .json(&json!({"course_id": course}))
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false)
            }
        },
    )
    .await
}

/// (c) signed TRADE_SUCCESS notifies for the orders of run (a); each fulfils one order.
/// Bodies are signed before the clock starts (RSA signing is the gateway's work, not ours).
pub async fn notifies(
    args: &Args,
    orders: &[(String, String)],
    duration: Duration,
) -> anyhow::Result<RunStats> {
    let key_text = std::fs::read_to_string(args.keys_dir.join("sandbox_private_key.pem"))
        .context("reading the sandbox key")?;
    let key = Arc::new(parse_private_key(&key_text)?);
    let wanted: Vec<(String, String)> = orders.iter().take(15_000).cloned().collect();
    let mut signers = Vec::new();
    for chunk in wanted.chunks(wanted.len().div_ceil(2).max(1)) {
        let (chunk, key) = (chunk.to_vec(), key.clone());
        signers.push(tokio::task::spawn_blocking(move || {
            chunk
                .iter()
                .enumerate()
                .map(|(i, (number, price))| {
                    let params: Vec<(String, String)> = vec![
                        ("app_id".into(), "2021000000000000".into()),
                        ("charset".into(), "utf-8".into()),
                        ("gmt_payment".into(), "2026-11-25 08:00:00".into()),
                        ("notify_type".into(), "trade_status_sync".into()),
                        ("out_trade_no".into(), number.clone()),
                        ("seller_id".into(), "2088000000000000".into()),
                        ("total_amount".into(), price.clone()),
                        ("trade_no".into(), format!("BENCH{number}{i}")),
                        ("trade_status".into(), "TRADE_SUCCESS".into()),
                        ("version".into(), "1.0".into()),
                    ];
                    let content = signing_string(
                        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                        Purpose::Callback,
                    );
                    let mut params = params;
                    params.push(("sign".into(), sign(&key, &content).unwrap_or_default()));
                    params.push(("sign_type".into(), "RSA2".into()));
                    encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut bodies = Vec::new();
    for signer in signers {
        bodies.extend(signer.await.context("signing notifies")?);
    }
    let bodies = Arc::new(bodies);
    let client = client()?;
    let base = args.base.clone();
    let count = bodies.len();
    timed(
        "signed notify (fulfils an order)",
        args.concurrency,
        duration,
        count,
        move |i| {
            let (client, base, bodies) = (client.clone(), base.clone(), bodies.clone());
            async move {
                let Ok(response) = client
                    .post(format!("{base}/payments/alipay/notify"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(bodies[i].clone())
                    .send()
                    .await
                else {
                    return false;
                };
                response
                    .text()
                    .await
                    .map(|t| t == "success")
                    .unwrap_or(false)
            }
        },
    )
    .await
}

/// (d) GET /orders/list/ for random users.
pub async fn order_list(
    args: &Args,
    bench: &Bench,
    duration: Duration,
) -> anyhow::Result<RunStats> {
    random_users_get("orders list", "/orders/list/", args, bench, duration).await
}

/// GETs `path` as random bench users for `duration`.
async fn random_users_get(
    name: &'static str,
    path: &'static str,
    args: &Args,
    bench: &Bench,
    duration: Duration,
) -> anyhow::Result<RunStats> {
    let client = client()?;
    let url = format!("{}{path}", args.base);
    let tokens: Arc<Vec<String>> = Arc::new(bench.users.iter().map(|u| u.token.clone()).collect());
    timed(name, args.concurrency, duration, usize::MAX, move |_| {
        let (client, url, tokens) = (client.clone(), url.clone(), tokens.clone());
        async move {
            let user = rand::thread_rng().gen_range(0..tokens.len());
            client
                .get(url)
                .header("Authorization", format!("jwt {}", tokens[user]))
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false)
        }
    })
    .await
}

/// (e) GET /courses/search for a few words, Chinese among them (each search also counts its
/// word as a hot word in Redis).
pub async fn course_search(args: &Args, duration: Duration) -> anyhow::Result<RunStats> {
    const WORDS: [&str; 5] = ["入门", "Python", "算法", "实战", "爬虫"];
    let client = client()?;
    let base = args.base.clone();
    timed(
        "course search",
        args.concurrency,
        duration,
        usize::MAX,
        move |i| {
            let (client, base) = (client.clone(), base.clone());
            async move {
                client
                    .get(format!("{base}/courses/search"))
                    .query(&[
                        ("text", WORDS[i % WORDS.len()]),
                        ("page", "1"),
                        ("size", "10"),
                    ])
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false)
            }
        },
    )
    .await
}

/// (f) GET /users/course/ (我的课堂) for random users, who own two courses each.
pub async fn my_courses(
    args: &Args,
    bench: &Bench,
    duration: Duration,
) -> anyhow::Result<RunStats> {
    random_users_get(
        "my courses",
        "/users/course/?type=-1&page=1&size=10",
        args,
        bench,
        duration,
    )
    .await
}
