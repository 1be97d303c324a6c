//! The durable job worker against real PostgreSQL: racing workers, crashes, retries, dead
//! jobs, timeout racing payment, and the order timeout end to end through the sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use luffy_e2e::{spawn_app, spawn_app_with, TestApp};
use luffy_order::handlers::ExpiredOrderSweep;
use luffy_order::OrderStatus;
use luffy_scheduler::worker::HandlerFuture;
use luffy_scheduler::{Job, JobError, JobHandler, NewJob, RetryPolicy, Worker, WorkerConfig};
use luffy_store::PgJobs;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::sync::watch;

fn config(name: &str, lease_ms: u64, retry_ms: u64) -> WorkerConfig {
    WorkerConfig {
        worker_id: format!("{name}-{}", uuid::Uuid::new_v4().simple()),
        poll_interval: Duration::from_millis(50),
        batch_size: 4,
        concurrency: 4,
        lease: Duration::from_millis(lease_ms),
        retry: RetryPolicy {
            base: Duration::from_millis(retry_ms),
            max: Duration::from_secs(60),
        },
        periodic_interval: Duration::from_secs(3600),
        shutdown_grace: Duration::from_secs(2),
    }
}

fn job(kind: &str, max_attempts: i32) -> NewJob {
    NewJob {
        kind: kind.into(),
        payload: json!({}),
        run_at: Utc::now(),
        max_attempts,
        order_id: None,
    }
}

async fn quiet_app() -> TestApp {
    spawn_app_with(|s| s.worker = false).await
}

async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct Recorder(Arc<Mutex<Vec<i64>>>);

impl JobHandler for Recorder {
    fn run<'a>(&'a self, job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            self.0.lock().unwrap().push(job.id);
            Ok(())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_job_runs_once_with_three_workers_racing() {
    let app = quiet_app().await;
    let jobs = PgJobs::new(app.state.pg.clone());
    for _ in 0..40 {
        jobs.insert(&job("record", 5)).await.unwrap();
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (stop, receiver) = watch::channel(false);
    let mut workers = Vec::new();
    for n in 0..3 {
        let worker = Worker::new(
            Arc::new(PgJobs::new(app.state.pg.clone())),
            config(&format!("w{n}"), 5000, 100),
        )
        .handle("record", Arc::new(Recorder(seen.clone())));
        workers.push(tokio::spawn(worker.run(receiver.clone())));
    }
    wait_until("all jobs done", || async {
        app.scalar("SELECT count(*)::bigint AS value FROM jobs WHERE status = 'done'")
            .await
            == 40
    })
    .await;
    stop.send(true).unwrap();
    for worker in workers {
        worker.await.unwrap();
    }
    let mut ids = seen.lock().unwrap().clone();
    assert_eq!(ids.len(), 40, "no job ran twice");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    assert_eq!(
        app.scalar("SELECT max(attempts)::bigint AS value FROM jobs")
            .await,
        1
    );
}

/// Blocks forever on its first call (the worker gets killed there), performs the effect after.
struct HangsOnce {
    calls: AtomicUsize,
    effects: AtomicUsize,
}

impl JobHandler for HangsOnce {
    fn run<'a>(&'a self, _job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(async move {
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            self.effects.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_workers_job_runs_again_after_its_lease() {
    let app = quiet_app().await;
    let jobs = PgJobs::new(app.state.pg.clone());
    let id = jobs.insert(&job("hang", 5)).await.unwrap();
    let handler = Arc::new(HangsOnce {
        calls: AtomicUsize::new(0),
        effects: AtomicUsize::new(0),
    });
    let (_stop, receiver) = watch::channel(false);
    let first = Worker::new(
        Arc::new(PgJobs::new(app.state.pg.clone())),
        config("doomed", 1000, 100),
    )
    .handle("hang", handler.clone());
    let first = tokio::spawn(first.run(receiver.clone()));
    wait_until("the first worker to start the job", || async {
        handler.calls.load(Ordering::SeqCst) == 1
    })
    .await;
    first.abort(); // crash: no release, the lease stays until it expires
    let _ = first.await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*)::bigint AS value FROM jobs WHERE id = {id} AND status = 'running'"
        ))
        .await,
        1
    );
    let second = Worker::new(
        Arc::new(PgJobs::new(app.state.pg.clone())),
        config("survivor", 1000, 100),
    )
    .handle("hang", handler.clone());
    let second = tokio::spawn(second.run(receiver));
    wait_until("the job to finish on the second worker", || async {
        app.scalar(&format!(
            "SELECT count(*)::bigint AS value FROM jobs WHERE id = {id} AND status = 'done'"
        ))
        .await
            == 1
    })
    .await;
    second.abort();
    assert_eq!(
        handler.effects.load(Ordering::SeqCst),
        1,
        "the effect happened once"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT attempts::bigint AS value FROM jobs WHERE id = {id}"
        ))
        .await,
        2
    );
}

