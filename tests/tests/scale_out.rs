//! luffy on the engines production runs on: through PgBouncer in transaction mode with
//! prepared statements, on a Redis Cluster, and as a process that drains before it stops.
//! Every engine here is a private one the test starts (never the shared servers).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use luffy_e2e::{
    assert_invariants, luffy_binary, spawn_app_through_pgbouncer, spawn_app_with, TestApp,
    TestDatabase,
};
use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar(&format!("SELECT count(*)::bigint AS value FROM {sql}"))
        .await
}

/// Transactions PgBouncer has carried, from its admin console (`SHOW STATS`).
fn pgbouncer_transactions(app: &TestApp) -> i64 {
    let bouncer = app
        .pgbouncer
        .as_ref()
        .expect("the app runs through PgBouncer");
    let output = Command::new("psql")
        .arg(bouncer.url("pgbouncer"))
        .args(["-AtF,", "-c", "SHOW STATS"])
        .output()
        .expect("psql");
    let text = String::from_utf8_lossy(&output.stdout);
    // database,total_server_assignment_count,total_xact_count,...
    text.lines()
        .filter(|line| line.starts_with("luffy_t_"))
        .filter_map(|line| line.split(',').nth(2)?.parse::<i64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checkout_races_and_notify_replays_hold_through_pgbouncer_in_transaction_mode() {
    let app = spawn_app_through_pgbouncer(|_| {}).await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1, 3, 7]).await;
    // 20 simultaneous submits of one cart: one order.
    let created = join_all((0..20).map(|_| {
        app.json(
            Method::POST,
            "/orders/",
            &token,
            json!({"pay_type": 0, "credit": 100}),
        )
    }))
    .await;
    let winners: Vec<_> = created
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        created.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    assert!(created
        .iter()
        .all(|r| r.status.is_client_error() || r.status == StatusCode::CREATED));
    let number = winners[0].json["order_number"].as_str().unwrap().to_owned();

    // The notify replayed 60 times at once: one payment, each course granted once.
    app.set_sandbox_mode(json!({"notify": "drop"})).await;
    let link = app
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.text);
    let cashier = app
        .client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(cashier.status(), StatusCode::OK);
    app.press_pay(&number).await;
    let body = app.sandbox_notify_body(&number).await;
    let answers = join_all((0..60).map(|_| {
        let body = body.clone();
        let app = &app;
        async move {
            app.client
                .post(format!("{}/payments/alipay/notify", app.base))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    }))
    .await;
    assert!(answers.iter().all(|a| a == "success"), "{answers:?}");
    assert_eq!(count(&app, "payments").await, 1);
    assert_eq!(count(&app, "user_courses").await, 3);
    assert_invariants(&app.database.url).await;
    assert!(
        pgbouncer_transactions(&app) > 50,
        "the work went through PgBouncer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_frozen_pgbouncer_answers_503_within_the_statement_timeout_and_a_second() {
    let mut app = spawn_app_through_pgbouncer(|settings| {
        settings.database_statement_timeout_ms = 1000;
        settings.database_timeout_secs = 1;
    })
    .await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1, 4]).await;
    let bouncer = app.pgbouncer.as_mut().unwrap();
    bouncer.freeze();
    let frozen_at = Instant::now();
    let app = Arc::new(app);
    let requests = (0..16).map(|i| {
        let app = app.clone();
        let token = token.clone();
        async move {
            let began = Instant::now();
            let response = match i % 3 {
                0 => {
                    app.json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
                        .await
                }
                1 => app.get("/orders/list/", &token).await,
                _ => app.send(app.request(Method::GET, "/courses/1/")).await,
            };
            (response.status, began.elapsed())
        }
    });
    let answers = join_all(requests).await;
    let mut app = Arc::try_unwrap(app).ok().expect("no other holder");
    // Held for the 9 s of the scenario, so no answer could come from a thaw.
    let left = Duration::from_secs(9).saturating_sub(frozen_at.elapsed());
    tokio::time::sleep(left).await;
    app.pgbouncer.as_mut().unwrap().thaw();
    for (status, elapsed) in &answers {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE);
        // 1 s statement timeout + 1 s, and one more deadline for a request that must first
        // open a connection; well under the 15 s request deadline and the 9 s freeze.
        assert!(*elapsed < Duration::from_millis(4500), "waited {elapsed:?}");
    }
    // Thawed: the timed-out connections were discarded, and a checkout works.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let created = app
            .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
            .await;
        if created.status == StatusCode::CREATED {
            break;
        }
        assert!(Instant::now() < deadline, "{}", created.text);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_invariants(&app.database.url).await;
}

