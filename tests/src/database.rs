//! Per-test databases cloned from a migrated, seeded template.

use std::path::Path;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::DEFAULT_TEST_DATABASE_URL;

/// Key of the advisory lock that serialises template creation across test processes.
const TEMPLATE_LOCK: i64 = 7_340_001;

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// The maintenance URL of the test PostgreSQL server.
pub fn server_url() -> String {
    std::env::var("LUFFY_TEST_DATABASE_URL")
        .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

fn url_for(database: &str) -> String {
    let (server, _) =
        luffy_store::database::split_database_url(&server_url()).expect("LUFFY_TEST_DATABASE_URL");
    let base = server
        .rsplit_once('/')
        .map(|(base, _)| base.to_owned())
        .unwrap_or(server);
    format!("{base}/{database}")
}

async fn connect_server() -> AsyncPgConnection {
    let url = server_url();
    match AsyncPgConnection::establish(&url).await {
        Ok(conn) => conn,
        Err(error) => panic!(
            "PostgreSQL is not reachable at {url} ({error}). Start it (`just services`, or \
             `pg_ctlcluster <version> main start`) or set LUFFY_TEST_DATABASE_URL."
        ),
    }
}

/// Runs SQL against a database URL, panicking with the SQL on failure.
pub async fn run_sql(url: &str, sql: &str) {
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .expect("connecting to the test database");
    conn.batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("SQL failed: {e}\n{sql}"));
}

#[derive(diesel::QueryableByName)]
struct Scalar {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    value: i64,
}

/// Runs a query returning one `bigint` column named `value`.
pub async fn scalar(url: &str, sql: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .expect("connecting to the test database");
    let row: Scalar = diesel::sql_query(sql)
        .get_result(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("query failed: {e}\n{sql}"));
    row.value
}

fn hash_dir(hasher: &mut Sha256, root: &Path, dir: &Path) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            hash_dir(hasher, root, &path);
        } else {
            // Relative names, so every checkout of the same schema shares one template.
            let relative = path.strip_prefix(root).unwrap_or(&path);
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update(std::fs::read(&path).unwrap_or_default());
        }
    }
}

/// Template name: changes when migrations or seed data change, and every day (the seeded
/// promotion window is relative to the seed time).
fn template_name() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut hasher = Sha256::new();
    hash_dir(&mut hasher, &root, &root.join("migrations"));
    hash_dir(&mut hasher, &root, &root.join("crates/store/src/seed"));
    hasher.update(include_bytes!("../../apps/api/src/commands/seed.rs"));
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("luffy_tpl_{hex}_{}", chrono_day())
}

fn chrono_day() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or_default()
}

async fn build_template() -> String {
    let name = template_name();
    let mut conn = connect_server().await;
    conn.batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"))
        .await
        .expect("taking the template lock");
    let exists = luffy_store::database::database_exists(&mut conn, &name)
        .await
        .expect("checking the template");
    if !exists {
        let building = format!("{name}_build");
        conn.batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
        ))
        .await
        .expect("dropping a half-built template");
        conn.batch_execute(&format!("CREATE DATABASE \"{building}\""))
            .await
            .expect("creating the template");
        migrate_and_seed(&url_for(&building)).await;
        conn.batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{building}' AND pid <> pg_backend_pid()"
        ))
        .await
        .expect("disconnecting from the template");
        conn.batch_execute(&format!(
            "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
        ))
        .await
        .expect("publishing the template");
    }
    drop_stale_templates(&mut conn, &name).await;
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"))
        .await
        .expect("releasing the template lock");
    name
}

#[derive(diesel::QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

/// Drops the templates of earlier days and other schema versions, so `just test` does not
/// leave one behind per day or migration change. A template in use (being cloned right now)
/// refuses the drop, and is left for a later run.
async fn drop_stale_templates(conn: &mut AsyncPgConnection, current: &str) {
    use diesel_async::RunQueryDsl;
    let stale: Vec<DatabaseName> = diesel::sql_query(
        "SELECT datname FROM pg_database
         WHERE datname LIKE 'luffy\\_tpl\\_%' AND datname NOT LIKE '%\\_build' AND datname <> $1",
    )
    .bind::<diesel::sql_types::Text, _>(current)
    .load(conn)
    .await
    .unwrap_or_default();
    for database in stale {
        if let Err(error) = conn
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\"", database.datname))
            .await
        {
            eprintln!("left stale template {}: {error}", database.datname);
        }
    }
}

