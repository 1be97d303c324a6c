//! The luffy test harness, reusable by other projects' integration suites.
//!
//! [`spawn_app`] gives each test its own PostgreSQL database, cloned from a template that is
//! migrated and seeded once per schema version, its own Redis key prefix, and a server on
//! port 0. Dropping the [`TestApp`] stops the server, drops the database and deletes the
//! prefix's keys. Services that are not running make the test fail with a message saying
//! what to start; nothing is skipped silently.
//!
//! Environment: `LUFFY_TEST_DATABASE_URL` (a server URL, default
//! `postgres://postgres@127.0.0.1:5432/postgres`), `LUFFY_TEST_REDIS_URL` (default
//! `redis://127.0.0.1:6379/0`), `TEST_LOG` to see the server's logs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

pub mod api_client;
pub mod browser;
pub mod database;
pub mod pgbouncer;
pub mod postgres_server;
pub mod redis_cluster;
pub mod redis_server;

use luffy_order::OrderStatus;
use std::net::SocketAddr;

use luffy_api::{AppState, RunningServer, Settings};
use reqwest::StatusCode;
use serde_json::Value;

pub use api_client::ApiClient;
pub use database::{run_sql, TestDatabase};
pub use pgbouncer::PrivatePgBouncer;
pub use postgres_server::PrivatePostgres;
pub use redis_cluster::PrivateRedisCluster;
pub use redis_server::PrivateRedis;

/// Default PostgreSQL server for tests.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Default Redis for tests.
pub const DEFAULT_TEST_REDIS_URL: &str = "redis://127.0.0.1:6379/0";

/// The demo buyer created by the seed.
pub const DEMO_USERNAME: &str = "luffy";
/// Its password.
pub const DEMO_PASSWORD: &str = "luffy12345";

/// Test-only key pairs (never used outside tests): the merchant pair and the sandbox pair.
pub fn fixture_keys_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/payment-alipay/tests/fixtures/alipay/keys")
}

/// Where tests' servers keep media (the seed's demo pictures), outside the source tree.
pub fn test_media_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("luffy-test-media")
}