/// Runs `luffy serve` on a free port over a database of its own.
fn serve(database: &TestDatabase, port: u16, drain_secs: u64) -> std::process::Child {
    Command::new(luffy_binary())
        .arg("serve")
        .env("LUFFY_DATABASE_URL", &database.url)
        .env("LUFFY_REDIS_URL", luffy_e2e::test_redis_url())
        .env(
            "LUFFY_REDIS_PREFIX",
            format!("test_{}:", uuid::Uuid::new_v4().simple()),
        )
        .env("LUFFY_LISTEN", format!("127.0.0.1:{port}"))
        .env("LUFFY_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("LUFFY_KEYS_DIR", luffy_e2e::fixture_keys_dir())
        .env("LUFFY_MEDIA_DIR", luffy_e2e::test_media_dir())
        .env("LUFFY_WORKER", "false")
        .env("LUFFY_HTTP_WORKERS", "2")
        .env("LUFFY_SHUTDOWN_DRAIN_SECS", drain_secs.to_string())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting luffy serve")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_fails_readiness_keeps_serving_while_draining_then_stops_cleanly() {
    let database = TestDatabase::create().await;
    let port = luffy_e2e::postgres_server::free_port();
    let mut child = serve(&database, port, 3);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client.get(format!("{base}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "luffy serve did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // 16 browsing clients on keep-alive connections.
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let closing = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..16)
        .map(|_| {
            let (stop, served, closing, failures) = (
                stop.clone(),
                served.clone(),
                closing.clone(),
                failures.clone(),
            );
            let client = client.clone();
            let url = format!("{base}/courses/");
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    match client.get(&url).send().await {
                        Ok(response) if response.status() == StatusCode::OK => {
                            if response
                                .headers()
                                .get("connection")
                                .is_some_and(|v| v == "close")
                            {
                                closing.fetch_add(1, Ordering::SeqCst);
                            }
                            served.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(response) => {
                            failures.lock().unwrap().push(response.status().to_string())
                        }
                        Err(error) => failures.lock().unwrap().push(error.to_string()),
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = served.load(Ordering::SeqCst);
    assert!(before > 0, "the clients were served before the signal");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let signalled = Instant::now();
    // Readiness fails at once...
    loop {
        let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
        if ready.status() == StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(1),
            "readyz still 200"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ...while requests are still served for the drain period (a balancer would now stop
    // sending them), each telling the client to close its connection.
    tokio::time::sleep(Duration::from_millis(2000).saturating_sub(signalled.elapsed())).await;
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }
    assert!(
        failures.lock().unwrap().is_empty(),
        "requests failed while draining: {:?}",
        failures.lock().unwrap()
    );
    assert!(
        served.load(Ordering::SeqCst) > before,
        "served while draining"
    );
    assert!(
        closing.load(Ordering::SeqCst) > 0,
        "Connection: close while draining"
    );
    // Then it stops by itself, cleanly, and refuses connections.
    let exited = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(15),
            "luffy serve did not stop after draining"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exited.success(), "{exited:?}");
    assert!(
        signalled.elapsed() >= Duration::from_secs(3),
        "it stopped before the drain period ended"
    );
    assert!(client.get(format!("{base}/healthz")).send().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn carts_checkout_console_sessions_and_the_login_limiter_work_on_a_redis_cluster() {
    let cluster = luffy_e2e::PrivateRedisCluster::start();
    let nodes = cluster.nodes();
    let app = spawn_app_with(move |settings| settings.redis_cluster_nodes = nodes).await;
    assert!(app.state.redis.is_cluster());

    // Carts of many buyers spread over the three masters; checkout reads and empties them.
    let mut tokens = vec![app.login_demo().await];
    for _ in 0..11 {
        tokens.push(app.register_user().await.0);
    }
    for token in &tokens {
        app.fill_cart(token, &[1, 4]).await;
    }
    let spread = cluster.keys_per_node();
    assert!(
        spread.iter().all(|keys| *keys > 0),
        "keys per master: {spread:?}"
    );
    for token in &tokens {
        let created = app
            .json(Method::POST, "/orders/", token, json!({"pay_type": 0}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let cart = app.get("/cart/", token).await;
        assert_eq!(cart.json["cart"], json!([]), "{}", cart.text);
    }
    assert_eq!(count(&app, "orders").await, 12);

    // A console login keeps its session in the cluster.
    let (status, cookie) = app.console_login("admin", "admin12345").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let dashboard = app
        .client
        .get(format!("{}/console/", app.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK);
    // The signed-in page (its navigation offers 退出登录), not the login form.
    assert!(dashboard.text().await.unwrap().contains("退出登录"));

    // The limiter counts per account across slots: the 6th attempt in the window is refused
    // even with the right password.
    for _ in 0..5 {
        let (status, _) = app.console_login("ops", "wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = app.console_login("ops", "wrong-password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let ready = app.send(app.request(Method::GET, "/readyz")).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
}

/// Waits until `/readyz` reports the replica in this state.
async fn replica_becomes(app: &TestApp, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ready = app.send(app.request(Method::GET, "/readyz")).await;
        if ready.json["replica"] == wanted {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "replica never {wanted}: {}",
            ready.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn browse(app: &TestApp, times: usize) {
    for i in 0..times {
        let path = match i % 4 {
            0 => "/courses/".to_owned(),
            1 => "/courses/directions/".to_owned(),
            2 => format!("/courses/{}/", 1 + i % 5),
            _ => format!("/courses/{}/chapters/", 1 + i % 5),
        };
        let response = app.send(app.request(Method::GET, &path)).await;
        assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catalog_reads_use_the_replica_and_fall_back_to_the_primary_when_it_stops_or_lags() {
    let primary = luffy_e2e::PrivatePostgres::start();
    let primary_url = primary.create_luffy_database().await;
    let mut replica = luffy_e2e::PrivatePostgres::replica_of(&primary);
    let replica_url = replica.url("luffy");
    let (database_url, replica_setting) = (primary_url.clone(), replica_url.clone());
    let app = spawn_app_with(move |settings| {
        settings.database_url = database_url;
        settings.database_replica_url = replica_setting;
        settings.database_replica_max_lag_ms = 1000;
    })
    .await;
    replica_becomes(&app, "ok").await;

    // Browsing is served by the replica (its own statistics count the scans), a checkout by
    // the primary.
    let before = (
        luffy_e2e::database::course_scans(&replica_url).await,
        luffy_e2e::database::course_scans(&primary_url).await,
    );
    browse(&app, 40).await;
    let after = (
        luffy_e2e::database::course_scans_reach(&replica_url, before.0 + 30).await,
        luffy_e2e::database::course_scans(&primary_url).await,
    );
    assert!(
        after.0 - before.0 >= 30,
        "replica scans {before:?} -> {after:?}"
    );
    assert!(
        after.1 - before.1 < 10,
        "primary scans {before:?} -> {after:?}"
    );
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1]).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

    // A write sent to the replica's pool is refused: its connections are read-only.
    let refused = luffy_e2e::database::scalar(
        &replica_url,
        "SELECT CASE WHEN current_setting('transaction_read_only') = 'on' THEN 1 ELSE 0 END::bigint AS value",
    )
    .await;
    assert_eq!(refused, 1);

    // Stopped: reads still answer, from the primary, and are counted.
    replica.stop();
    replica_becomes(&app, "fallback").await;
    browse(&app, 20).await;
    let metrics = app.send(app.request(Method::GET, "/metrics")).await.text;
    assert!(metrics.contains("luffy_replica_in_use 0"), "{metrics}");
    assert!(
        !metrics.contains("luffy_replica_fallback_reads_total 0\n"),
        "fallbacks counted"
    );

    // Restarted: back on the replica.
    replica.restart();
    replica_becomes(&app, "ok").await;
    let before = luffy_e2e::database::course_scans(&replica_url).await;
    browse(&app, 20).await;
    assert!(
        luffy_e2e::database::course_scans_reach(&replica_url, before + 15).await - before >= 15
    );

    // Replay paused while the primary writes: the lag passes 1 s and reads leave the replica;
    // resumed, they come back.
    luffy_e2e::run_sql(&replica_url, "SELECT pg_wal_replay_pause()").await;
    luffy_e2e::run_sql(
        &primary_url,
        "CREATE TABLE lag_probe (id int); INSERT INTO lag_probe VALUES (1)",
    )
    .await;
    replica_becomes(&app, "fallback").await;
    browse(&app, 8).await;
    luffy_e2e::run_sql(&replica_url, "SELECT pg_wal_replay_resume()").await;
    replica_becomes(&app, "ok").await;
}
