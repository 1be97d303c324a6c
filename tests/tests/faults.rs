//! Faults under load, on a private PostgreSQL and Redis that these tests start, stop and
//! freeze themselves: every answer is a 4xx or a 503 (never a 500), no request waits
//! unbounded, nothing is left half-written, and service comes back without a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use luffy_e2e::{assert_invariants, spawn_app_with, PrivatePostgres, PrivateRedis, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// One buyer's loop: add a course, check out, cancel; records every status with its route.
async fn shop_until(
    app: Arc<TestApp>,
    token: String,
    courses: Vec<i64>,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<BTreeMap<(String, u16), u32>>>,
) {
    let record = |route: &str, status: StatusCode| {
        *seen
            .lock()
            .unwrap()
            .entry((route.to_owned(), status.as_u16()))
            .or_default() += 1;
    };
    let mut round = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let course = courses[round % courses.len()];
        round += 1;
        let added = app
            .json(Method::POST, "/cart/", &token, json!({"course_id": course}))
            .await;
        record("cart add", added.status);
        let created = app
            .json(
                Method::POST,
                "/orders/",
                &token,
                json!({"pay_type": 0, "credit": if round % 2 == 0 { 10 } else { 0 }}),
            )
            .await;
        record("checkout", created.status);
        if let Some(id) = created.json["id"].as_i64() {
            let cancelled = app
                .send(app.authed(Method::PUT, &format!("/orders/{id}/"), &token))
                .await;
            record("cancel", cancelled.status);
        }
        if !added.status.is_success() && !created.status.is_success() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn buyers(app: &TestApp) -> Vec<String> {
    let mut tokens = vec![app.login_demo().await];
    for _ in 0..2 {
        tokens.push(app.register_user().await.0);
    }
    tokens
}

/// Retries a checkout until it succeeds (within 15 s, never seeing a 500). With `course`, the
/// cart is first reduced to that course, so orders a failed cancel left unpaid are not in the
/// way.
async fn checkout_once_recovered(app: &TestApp, token: &str, course: Option<i64>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(course) = course {
            app.json(Method::PUT, "/cart/", token, json!({"selected": false}))
                .await;
            app.json(Method::POST, "/cart/", token, json!({"course_id": course}))
                .await;
        }
        let created = app
            .json(Method::POST, "/orders/", token, json!({"pay_type": 0}))
            .await;
        if created.status == StatusCode::CREATED {
            return;
        }
        assert_ne!(
            created.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            created.text
        );
        assert!(
            Instant::now() < deadline,
            "never recovered: {}",
            created.text
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn no_500(seen: &BTreeMap<(String, u16), u32>) {
    for ((route, status), count) in seen {
        assert!(
            *status < 500 || *status == 503,
            "{route} answered {status} {count} times: {seen:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopping_mid_request_gives_503_never_500_and_recovers() {
    let mut postgres = PrivatePostgres::start();
    let url = postgres.create_luffy_database().await;
    let database_url = url.clone();
    let app = Arc::new(
        spawn_app_with(move |settings| {
            settings.database_url = database_url;
            settings.database_timeout_secs = 1;
            settings.request_timeout_secs = 5;
        })
        .await,
    );
    let tokens = buyers(&app).await;
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(BTreeMap::new()));
    let loops: Vec<_> = tokens
        .iter()
        .map(|token| {
            tokio::spawn(shop_until(
                app.clone(),
                token.clone(),
                vec![1, 2, 4, 5, 7, 8],
                stop.clone(),
                seen.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    tokio::task::block_in_place(|| postgres.stop());
    tokio::time::sleep(Duration::from_millis(2500)).await;
    tokio::task::block_in_place(|| postgres.restart());
    tokio::time::sleep(Duration::from_millis(3000)).await;
    stop.store(true, Ordering::Relaxed);
    for handle in loops {
        handle.await.unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    no_500(&seen);
    assert!(
        seen.keys().any(|(_, status)| *status == 503),
        "the outage was not noticed: {seen:?}"
    );
    assert!(
        seen.iter()
            .any(|((route, status), _)| route == "checkout" && *status == 201),
        "no checkout succeeded: {seen:?}"
    );

    // Service is back without a restart: a full checkout works again (course 6, which the
    // loops never bought, so no order left unpaid by a failed cancel is in the way).
    let token = &tokens[0];
    checkout_once_recovered(&app, token, Some(6)).await;
    assert_invariants(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_frozen_postgres_gives_503_within_the_request_deadline_and_leaves_nothing_half_written() {
    // The request deadline (2 s) fires before the round-trip deadline (5 s + 1 s).
    frozen_postgres_answers_503_within(
        |settings| settings.request_timeout_secs = 2,
        Duration::from_secs(8),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_frozen_postgres_gives_503_within_the_statement_timeout_and_a_second() {
    // The request deadline stays at its 15 s default: the round-trip deadline (1 s + 1 s) on
    // each connection's socket answers, and the connection that timed out is discarded. A
    // request that must wait for a connection first may spend one more deadline on that.
    frozen_postgres_answers_503_within(
        |settings| settings.database_statement_timeout_ms = 1000,
        Duration::from_millis(4 * 1000 + 500),
    )
    .await;
}

/// Freezes a private PostgreSQL under 24 requests of four kinds: every one answers 503 within
/// `bound`, then after the thaw a checkout works and the invariants hold.
async fn frozen_postgres_answers_503_within(
    adjust: impl FnOnce(&mut luffy_api::Settings) + Send + 'static,
    bound: Duration,
) {
    let mut postgres = PrivatePostgres::start();
    let url = postgres.create_luffy_database().await;
    let database_url = url.clone();
    let app = Arc::new(
        spawn_app_with(move |settings| {
            settings.database_url = database_url;
            settings.database_timeout_secs = 1;
            adjust(settings);
        })
        .await,
    );
    let tokens = buyers(&app).await;
    for token in &tokens {
        app.fill_cart(token, &[1, 4]).await;
    }
    tokio::task::block_in_place(|| postgres.freeze());
    let started = Instant::now();
    let mut requests = Vec::new();
    for (i, token) in tokens.iter().cycle().take(24).enumerate() {
        let app = app.clone();
        let token = token.clone();
        requests.push(tokio::spawn(async move {
            let began = Instant::now();
            let response = match i % 4 {
                0 => {
                    app.json(
                        Method::POST,
                        "/orders/",
                        &token,
                        json!({"pay_type": 0, "credit": 10}),
                    )
                    .await
                }
                1 => app.get("/orders/list/", &token).await,
                2 => app.send(app.request(Method::GET, "/courses/1/")).await,
                _ => {
                    app.json(Method::POST, "/cart/", &token, json!({"course_id": 7}))
                        .await
                }
            };
            (
                response.status,
                response.errmsg().to_owned(),
                began.elapsed(),
            )
        }));
    }
    // Without a deadline these requests would wait for the thaw: give up after 12 s.
    let statuses =
        tokio::time::timeout(Duration::from_secs(12), futures::future::join_all(requests)).await;
    let waited = started.elapsed();
    tokio::task::block_in_place(|| postgres.thaw());
    let statuses: Vec<_> = statuses
        .expect("requests hung while PostgreSQL was frozen")
        .into_iter()
        .map(Result::unwrap)
        .collect();
    for (status, errmsg, elapsed) in &statuses {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{errmsg}");
        assert_eq!(errmsg, "service temporarily unavailable, please retry");
        assert!(*elapsed < bound, "a request waited {elapsed:?}");
    }
    assert!(
        waited < bound + Duration::from_secs(2),
        "the batch waited {waited:?}"
    );

    // After the thaw everything works again and nothing was half-written.
    checkout_once_recovered(&app, &tokens[0], None).await;
    assert_invariants(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_frozen_or_stopped_redis_gives_503_within_the_deadline() {
    let mut redis = PrivateRedis::start();
    let redis_url = redis.url();
    let app = spawn_app_with(move |settings| {
        settings.redis_url = redis_url;
        settings.redis_timeout_secs = 1;
        settings.request_timeout_secs = 3;
    })
    .await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1]).await;
    for phase in ["frozen", "stopped"] {
        if phase == "frozen" {
            redis.freeze();
        } else {
            redis.stop();
        }
        for (method, path, body) in [
            (Method::POST, "/cart/", Some(json!({"course_id": 4}))),
            (Method::GET, "/cart/", None),
            (Method::POST, "/orders/", Some(json!({"pay_type": 0}))),
        ] {
            let began = Instant::now();
            let mut request = app.authed(method.clone(), path, &token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = app.send(request).await;
            assert_eq!(
                response.status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{phase} {method} {path}: {}",
                response.text
            );
            assert!(
                began.elapsed() < Duration::from_secs(8),
                "{phase} {path} waited"
            );
        }
        // Reads that do not need Redis still work (the account check falls back to PostgreSQL).
        let orders = app.get("/orders/list/", &token).await;
        assert_eq!(orders.status, StatusCode::OK, "{phase}: {}", orders.text);
        if phase == "frozen" {
            redis.thaw();
        } else {
            redis.restart();
        }
    }
    app.fill_cart(&token, &[4]).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_invariants(&app.database.url).await;
}

/// Redis connections are not pinged at every checkout (a round trip per request saved), yet a
/// connection killed under the pool is replaced: at once when a command on it failed, by the
/// checkout's PING when it sat idle for more than a second.
#[tokio::test]
async fn redis_connections_in_steady_use_skip_the_ping_and_broken_ones_are_replaced() {
    use deadpool_redis::redis;
    use luffy_store::redis::build_redis_pool;
    use luffy_store::{RedisPoolSettings, RedisTopology};

    let redis_server = PrivateRedis::start();
    let pool = build_redis_pool(
        &RedisTopology::Single(redis_server.url()),
        &RedisPoolSettings {
            max_size: 1,
            ..RedisPoolSettings::default()
        },
    )
    .expect("building the pool");
    let mut observer = redis::Client::open(redis_server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("observer connection");
    async fn client_id(pool: &luffy_store::RedisPool) -> i64 {
        let mut conn = pool.connection().await.expect("a connection");
        let id: i64 = redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut conn)
            .await
            .unwrap();
        let () = redis::cmd("SET")
            .arg("k")
            .arg(id)
            .query_async(&mut conn)
            .await
            .unwrap();
        id
    }
    async fn last_command(observer: &mut redis::aio::MultiplexedConnection, id: i64) -> String {
        let line: String = redis::cmd("CLIENT")
            .arg("LIST")
            .arg("ID")
            .arg(id)
            .query_async(observer)
            .await
            .unwrap();
        line.split_whitespace()
            .find_map(|field| field.strip_prefix("cmd="))
            .unwrap_or_default()
            .to_owned()
    }

    // Taken again at once: the same connection, and nothing was sent on it at checkout.
    let first = client_id(&pool).await;
    let conn = pool.connection().await.expect("a connection");
    assert_eq!(last_command(&mut observer, first).await, "set");
    drop(conn);
    assert_eq!(client_id(&pool).await, first, "the connection is reused");

    // Killed while in use: the command fails, and the next checkout opens a fresh connection.
    let mut conn = pool.connection().await.expect("a connection");
    let () = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(first)
        .query_async(&mut observer)
        .await
        .unwrap();
    let failed: redis::RedisResult<Option<String>> =
        redis::cmd("GET").arg("k").query_async(&mut conn).await;
    assert!(failed.is_err(), "a killed connection cannot answer");
    drop(conn);
    let second = client_id(&pool).await;
    assert_ne!(second, first, "the failed connection was dropped");

    // Killed while idle in the pool for over a second: the checkout's PING finds out.
    let () = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(second)
        .query_async(&mut observer)
        .await
        .unwrap();
    tokio::time::sleep(luffy_store::redis_recycle::TRUSTED_FOR + Duration::from_millis(200)).await;
    let third = client_id(&pool).await;
    assert_ne!(
        third, second,
        "the dead idle connection was replaced at checkout"
    );
}