/// The Redis URL tests use.
pub fn test_redis_url() -> String {
    std::env::var("LUFFY_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_TEST_REDIS_URL.to_owned())
}

/// A running app with its own database and Redis prefix.
pub struct TestApp {
    pub addr: SocketAddr,
    /// HTTP calls to this app (`app.base`, `app.client`, `app.login_demo()`, ... through
    /// `Deref`).
    pub api: ApiClient,
    pub database: TestDatabase,
    pub redis_prefix: String,
    pub state: AppState,
    server: Option<RunningServer>,
    /// The PgBouncer between the app and PostgreSQL, when the test runs through one.
    pub pgbouncer: Option<PrivatePgBouncer>,
}

/// A decoded response: status, headers and JSON body (`Value::Null` when not JSON).
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl TestResponse {
    /// The `errmsg` field, or "" when absent.
    pub fn errmsg(&self) -> &str {
        self.json["errmsg"].as_str().unwrap_or_default()
    }
}

/// The invariants that no failure may break, checked on any luffy database: no order without
/// lines, no reserved coupon without an unpaid order, every user's points equal to their
/// ledger (and never negative), and no paid order without its courses owned.
pub async fn assert_invariants(database_url: &str) {
    let checks = [
        (
            "an order without lines",
            "SELECT count(*)::bigint AS value FROM orders o
             WHERE NOT EXISTS (SELECT 1 FROM order_details d WHERE d.order_id = o.id)",
        ),
        (
            "a reserved coupon without an unpaid order",
            "SELECT count(*)::bigint AS value FROM coupon_logs c
             WHERE c.order_id IS NOT NULL AND c.use_status = 0
               AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = c.order_id AND o.order_status = {unpaid})",
        ),
        (
            "points that differ from the ledger",
            "SELECT count(*)::bigint AS value FROM users u
             WHERE u.credit < 0
                OR u.credit <> COALESCE((SELECT sum(number) FROM credit_ledger l WHERE l.user_id = u.id), 0)",
        ),
        (
            "a balance that differs from its ledger",
            "SELECT count(*)::bigint AS value FROM users u
             WHERE u.money < 0
                OR u.money <> COALESCE((SELECT sum(amount) FROM money_ledger l WHERE l.user_id = u.id), 0)",
        ),
        (
            "a paid line, not refunded, whose course is not owned",
            "SELECT count(*)::bigint AS value FROM order_details d JOIN orders o ON o.id = d.order_id
             WHERE o.order_status IN ({paid}, {partly}, {refunded})
               AND NOT EXISTS (SELECT 1 FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id
                               WHERE rl.order_detail_id = d.id AND r.status IN {granted})
               AND NOT EXISTS (SELECT 1 FROM user_courses u WHERE u.user_id = o.user_id AND u.course_id = d.course_id)",
        ),
        (
            "a refunded course still owned without another paid line",
            "SELECT count(*)::bigint AS value FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id
             JOIN user_courses u ON u.user_id = r.user_id AND u.course_id = rl.course_id
             WHERE r.status IN {granted}
               AND NOT EXISTS (SELECT 1 FROM order_details d JOIN orders o ON o.id = d.order_id
                               WHERE o.user_id = r.user_id AND d.course_id = rl.course_id
                                 AND o.order_status IN ({paid}, {partly}, {refunded})
                                 AND NOT EXISTS (SELECT 1 FROM refund_lines rl2 JOIN refunds r2 ON r2.id = rl2.refund_id
                                                 WHERE rl2.order_detail_id = d.id AND r2.status IN {granted}))",
        ),
        (
            "an order whose granted refunds exceed what was paid",
            "SELECT count(*)::bigint AS value FROM orders o
             WHERE o.real_price < (SELECT COALESCE(sum(r.amount), 0) FROM refunds r
                                   WHERE r.order_id = o.id AND r.status IN {granted})",
        ),
        (
            "a refund whose amount differs from its lines'",
            "SELECT count(*)::bigint AS value FROM refunds r
             WHERE r.amount <> (SELECT COALESCE(sum(l.amount), 0) FROM refund_lines l WHERE l.refund_id = r.id)
                OR r.points <> (SELECT COALESCE(sum(l.points), 0) FROM refund_lines l WHERE l.refund_id = r.id)",
        ),
        (
            "a fully refunded order with a line not refunded, or a refunded line in a paid order",
            "SELECT count(*)::bigint AS value FROM orders o
             WHERE (o.order_status = {refunded} AND EXISTS (
                      SELECT 1 FROM order_details d WHERE d.order_id = o.id AND NOT EXISTS (
                        SELECT 1 FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id
                        WHERE rl.order_detail_id = d.id AND r.status IN {granted})))
                OR (o.order_status = {paid} AND EXISTS (
                      SELECT 1 FROM refunds r WHERE r.order_id = o.id AND r.status IN {granted}))",
        ),
    ];
    let (unpaid, paid) = (OrderStatus::Unpaid.code(), OrderStatus::Paid.code());
    let (partly, refunded) = (
        OrderStatus::PartlyRefunded.code(),
        OrderStatus::Refunded.code(),
    );
    let granted = "('approved', 'refunding', 'refunded', 'failed')";
    for (what, sql) in checks {
        let sql = sql
            .replace("{unpaid}", &unpaid.to_string())
            .replace("{paid}", &paid.to_string())
            .replace("{partly}", &partly.to_string())
            .replace("{refunded}", &refunded.to_string())
            .replace("{granted}", granted);
        assert_eq!(
            database::scalar(database_url, &sql).await,
            0,
            "found {what}"
        );
    }
}

/// Spawns an app with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns an app whose database connections go through a private PgBouncer in transaction
/// mode with prepared statements (the test's own SQL checks still go straight to PostgreSQL).
pub async fn spawn_app_through_pgbouncer(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(adjust, true).await
}

/// Whether `LUFFY_TEST_THROUGH_PGBOUNCER` asks every app of this run to go through PgBouncer.
fn pgbouncer_for_every_app() -> bool {
    std::env::var("LUFFY_TEST_THROUGH_PGBOUNCER").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// A valid 1×1 PNG, for upload tests.
pub const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The AES key of content encryption in tests (16 bytes, base64); test-only.
pub const TEST_ALIPAY_AES_KEY: &str = "bHVmZnktdGVzdHMtYWVzIQ==";

/// Whether `LUFFY_TEST_ALIPAY_MODE=certificates-aes` asks every app of this run to use Alipay
/// in certificate mode with AES content encryption (against the sandbox in the same mode).
fn alipay_certificates_for_every_app() -> bool {
    std::env::var("LUFFY_TEST_ALIPAY_MODE").is_ok_and(|v| v == "certificates-aes")
}

/// Development certificates for the fixture key pairs (a CA playing Alipay's root, the
/// gateway's and the app's certificates), written once under the target directory and shared
/// by every test process (written aside, then renamed into place).
pub fn alipay_certificate_dir() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = target_dir().join("alipay-test-certificates");
        if !dir.join(luffy_api::commands::keys::APP_CERT).exists() {
            let aside = target_dir().join(format!(
                "alipay-test-certificates.{}",
                uuid::Uuid::new_v4().simple()
            ));
            luffy_api::commands::keys::write_alipay_certificates(
                &fixture_keys_dir(),
                &aside,
                &mut Vec::new(),
            )
            .expect("writing the test certificates");
            // Another process may have won the race: then its files stay and ours go.
            if std::fs::rename(&aside, &dir).is_err() {
                let _ = std::fs::remove_dir_all(&aside);
            }
        }
        dir
    })
    .clone()
}