/// Writes the default statement timeout as the database's own setting, as `luffy migrate` does.
pub async fn apply_default_statement_timeout(url: &str) {
    let timeout = std::time::Duration::from_millis(
        luffy_api::Settings::default().database_statement_timeout_ms,
    );
    luffy_store::database::apply_statement_timeout(url, timeout)
        .await
        .expect("setting the test database's statement timeout");
}

/// Migrates an empty database and loads the demo data, as `luffy migrate` and `luffy seed` do;
/// the template and the private PostgreSQL of the fault tests are both made this way.
pub async fn migrate_and_seed(url: &str) {
    luffy_store::migrations::run_pending(url)
        .await
        .expect("migrating a test database");
    apply_default_statement_timeout(url).await;
    let settings = luffy_api::Settings {
        database_url: url.to_owned(),
        database_pool_size: 1,
        keys_dir: crate::fixture_keys_dir(),
        media_dir: crate::test_media_dir(),
        ..luffy_api::Settings::default()
    };
    let state = luffy_api::AppState::build(settings).expect("test database state");
    luffy_api::commands::seed::seed(&state)
        .await
        .expect("seeding a test database");
}

/// A database of its own for one test.
pub struct TestDatabase {
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
}

impl TestDatabase {
    /// Clones the template into a fresh database.
    pub async fn create() -> Self {
        let template = TEMPLATE.get_or_init(build_template).await.clone();
        let name = format!("luffy_t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = connect_server().await;
        let mut attempt = 0;
        loop {
            match conn
                .batch_execute(&format!(
                    "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                ))
                .await
            {
                Ok(()) => break,
                // Another process may briefly hold a connection to the template.
                Err(error) if attempt < 20 => {
                    attempt += 1;
                    eprintln!("retrying CREATE DATABASE: {error}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(error) => panic!("cloning the template: {error}"),
            }
        }
        // A clone does not inherit the template's own settings: write the statement timeout
        // as `luffy migrate` does.
        let url = url_for(&name);
        apply_default_statement_timeout(&url).await;
        Self { url, name }
    }
}

impl Drop for TestDatabase {
    /// Drops the database on a separate thread with its own runtime, so it works from `Drop`
    /// inside or outside an async test.
    fn drop(&mut self) {
        let url = self.url.clone();
        let worker = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Err(error) = luffy_store::database::drop_database(&url).await {
                        eprintln!("could not drop test database {url}: {error:#}");
                    }
                });
            }
        });
        let _ = worker.join();
    }
}

/// Deletes every key under a test's Redis prefix.
pub fn delete_redis_prefix(redis_url: &str, prefix: &str) {
    let Ok(client) = deadpool_redis::redis::Client::open(redis_url) else {
        return;
    };
    let Ok(mut conn) = client.get_connection() else {
        return;
    };
    let keys: Vec<String> = deadpool_redis::redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut conn)
        .unwrap_or_default();
    if !keys.is_empty() {
        let _: Result<i64, _> = deadpool_redis::redis::cmd("DEL").arg(keys).query(&mut conn);
    }
}

/// Index and sequential scans of `courses` on a server, from its own statistics.
pub async fn course_scans(url: &str) -> i64 {
    scalar(
        url,
        "SELECT COALESCE(sum(seq_scan + COALESCE(idx_scan, 0)), 0)::bigint AS value
         FROM pg_stat_user_tables WHERE relname = 'courses'",
    )
    .await
}

/// Waits (up to 15 s) until a server's `courses` scans pass `at_least`: a backend publishes
/// its statistics when it goes idle, at most once a second and otherwise up to 10 s later, so
/// a pooled connection's reads show up late. Returns the last count seen.
pub async fn course_scans_reach(url: &str, at_least: i64) -> i64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let scans = course_scans(url).await;
        if scans >= at_least || std::time::Instant::now() >= deadline {
            return scans;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