struct FailsTwice(Mutex<Vec<Instant>>);

impl JobHandler for FailsTwice {
    fn run<'a>(&'a self, _job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(async move {
            let mut calls = self.0.lock().unwrap();
            calls.push(Instant::now());
            if calls.len() <= 2 {
                Err(JobError::Retry("gateway busy".into()))
            } else {
                Ok(())
            }
        })
    }
}

struct AlwaysFails;

impl JobHandler for AlwaysFails {
    fn run<'a>(&'a self, _job: &'a Job) -> HandlerFuture<'a> {
        Box::pin(async { Err(JobError::Retry("still broken".into())) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failures_retry_with_backoff_then_die_at_max_attempts() {
    let app = quiet_app().await;
    let jobs = PgJobs::new(app.state.pg.clone());
    let flaky = jobs.insert(&job("flaky", 5)).await.unwrap();
    let doomed = jobs.insert(&job("doomed", 3)).await.unwrap();
    let calls = Arc::new(FailsTwice(Mutex::new(Vec::new())));
    let (stop, receiver) = watch::channel(false);
    let worker = Worker::new(
        Arc::new(PgJobs::new(app.state.pg.clone())),
        config("retry", 5000, 200),
    )
    .handle("flaky", calls.clone())
    .handle("doomed", Arc::new(AlwaysFails));
    let task = tokio::spawn(worker.run(receiver));
    wait_until("both jobs to settle", || async {
        app.scalar(&format!(
            "SELECT count(*)::bigint AS value FROM jobs WHERE (id = {flaky} AND status = 'done') OR (id = {doomed} AND status = 'dead')"
        ))
        .await
            == 2
    })
    .await;
    stop.send(true).unwrap();
    task.await.unwrap();
    let times = calls.0.lock().unwrap().clone();
    assert_eq!(times.len(), 3, "two failures, then success");
    // Backoff: at least 200 ms before the 2nd attempt, at least 400 ms before the 3rd.
    assert!(times[1] - times[0] >= Duration::from_millis(200));
    assert!(times[2] - times[1] >= Duration::from_millis(400));
    assert_eq!(
        app.scalar(&format!(
            "SELECT attempts::bigint AS value FROM jobs WHERE id = {flaky}"
        ))
        .await,
        3
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT attempts::bigint AS value FROM jobs WHERE id = {doomed}"
        ))
        .await,
        3
    );
    let admin = app.login("admin", "admin12345").await;
    let stats = app.get("/admin/jobs/", &admin).await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text);
    assert_eq!(stats.json["dead"][0]["id"], doomed);
    assert!(stats.json["dead"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("still broken"));
    let buyer = app.login_demo().await;
    assert_eq!(
        app.get("/admin/jobs/", &buyer).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn open_and_pay(app: &TestApp, token: &str, number: &str) -> String {
    let link = app.get(&format!("/payments/alipay/{number}/"), token).await;
    let url = link.json["link"].as_str().unwrap().to_owned();
    assert_eq!(
        app.client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    app.press_pay(number).await;
    app.sandbox_notify_body(number).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timeout_racing_a_notify_is_either_paid_or_timed_out_and_refunded_never_both() {
    let app = quiet_app().await;
    app.set_sandbox_mode(json!({"notify": "drop"})).await;
    let token = app.login_demo().await;
    let timeouts = app.state.orders.clone();
    let (mut paid, mut timed_out) = (0, 0);
    for round in 0..10 {
        let course = [1, 2, 5, 7][round % 4];
        app.fill_cart(&token, &[course]).await;
        let order = app
            .json(
                Method::POST,
                "/orders/",
                &token,
                json!({"pay_type": 0, "credit": 50}),
            )
            .await;
        assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
        let (id, number) = (
            order.json["id"].as_i64().unwrap(),
            order.json["order_number"].as_str().unwrap().to_owned(),
        );
        let body = open_and_pay(&app, &token, &number).await;
        let notify = app
            .client
            .post(format!("{}/payments/alipay/notify", app.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send();
        let (answer, won) = tokio::join!(notify, timeouts.time_out(id));
        assert_eq!(answer.unwrap().text().await.unwrap(), "success");
        let won = won.unwrap();
        let status = app.order_status(id).await;
        let refunds = app.scalar(&format!("SELECT count(*)::bigint AS value FROM credit_ledger WHERE order_id = {id} AND operation = 3")).await;
        let payment = app.scalar(&format!("SELECT count(*)::bigint AS value FROM payments WHERE order_id = {id} AND status = 'refund_pending'")).await;
        let owned = app
            .scalar(&format!(
                "SELECT count(*)::bigint AS value FROM user_courses WHERE course_id = {course}"
            ))
            .await;
        match status {
            OrderStatus::Paid => {
                paid += 1;
                assert!(!won);
                assert_eq!(
                    (refunds, payment, owned),
                    (0, 0, 1),
                    "paid: nothing restored"
                );
                app.sql(&format!(
                    "DELETE FROM user_courses WHERE course_id = {course}"
                ))
                .await;
            }
            OrderStatus::TimedOut => {
                timed_out += 1;
                assert!(won);
                assert_eq!(
                    (refunds, payment, owned),
                    (1, 1, 0),
                    "timed out: restored once, payment to refund"
                );
                let refund_jobs = app.scalar(&format!("SELECT count(*)::bigint AS value FROM jobs WHERE order_id = {id} AND kind = 'trade_refund'")).await;
                assert_eq!(refund_jobs, 1);
            }
            other => panic!("order ended in status {other:?}"),
        }
        app.assert_ledger_matches().await;
    }
    assert_eq!(paid + timed_out, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unpaid_orders_time_out_and_late_payments_are_refunded_end_to_end() {
    let app = spawn_app_with(|s| {
        s.order_timeout_secs = 2;
        s.worker_poll_ms = 100;
        s.job_retry_base_ms = 200;
    })
    .await;
    let token = app.login_demo().await;
    // A: coupon order whose pay link was opened (the timeout closes the remote trade).
    app.fill_cart(&token, &[1]).await;
    let a = app
        .json(
            Method::POST,
            "/orders/",
            &token,
            json!({"pay_type": 0, "user_coupon_id": 1}),
        )
        .await;
    let (a_id, a_number) = (
        a.json["id"].as_i64().unwrap(),
        a.json["order_number"].as_str().unwrap().to_owned(),
    );
    let link = app
        .get(&format!("/payments/alipay/{a_number}/"), &token)
        .await;
    app.client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    // B: points order.
    app.fill_cart(&token, &[7]).await;
    let b = app
        .json(
            Method::POST,
            "/orders/",
            &token,
            json!({"pay_type": 0, "credit": 100}),
        )
        .await;
    let b_id = b.json["id"].as_i64().unwrap();
    assert_eq!(app.get("/users/me/", &token).await.json["credit"], 900);
    wait_until("both orders to time out", || async {
        app.scalar(&format!("SELECT count(*)::bigint AS value FROM orders WHERE id IN ({a_id}, {b_id}) AND order_status = {}", OrderStatus::TimedOut.code())).await == 2
    })
    .await;
    let coupons = app.get("/coupon/", &token).await;
    assert!(
        coupons
            .json
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["user_coupon_id"] == 1),
        "coupon back"
    );
    assert_eq!(
        app.get("/users/me/", &token).await.json["credit"],
        1000,
        "points back"
    );
    let rows = app.scalar(&format!("SELECT count(*)::bigint AS value FROM credit_ledger WHERE order_id = {b_id} AND operation = 3 AND number = 100")).await;
    assert_eq!(rows, 1, "one 订单退还 row");
    assert_eq!(
        app.get("/orders/list/?status=3", &token).await.json["count"],
        2
    );
    let trade = app
        .send(app.request(
            Method::GET,
            &format!("/sandbox/alipay/control/trades/{a_number}"),
        ))
        .await;
    assert_eq!(
        trade.json["status"], "TRADE_CLOSED",
        "the remote trade was closed"
    );
    app.assert_ledger_matches().await;

    // C: paid just before expiry, but the notify is lost and the gateway is down when the
    // timeout runs: the order times out anyway, and the payment that lands later is refunded.
    app.fill_cart(&token, &[2]).await;
    let c = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    let (c_id, c_number) = (
        c.json["id"].as_i64().unwrap(),
        c.json["order_number"].as_str().unwrap().to_owned(),
    );
    let link = app
        .get(&format!("/payments/alipay/{c_number}/"), &token)
        .await;
    app.client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    app.set_sandbox_mode(json!({"answer_20000": true, "notify": "drop"}))
        .await;
    app.press_pay(&c_number).await;
    wait_until("C to time out with the gateway down", || async {
        app.order_status(c_id).await == OrderStatus::TimedOut
    })
    .await;
    app.set_sandbox_mode(json!({})).await;
    let resent = app
        .send(app.request(
            Method::POST,
            &format!("/sandbox/alipay/control/notify/{c_number}"),
        ))
        .await;
    assert_eq!(
        resent.json["acknowledged"], true,
        "the late notify is recorded and acknowledged"
    );
    wait_until("the late payment to be refunded", || async {
        app.scalar(&format!("SELECT count(*)::bigint AS value FROM payments WHERE order_id = {c_id} AND status = 'refunded'")).await == 1
    })
    .await;
    let trade = app
        .send(app.request(
            Method::GET,
            &format!("/sandbox/alipay/control/trades/{c_number}"),
        ))
        .await;
    assert_eq!(
        trade.json["refunded"], trade.json["total_amount"],
        "refunded in full at the gateway: {}",
        trade.text
    );
    assert_eq!(app.order_status(c_id).await, OrderStatus::TimedOut);
    assert_eq!(
        app.scalar("SELECT count(*)::bigint AS value FROM user_courses")
            .await,
        0
    );
    let _ = spawn_app; // the plain harness is used by the other suites
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_workers_sweeping_at_once_give_each_expired_order_one_timeout_job() {
    let app = quiet_app().await;
    // Ten unpaid orders past expiry that have lost their timeout jobs.
    let token = app.login_demo().await;
    let mut ids = Vec::new();
    for course in [1, 2, 4, 5, 7] {
        app.fill_cart(&token, &[course]).await;
        let created = app
            .json(
                Method::POST,
                "/orders/",
                &token,
                serde_json::json!({"pay_type": 0}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        ids.push(created.json["id"].as_i64().unwrap());
    }
    let (other, _) = app.register_user().await;
    for course in [1, 2, 4, 5, 7] {
        app.fill_cart(&other, &[course]).await;
        let created = app
            .json(
                Method::POST,
                "/orders/",
                &other,
                serde_json::json!({"pay_type": 0}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        ids.push(created.json["id"].as_i64().unwrap());
    }
    app.sql("UPDATE orders SET expires_at = now() - interval '1 minute'; DELETE FROM jobs WHERE kind = 'order_timeout';")
        .await;
    for round in 0..5 {
        // Three workers, each with its own pool, sweep at the same moment.
        let sweepers: Vec<_> = (0..3)
            .map(|_| ExpiredOrderSweep {
                orders: app.state.orders.clone(),
                jobs: std::sync::Arc::new(PgJobs::new(app.state.pg.clone())),
            })
            .collect();
        let results =
            futures::future::join_all(sweepers.iter().map(|sweeper| sweeper.sweep())).await;
        let created: usize = results.into_iter().map(Result::unwrap).sum();
        assert_eq!(
            created,
            if round == 0 { ids.len() } else { 0 },
            "round {round}"
        );
        let per_order = app
            .scalar(
                "SELECT COALESCE(max(n), 0)::bigint AS value FROM (SELECT count(*) AS n FROM jobs
                 WHERE kind = 'order_timeout' AND status IN ('pending', 'running') GROUP BY order_id) c",
            )
            .await;
        assert_eq!(
            per_order, 1,
            "round {round}: an order got more than one live timeout job"
        );
    }
    // The unique index itself refuses a second live job.
    let id = ids[0];
    let url = app.database.url.clone();
    let duplicate = tokio::spawn(async move {
        luffy_e2e::run_sql(
            &url,
            &format!("INSERT INTO jobs (kind, payload, run_at, max_attempts, order_id) VALUES ('order_timeout', '{{}}', now(), 20, {id})"),
        )
        .await;
    })
    .await;
    assert!(duplicate.is_err(), "a second live timeout job was accepted");
}