/// Points the settings at Alipay certificate mode (the test certificates) with AES on.
pub fn use_alipay_certificates_and_aes(settings: &mut Settings) {
    use luffy_api::commands::keys::{ALIPAY_CERT, ALIPAY_ROOT_CERT, APP_CERT};
    let dir = alipay_certificate_dir();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    settings.alipay_app_cert = path(APP_CERT);
    settings.alipay_cert = path(ALIPAY_CERT);
    settings.alipay_root_cert = path(ALIPAY_ROOT_CERT);
    settings.alipay_aes_key = TEST_ALIPAY_AES_KEY.into();
}

/// Spawns an app after letting the test adjust its settings (for example a private Redis).
/// With `LUFFY_TEST_THROUGH_PGBOUNCER=1` its database goes through a private PgBouncer.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(adjust, pgbouncer_for_every_app()).await
}

async fn spawn(adjust: impl FnOnce(&mut Settings), through_pgbouncer: bool) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        luffy_api::telemetry::init_tracing(false);
    }
    let database = TestDatabase::create().await;
    luffy_api::commands::demo_images::write_demo_images(&test_media_dir())
        .expect("writing the demo pictures");
    let redis_prefix = format!("test_{}:", uuid::Uuid::new_v4().simple());
    let mut settings = Settings {
        database_url: database.url.clone(),
        database_pool_size: 4,
        redis_url: test_redis_url(),
        redis_prefix: redis_prefix.clone(),
        redis_pool_size: 4,
        listen: "127.0.0.1:0".into(),
        public_url: String::new(),
        http_workers: 2,
        keys_dir: fixture_keys_dir(),
        alipay_timeout_secs: 3,
        sandbox_notify_retry_ms: 100,
        alipay_seller_id: "2088000000000000".into(),
        media_dir: test_media_dir(),
        ..Settings::default()
    };
    if alipay_certificates_for_every_app() {
        use_alipay_certificates_and_aes(&mut settings);
    }
    adjust(&mut settings);
    // Only the test's own database goes through the pooler (a test that points the app at a
    // private server keeps it).
    let pgbouncer = (through_pgbouncer && settings.database_url == database.url).then(|| {
        let port = url::Url::parse(&database::server_url())
            .ok()
            .and_then(|url| url.port())
            .unwrap_or(5432);
        let bouncer = PrivatePgBouncer::start(port);
        settings.database_url = bouncer.route(&database.url);
        bouncer
    });
    let server = luffy_api::start(settings)
        .await
        .expect("starting the server");
    let state = server.state.clone();
    let addr = server.addr;
    TestApp {
        addr,
        api: ApiClient::new(&format!("http://{addr}"), &format!("http://{addr}")),
        database,
        redis_prefix,
        state,
        server: Some(server),
        pgbouncer,
    }
}

impl std::ops::Deref for TestApp {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.api
    }
}

impl TestApp {
    /// Runs SQL against this test's database.
    pub async fn sql(&self, sql: &str) {
        run_sql(&self.database.url, sql).await;
    }

    /// Runs a query returning one `bigint` column named `value`.
    pub async fn scalar(&self, sql: &str) -> i64 {
        database::scalar(&self.database.url, sql).await
    }

    /// An order's stored status.
    pub async fn order_status(&self, id: i64) -> OrderStatus {
        let code = self
            .scalar(&format!(
                "SELECT order_status::bigint AS value FROM orders WHERE id = {id}"
            ))
            .await;
        i16::try_from(code)
            .ok()
            .and_then(OrderStatus::from_code)
            .unwrap_or_else(|| panic!("order {id} has an unknown status {code}"))
    }

