//! The scenarios of the production topology, run through it: three `luffy serve` behind
//! HAProxy (no retries, no redispatch), two `luffy worker`, PgBouncer in transaction mode with
//! prepared statements in front of a PostgreSQL primary with a streaming replica, a 3-master
//! Redis Cluster and the Alipay sandbox as its own process.
//!
//! `just cluster-test` starts the topology (`deploy/local/cluster.sh up`), runs these one at a
//! time (they kill and freeze the cluster's own processes) and stops it. They are `#[ignore]`d
//! in the ordinary suite, which has no cluster; run by hand with
//! `cargo nextest run -p luffy-e2e --test cluster --run-ignored only --test-threads 1`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::join_all;
use luffy_e2e::{assert_invariants, database, ApiClient, TestResponse};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The running topology, from the `cluster.env` that `cluster.sh up` writes.
struct Cluster {
    settings: HashMap<String, String>,
    /// Through HAProxy.
    api: ApiClient,
}

impl Cluster {
    fn get() -> Self {
        let path = std::env::var("LUFFY_CLUSTER_ENV").map_or_else(
            |_| luffy_e2e::target_dir().join("cluster/cluster.env"),
            PathBuf::from,
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "no cluster is up ({} is missing): run `just cluster-test`",
                path.display()
            )
        });
        let settings: HashMap<String, String> = text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let api = ApiClient::new(&settings["CLUSTER_URL"], &settings["CLUSTER_SANDBOX_URL"]);
        Self { settings, api }
    }

    fn primary_url(&self) -> &str {
        &self.settings["CLUSTER_PRIMARY_URL"]
    }

    fn replica_url(&self) -> &str {
        &self.settings["CLUSTER_REPLICA_URL"]
    }

    /// Each API instance, directly (not through HAProxy).
    fn instances(&self) -> Vec<ApiClient> {
        self.settings["CLUSTER_API_PORTS"]
            .split_whitespace()
            .map(|port| {
                ApiClient::new(
                    &format!("http://127.0.0.1:{port}"),
                    &self.settings["CLUSTER_SANDBOX_URL"],
                )
            })
            .collect()
    }

    /// Runs a control of `deploy/local/cluster.sh` (kill, term, start, freeze-primary, ...).
    fn control(&self, args: &[&str]) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/local/cluster.sh");
        let status = Command::new("bash")
            .arg(script)
            .args(args)
            .env("CLUSTER_DIR", &self.settings["CLUSTER_DIR"])
            .status()
            .expect("running cluster.sh");
        assert!(status.success(), "cluster.sh {args:?} failed");
    }

    async fn scalar(&self, sql: &str) -> i64 {
        database::scalar(self.primary_url(), sql).await
    }

    /// Requests HAProxy has sent to each API instance so far (its `stot` counters).
    async fn requests_per_instance(&self) -> Vec<i64> {
        let csv = reqwest::get(format!("{};csv", self.settings["CLUSTER_HAPROXY_STATS"]))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        csv.lines()
            .filter(|line| line.starts_with("api,api"))
            .map(|line| line.split(',').nth(7).unwrap().parse().unwrap())
            .collect()
    }

    /// Waits until HAProxy sees every API instance up.
    async fn all_instances_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let csv = reqwest::get(format!("{};csv", self.settings["CLUSTER_HAPROXY_STATS"]))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let up = csv
                .lines()
                .filter(|line| line.starts_with("api,api") && line.contains(",UP,"))
                .count();
            if up == 3 {
                return;
            }
            assert!(Instant::now() < deadline, "HAProxy never saw 3 up: {csv}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A buyer of their own (tests share the cluster's database).
    async fn buyer(&self) -> (String, i64) {
        let (token, mobile) = self.api.register_user().await;
        let id = self
            .scalar(&format!(
                "SELECT id AS value FROM users WHERE mobile = '{mobile}'"
            ))
            .await;
        (token, id)
    }
}