    /// SPEC 2.5 invariant: every user's points and money balances equal the sums of their
    /// ledgers, and no balance is negative.
    pub async fn assert_ledger_matches(&self) {
        let mismatched = self
            .scalar(
                "SELECT count(*)::bigint AS value FROM users u
                 WHERE u.credit < 0
                    OR u.credit <> COALESCE((SELECT sum(number) FROM credit_ledger l WHERE l.user_id = u.id), 0)",
            )
            .await;
        assert_eq!(
            mismatched, 0,
            "a user's credit differs from the sum of their ledger"
        );
        let mismatched = self
            .scalar(
                "SELECT count(*)::bigint AS value FROM users u
                 WHERE u.money < 0
                    OR u.money <> COALESCE((SELECT sum(amount) FROM money_ledger l WHERE l.user_id = u.id), 0)",
            )
            .await;
        assert_eq!(
            mismatched, 0,
            "a user's balance differs from the sum of their balance ledger"
        );
    }

    /// The id of a user by username.
    pub async fn user_id(&self, username: &str) -> i64 {
        self.scalar(&format!(
            "SELECT id AS value FROM users WHERE username = '{username}'"
        ))
        .await
    }

    /// Stops the server gracefully (tests that restart dependencies call it explicitly).
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop(true).await.expect("stopping the server");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            // `stop` sends the command eagerly; the returned future only waits for the ack.
            drop(server.handle().stop(false));
        }
        let prefix = self.redis_prefix.clone();
        let redis_url = self.state.settings.redis_url.clone();
        let cleanup =
            std::thread::spawn(move || database::delete_redis_prefix(&redis_url, &prefix));
        let _ = cleanup.join();
    }
}

/// The cargo target directory (`CARGO_TARGET_DIR`, else the workspace's `target/`): where
/// built helpers (PgBouncer, the payment peers) are cached.
pub fn target_dir() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// The `luffy` binary of this build (next to the test binaries' `deps/` directory).
pub fn luffy_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("the test binary lives in <target>/<profile>/deps");
    let binary = profile_dir.join("luffy");
    assert!(
        binary.is_file(),
        "{} is missing: build the workspace (`cargo build --workspace`)",
        binary.display()
    );
    binary
}

/// The Python of the independent payment peers (the PyPI package wechatpayv3 2.x), installed
/// on first use into a virtualenv under the cargo target directory (`tests/peers/install.sh`).
pub fn peers_python() -> std::path::PathBuf {
    static PYTHON: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let dir = target_dir().join("peers");
            let status = std::process::Command::new("bash")
                .arg(root.join("tests/peers/install.sh"))
                .arg(&dir)
                .status()
                .expect("running tests/peers/install.sh");
            assert!(
                status.success(),
                "installing wechatpayv3 into {} failed (needs python3 with venv and PyPI)",
                dir.display()
            );
            dir.join("venv/bin/python")
        })
        .clone()
}

/// Runs a peer program once: the request as JSON on its stdin, its answer as JSON on stdout.
fn ask_peer(name: &str, mut command: std::process::Command, request: &Value) -> Value {
    use std::io::Write;
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting the {name} peer: {e}"));
    child
        .stdin
        .take()
        .expect("peer stdin")
        .write_all(request.to_string().as_bytes())
        .expect("writing to the peer");
    let output = child.wait_with_output().expect("the peer's answer");
    assert!(
        output.status.success(),
        "the {name} peer failed on {request}"
    );
    serde_json::from_slice(&output.stdout).expect("the peer's JSON")
}

/// Asks the wechatpayv3 peer (`tests/peers/wechatpayv3_peer.py`) one question.
pub fn wechatpayv3(request: &Value) -> Value {
    let mut command = std::process::Command::new(peers_python());
    command.arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/wechatpayv3_peer.py"));
    ask_peer("wechatpayv3", command, request)
}

/// Where Alipay's official Node SDK (npm `alipay-sdk` 4.x) is installed for the peers, on first
/// use, under the cargo target directory (`tests/peers/install-npm.sh`).
pub fn alipay_sdk_dir() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = target_dir().join("npm-peers");
        let status = std::process::Command::new("bash")
            .arg(root.join("tests/peers/install-npm.sh"))
            .arg(&dir)
            .status()
            .expect("running tests/peers/install-npm.sh");
        assert!(
            status.success(),
            "installing alipay-sdk into {} failed (needs node and npm with the registry)",
            dir.display()
        );
        dir
    })
    .clone()
}

/// Asks the alipay-sdk peer (`tests/peers/alipay_sdk_peer.cjs`) one question.
pub fn alipay_sdk(request: &Value) -> Value {
    let mut command = std::process::Command::new("node");
    command
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/alipay_sdk_peer.cjs"))
        .env("ALIPAY_SDK_DIR", alipay_sdk_dir());
    ask_peer("alipay-sdk", command, request)
}