fn statuses(responses: &[TestResponse]) -> Vec<String> {
    responses
        .iter()
        .map(|r| format!("{} {}", r.status, r.text))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local cluster: just cluster-test"]
async fn twenty_checkouts_of_one_cart_across_instances_make_one_order() {
    let cluster = Cluster::get();
    let api = &cluster.api;
    let before = cluster.requests_per_instance().await;

    let (token, buyer) = cluster.buyer().await;
    api.fill_cart(&token, &[1, 3, 7]).await;
    let created = join_all(
        (0..20).map(|_| api.json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))),
    )
    .await;
    let winners = created
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(winners, 1, "{:?}", statuses(&created));
    assert!(
        created
            .iter()
            .all(|r| r.status == StatusCode::CREATED || r.status.is_client_error()),
        "{:?}",
        statuses(&created)
    );
    let orders = format!("orders WHERE user_id = {buyer}");
    assert_eq!(
        cluster
            .scalar(&format!("SELECT count(*)::bigint AS value FROM {orders}"))
            .await,
        1
    );

    // With one Idempotency-Key: the same order, 20 times.
    let (token, buyer) = cluster.buyer().await;
    api.fill_cart(&token, &[1, 4]).await;
    let created = join_all((0..20).map(|_| {
        api.send(
            api.authed(Method::POST, "/orders/", &token)
                .header("Idempotency-Key", "cluster-checkout-1")
                .json(&json!({"pay_type": 0})),
        )
    }))
    .await;
    assert!(
        created.iter().all(|r| r.status == StatusCode::CREATED),
        "{:?}",
        statuses(&created)
    );
    let ids: HashSet<i64> = created
        .iter()
        .map(|r| r.json["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(
        cluster
            .scalar(&format!(
                "SELECT count(*)::bigint AS value FROM orders WHERE user_id = {buyer}"
            ))
            .await,
        1
    );
    // The requests went to every instance.
    let after = cluster.requests_per_instance().await;
    assert!(
        after.iter().zip(&before).all(|(a, b)| a - b >= 10),
        "per instance {before:?} -> {after:?}"
    );
    assert_invariants(cluster.primary_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local cluster: just cluster-test"]
async fn a_notify_replayed_sixty_times_across_instances_pays_once() {
    let cluster = Cluster::get();
    let api = &cluster.api;
    let (token, buyer) = cluster.buyer().await;
    api.fill_cart(&token, &[2, 5]).await;
    let created = api
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let number = created.json["order_number"].as_str().unwrap().to_owned();

    api.set_sandbox_mode(json!({"notify": "drop"})).await;
    let link = api
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.text);
    let cashier = api
        .client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(cashier.status(), StatusCode::OK);
    api.press_pay(&number).await;
    let body = api.sandbox_notify_body(&number).await;
    api.set_sandbox_mode(json!({"notify": "normal"})).await;
    let answers = join_all((0..60).map(|_| {
        let body = body.clone();
        async move {
            api.client
                .post(format!("{}/payments/alipay/notify", api.base))
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
    let order_id = created.json["id"].as_i64().unwrap();
    assert_eq!(
        cluster
            .scalar(&format!(
                "SELECT count(*)::bigint AS value FROM payments WHERE order_id = {order_id}"
            ))
            .await,
        1
    );
    assert_eq!(
        cluster
            .scalar(&format!(
                "SELECT count(*)::bigint AS value FROM user_courses WHERE user_id = {buyer}"
            ))
            .await,
        2
    );
    assert_invariants(cluster.primary_url()).await;
}

/// The `job done` lines of one worker's log for these jobs.
fn jobs_done_by(cluster: &Cluster, worker: &str, jobs: &HashSet<i64>) -> usize {
    let log = std::fs::read_to_string(format!(
        "{}/logs/{worker}.log",
        cluster.settings["CLUSTER_DIR"]
    ))
    .unwrap_or_default();
    log.lines()
        .filter(|line| line.contains("job done") && line.contains("order_timeout"))
        .filter_map(|line| {
            let start = line.find("job=")? + 4;
            let digits: String = line[start..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<i64>().ok()
        })
        .filter(|id| jobs.contains(id))
        .count()
}

/// Creates `n` unpaid orders, one per course for each buyer (a course can be in only one
/// unpaid order of a buyer); returns their ids.
async fn unpaid_orders(cluster: &Cluster, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut token = String::new();
    for i in 0..n {
        let course = i64::try_from(i % 8).unwrap() + 1;
        if course == 1 {
            token = cluster.buyer().await.0;
        }
        cluster.api.fill_cart(&token, &[course]).await;
        let created = cluster
            .api
            .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        ids.push(created.json["id"].as_i64().unwrap());
    }
    ids
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local cluster: just cluster-test"]
async fn timeouts_spread_over_both_workers_run_once_and_the_sweep_leaves_one_job_per_order() {
    let cluster = Cluster::get();
    let due = unpaid_orders(&cluster, 40).await;
    let lost = unpaid_orders(&cluster, 10).await;
    let (due_list, lost_list) = (id_list(&due), id_list(&lost));
    // Forty orders fall due at once; ten lost their timeout job (as after a restore).
    database::run_sql(
        cluster.primary_url(),
        &format!(
            "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id IN ({due_list},{lost_list});
             UPDATE jobs SET run_at = now() WHERE kind = 'order_timeout' AND order_id IN ({due_list});
             DELETE FROM jobs WHERE kind = 'order_timeout' AND order_id IN ({lost_list});"
        ),
    )
    .await;
    let all = format!("{due_list},{lost_list}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let timed_out = cluster
            .scalar(&format!(
                "SELECT count(*)::bigint AS value FROM orders WHERE id IN ({all}) AND order_status = 3"
            ))
            .await;
        if timed_out == 50 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{timed_out} of 50 orders timed out"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Each order has exactly one timeout job, done; none is left live.
    let jobs_per_order = cluster
        .scalar(&format!(
            "SELECT count(*)::bigint AS value FROM (SELECT order_id FROM jobs
             WHERE kind = 'order_timeout' AND order_id IN ({all})
             GROUP BY order_id HAVING count(*) = 1 AND bool_and(status = 'done')) one_each"
        ))
        .await;
    assert_eq!(jobs_per_order, 50);
    // Both workers took part.
    let first_job = cluster
        .scalar(&format!(
            "SELECT min(id) AS value FROM jobs WHERE kind = 'order_timeout' AND order_id IN ({all})"
        ))
        .await;
    let last_job = cluster
        .scalar(&format!(
            "SELECT max(id) AS value FROM jobs WHERE kind = 'order_timeout' AND order_id IN ({all})"
        ))
        .await;
    // Only this test makes timeout jobs while it runs (tests run one at a time).
    let ids: HashSet<i64> = (first_job..=last_job).collect();
    let deadline = Instant::now() + Duration::from_secs(5);
    let (first, second) = loop {
        // The log lines are written as the jobs finish; give the last ones a moment.
        let done = (
            jobs_done_by(&cluster, "worker1", &ids),
            jobs_done_by(&cluster, "worker2", &ids),
        );
        if done.0 + done.1 >= 50 || Instant::now() > deadline {
            break done;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(first + second, 50, "each job done once: {first} + {second}");
    assert!(first > 0 && second > 0, "both workers: {first} + {second}");
    assert_invariants(cluster.primary_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local cluster: just cluster-test"]
async fn coupon_claims_racing_across_instances_never_exceed_the_stock() {
    let cluster = Cluster::get();
    // python七夕专用券 (id 4) is self-claim: 5 left, one per buyer.
    database::run_sql(
        cluster.primary_url(),
        "UPDATE coupons SET has_total = 5, total = 200, per_limit = 1 WHERE id = 4",
    )
    .await;
    let mut tokens = Vec::new();
    for _ in 0..15 {
        tokens.push(cluster.buyer().await.0);
    }
    let claims = join_all(tokens.iter().map(|t| {
        cluster
            .api
            .json(Method::POST, "/coupon/claim/", t, json!({"coupon_id": 4}))
    }))
    .await;
    let won = claims
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let lost = claims
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((won, lost), (5, 10), "{:?}", statuses(&claims));
    assert_eq!(
        cluster
            .scalar("SELECT has_total::bigint AS value FROM coupons WHERE id = 4")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local cluster: just cluster-test"]
async fn console_login_session_and_limiter_work_across_instances_on_the_redis_cluster() {
    let cluster = Cluster::get();
    let api = &cluster.api;
    // The login page, the form post and the dashboard go to different instances (round
    // robin): the session and its CSRF token live in the Redis Cluster.
    let (status, cookie) = api.console_login("admin", "admin12345").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for _ in 0..3 {
        let dashboard = api
            .client
            .get(format!("{}/console/", api.base))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(dashboard.status(), StatusCode::OK);
        assert!(dashboard.text().await.unwrap().contains("退出登录"));
    }
    // Five wrong passwords for one account, spread over the instances; the sixth attempt is
    // refused whichever instance takes it.
    let account = format!("nobody{}", uuid::Uuid::new_v4().simple());
    for _ in 0..5 {
        let (status, _) = api.console_login(&account, "wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = api.console_login(&account, "wrong-password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

/// Waits until every instance's `/readyz` reports the replica in this state.
async fn replica_everywhere(cluster: &Cluster, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    for instance in cluster.instances() {
        loop {
            let ready = instance
                .send(instance.request(Method::GET, "/readyz"))
                .await;
            if ready.json["replica"] == wanted {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "replica never {wanted}: {}",
                ready.text
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn browse(api: &ApiClient, times: usize) {
    for i in 0..times {
        let path = match i % 3 {
            0 => "/courses/".to_owned(),
            1 => format!("/courses/{}/", 1 + i % 5),
            _ => format!("/courses/{}/chapters/", 1 + i % 5),
        };
        let response = api.send(api.request(Method::GET, &path)).await;
        assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local cluster: just cluster-test"]
async fn catalog_reads_come_from_the_replica_and_survive_it_stopping() {
    let cluster = Cluster::get();
    replica_everywhere(&cluster, "ok").await;
    let before = database::course_scans(cluster.replica_url()).await;
    browse(&cluster.api, 60).await;
    let after = database::course_scans_reach(cluster.replica_url(), before + 60).await;
    assert!(after - before >= 60, "replica scans {before} -> {after}");

    cluster.control(&["stop-replica"]);
    replica_everywhere(&cluster, "fallback").await;
    browse(&cluster.api, 30).await;
    let metrics = cluster.instances()[0]
        .send(cluster.instances()[0].request(Method::GET, "/metrics"))
        .await
        .text;
    assert!(metrics.contains("luffy_replica_in_use 0"), "{metrics}");

    cluster.control(&["start-replica"]);
    replica_everywhere(&cluster, "ok").await;
    let before = database::course_scans(cluster.replica_url()).await;
    browse(&cluster.api, 30).await;
    let after = database::course_scans_reach(cluster.replica_url(), before + 30).await;
    assert!(after - before >= 30, "replica scans {before} -> {after}");
}

/// What a load of buyers saw: requests answered, and every failure with its reason.
#[derive(Default)]
struct LoadReport {
    answered: usize,
    failures: Vec<String>,
    /// Per buyer: the Idempotency-Keys whose order was created, with the order's id.
    orders: HashMap<i64, Vec<(String, i64)>>,
}

/// Load running against the cluster until [`Load::finish`].
struct Load {
    stop: Arc<AtomicBool>,
    report: Arc<Mutex<LoadReport>>,
    clients: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    /// Buyers checking out (each checkout retried with its Idempotency-Key until it is
    /// created) and browsers reading the catalog, through HAProxy.
    async fn start(cluster: &Cluster, buyers: usize, browsers: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let report = Arc::new(Mutex::new(LoadReport::default()));
        let mut clients = Vec::new();
        for _ in 0..buyers {
            let (token, buyer) = cluster.buyer().await;
            let (api, stop, report) = (cluster.api.clone(), stop.clone(), report.clone());
            clients.push(tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let added = api
                        .authed(Method::POST, "/cart/", &token)
                        .json(&json!({"course_id": 1}));
                    if note(&report, ApiClient::try_send(added).await, StatusCode::OK).is_none() {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                    let key = uuid::Uuid::new_v4().to_string();
                    // Retried with the same key until created; a key that never makes its
                    // order within 200 tries (10 s) is a lost checkout.
                    for attempt in 1.. {
                        if attempt > 200 {
                            let lost = format!("checkout {key} never created");
                            report.lock().unwrap().failures.push(lost);
                            break;
                        }
                        let request = api
                            .authed(Method::POST, "/orders/", &token)
                            .header("Idempotency-Key", &key)
                            .json(&json!({"pay_type": 0}));
                        let sent = ApiClient::try_send(request).await;
                        if let Some(created) = note(&report, sent, StatusCode::CREATED) {
                            let id = created.json["id"].as_i64().unwrap();
                            report
                                .lock()
                                .unwrap()
                                .orders
                                .entry(buyer)
                                .or_default()
                                .push((key, id));
                            cancel(&api, &token, id, &report).await;
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }));
        }
        for _ in 0..browsers {
            let (api, stop, report) = (cluster.api.clone(), stop.clone(), report.clone());
            clients.push(tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let path = if i % 2 == 0 {
                        "/courses/".to_owned()
                    } else {
                        format!("/courses/{}/", 1 + i % 5)
                    };
                    let answer = ApiClient::try_send(api.request(Method::GET, &path)).await;
                    note(&report, answer, StatusCode::OK);
                }
            }));
        }
        Self {
            stop,
            report,
            clients,
        }
    }

    /// Stops the clients after their current request and reports what they saw.
    async fn finish(self) -> LoadReport {
        self.stop.store(true, Ordering::SeqCst);
        for client in self.clients {
            client.await.unwrap();
        }
        Arc::try_unwrap(self.report)
            .ok()
            .expect("no client left")
            .into_inner()
            .unwrap()
    }
}

/// Cancels an order (frees its course for the next checkout), retried until the order is
/// seen cancelled: a retry after a lost answer finds it already cancelled.
async fn cancel(api: &ApiClient, token: &str, id: i64, report: &Mutex<LoadReport>) {
    let path = format!("/orders/{id}/");
    for _ in 0..200 {
        let sent = ApiClient::try_send(api.authed(Method::PUT, &path, token)).await;
        if note(report, sent, StatusCode::OK).is_some() {
            return;
        }
        let seen = ApiClient::try_send(api.authed(Method::GET, &path, token)).await;
        if seen.is_ok_and(|order| order.json["order_status"] == 2) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lost = format!("order {id} never cancelled");
    report.lock().unwrap().failures.push(lost);
}

/// Counts an answer with the expected status, or records the failure; returns the answer.
fn note(
    report: &Mutex<LoadReport>,
    outcome: Result<TestResponse, String>,
    expected: StatusCode,
) -> Option<TestResponse> {
    let mut report = report.lock().unwrap();
    match outcome {
        Ok(response) if response.status == expected => {
            report.answered += 1;
            Some(response)
        }
        Ok(response) => {
            report
                .failures
                .push(format!("{} {}", response.status, response.text));
            None
        }
        Err(error) => {
            report.failures.push(error);
            None
        }
    }
}

/// Every created order is there exactly once per Idempotency-Key, and nothing else was created.
async fn assert_each_key_made_one_order(cluster: &Cluster, report: &LoadReport) {
    for (buyer, created) in &report.orders {
        let keys: HashSet<&str> = created.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(keys.len(), created.len(), "a key answered twice");
        let stored = cluster
            .scalar(&format!(
                "SELECT count(*)::bigint AS value FROM orders WHERE user_id = {buyer}"
            ))
            .await;
        assert_eq!(
            stored,
            i64::try_from(created.len()).unwrap(),
            "buyer {buyer}: orders stored vs created"
        );
        for (key, id) in created {
            let matching = cluster
                .scalar(&format!(
                    "SELECT count(*)::bigint AS value FROM orders
                     WHERE user_id = {buyer} AND idempotency_key = '{key}' AND id = {id}"
                ))
                .await;
            assert_eq!(matching, 1, "order {id} for key {key}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local cluster: just cluster-test"]
async fn kill_9_of_an_instance_and_a_worker_under_load_loses_and_duplicates_nothing() {
    let cluster = Cluster::get();
    cluster.all_instances_up().await;
    // Due timeouts, so the workers hold leases when one is killed.
    let due = unpaid_orders(&cluster, 30).await;
    let load = Load::start(&cluster, 6, 4).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    database::run_sql(
        cluster.primary_url(),
        &format!(
            "UPDATE orders SET expires_at = now() WHERE id IN ({ids});
             UPDATE jobs SET run_at = now() WHERE kind = 'order_timeout' AND order_id IN ({ids})",
            ids = id_list(&due)
        ),
    )
    .await;
    cluster.control(&["kill", "api2"]);
    cluster.control(&["kill", "worker1"]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster.control(&["start", "api2"]);
    cluster.control(&["start", "worker1"]);
    cluster.all_instances_up().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let report = load.finish().await;
    assert!(report.answered > 50, "only {} answered", report.answered);
    let lost: Vec<_> = report
        .failures
        .iter()
        .filter(|f| f.contains("never"))
        .collect();
    assert!(lost.is_empty(), "{lost:?}");
    assert_each_key_made_one_order(&cluster, &report).await;
    // Leases are reclaimed: every due timeout ran, none is stuck running.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = cluster
            .scalar(&format!(
                "SELECT count(*)::bigint AS value FROM orders WHERE id IN ({}) AND order_status <> 3",
                id_list(&due)
            ))
            .await;
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{left} due orders never timed out"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let stuck = cluster
        .scalar(
            "SELECT count(*)::bigint AS value FROM jobs
             WHERE status = 'running' AND locked_until < now() - interval '10 seconds'",
        )
        .await;
    assert_eq!(stuck, 0);
    assert_invariants(cluster.primary_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local cluster: just cluster-test"]
async fn a_rolling_restart_under_load_fails_no_request() {
    let cluster = Cluster::get();
    cluster.all_instances_up().await;
    let load = Load::start(&cluster, 4, 8).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    for name in ["api1", "api2", "api3", "worker1", "worker2"] {
        cluster.control(&["term", name]);
        cluster.control(&["start", name]);
        cluster.all_instances_up().await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let report = load.finish().await;
    assert!(
        report.failures.is_empty(),
        "{} of {} requests failed: {:?}",
        report.failures.len(),
        report.answered + report.failures.len(),
        &report.failures[..report.failures.len().min(20)]
    );
    assert!(report.answered > 200, "only {} answered", report.answered);
    assert_each_key_made_one_order(&cluster, &report).await;
    assert_invariants(cluster.primary_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local cluster: just cluster-test"]
async fn postgres_frozen_nine_seconds_behind_pgbouncer_answers_503_within_the_bound() {
    let cluster = Cluster::get();
    cluster.all_instances_up().await;
    let (token, _) = cluster.buyer().await;
    cluster.api.fill_cart(&token, &[1, 4]).await;
    // LUFFY_DATABASE_STATEMENT_TIMEOUT_MS=2000 in the cluster: a 503 within 3 s, plus a
    // half-second allowance for this machine's two cores running 10 processes.
    let bound = Duration::from_millis(3500);
    cluster.control(&["freeze-primary"]);
    let frozen_at = Instant::now();
    let instances = cluster.instances();
    let requests = (0..18).map(|i| {
        let api = if i % 4 == 3 {
            cluster.api.clone()
        } else {
            instances[i % 3].clone()
        };
        let token = token.clone();
        async move {
            let began = Instant::now();
            let response = match i % 3 {
                0 => {
                    let request = api
                        .authed(Method::POST, "/orders/", &token)
                        .json(&json!({"pay_type": 0}));
                    ApiClient::try_send(request).await
                }
                1 => ApiClient::try_send(api.authed(Method::GET, "/orders/list/", &token)).await,
                _ => ApiClient::try_send(api.request(Method::GET, "/courses/1/")).await,
            };
            (
                api.base.clone(),
                response.map(|r| r.status),
                began.elapsed(),
            )
        }
    });
    let answers = join_all(requests).await;
    let left = Duration::from_secs(9).saturating_sub(frozen_at.elapsed());
    tokio::time::sleep(left).await;
    cluster.control(&["thaw-primary"]);
    for (base, status, elapsed) in &answers {
        // The course page may still be served from the replica, which is not frozen.
        let status = status.as_ref().expect("an answer");
        assert!(
            *status == StatusCode::SERVICE_UNAVAILABLE || *status == StatusCode::OK,
            "{base}: {status}"
        );
        assert!(*elapsed < bound, "{base}: waited {elapsed:?}");
    }
    assert!(answers.iter().any(|(_, status, _)| status
        .as_ref()
        .is_ok_and(|s| *s == StatusCode::SERVICE_UNAVAILABLE)));
    // Thawed: the instances come back and a checkout works.
    cluster.all_instances_up().await;
    let created = cluster
        .api
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_invariants(cluster.primary_url()).await;
}
