//! A private PgBouncer in transaction mode with prepared statements on, in front of a
//! PostgreSQL server, so tests run luffy through the pooler production uses. The binary comes
//! from `deploy/local/pgbouncer-build.sh` (an installed one if >= 1.21, else Debian trixie's
//! source package built once under the target directory).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::postgres_server::{chown_to_postgres, free_port, is_root};

/// The PgBouncer binary, built on first use.
pub fn pgbouncer_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let output = Command::new("bash")
                .arg(root.join("deploy/local/pgbouncer-build.sh"))
                .arg(crate::target_dir().join("pgbouncer"))
                .stderr(Stdio::inherit())
                .output()
                .expect("running deploy/local/pgbouncer-build.sh");
            assert!(
                output.status.success(),
                "getting PgBouncer >= 1.21 failed (deploy/local/pgbouncer-build.sh)"
            );
            PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
        })
        .clone()
}

/// A PgBouncer child process; dropping it stops it and deletes its directory.
pub struct PrivatePgBouncer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
    frozen: bool,
}

impl PrivatePgBouncer {
    /// Starts PgBouncer on a free port, in front of PostgreSQL at 127.0.0.1:`upstream_port`
    /// (every database name passes through), and waits until it accepts connections.
    pub fn start(upstream_port: u16) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("luffy-pgb-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("creating PgBouncer's directory");
        std::fs::write(dir.join("userlist.txt"), "\"postgres\" \"\"\n").expect("userlist");
        std::fs::write(
            dir.join("pgbouncer.ini"),
            format!(
                "[databases]\n\
                 * = host=127.0.0.1 port={upstream_port}\n\
                 [pgbouncer]\n\
                 listen_addr = 127.0.0.1\n\
                 listen_port = {port}\n\
                 unix_socket_dir =\n\
                 auth_type = trust\n\
                 auth_file = {dir}/userlist.txt\n\
                 admin_users = postgres\n\
                 pool_mode = transaction\n\
                 max_prepared_statements = 200\n\
                 max_client_conn = 1000\n\
                 default_pool_size = 20\n\
                 ignore_startup_parameters = extra_float_digits\n\
                 logfile = {dir}/pgbouncer.log\n",
                dir = dir.display()
            ),
        )
        .expect("writing pgbouncer.ini");
        chown_to_postgres(&dir);
        let mut bouncer = Self {
            port,
            dir,
            child: None,
            frozen: false,
        };
        bouncer.restart();
        bouncer
    }

    /// The URL of a database through this PgBouncer.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Rewrites a direct database URL to go through this PgBouncer.
    pub fn route(&self, database_url: &str) -> String {
        let name = database_url
            .rsplit('/')
            .next()
            .expect("a database URL ends with its name");
        self.url(name)
    }

    /// Starts PgBouncer (again) and waits for its port.
    pub fn restart(&mut self) {
        self.stop();
        // PgBouncer refuses to run as root: drop to `postgres` without a forking wrapper, so
        // the child is PgBouncer itself (freeze and kill reach it).
        let binary = pgbouncer_binary();
        let mut command = if is_root() {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
                .arg(binary);
            c
        } else {
            Command::new(binary)
        };
        let child = command
            .arg(self.dir.join("pgbouncer.ini"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting PgBouncer");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "PgBouncer did not start; see {}/pgbouncer.log",
                self.dir.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills PgBouncer (like a crash).
    pub fn stop(&mut self) {
        self.thaw();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes PgBouncer with SIGSTOP: clients stay connected and nothing answers.
    pub fn freeze(&mut self) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .args(["-STOP", &child.id().to_string()])
                .status();
            self.frozen = true;
        }
    }

    /// Lets a frozen PgBouncer run again.
    pub fn thaw(&mut self) {
        if let (Some(child), true) = (&self.child, self.frozen) {
            let _ = Command::new("kill")
                .args(["-CONT", &child.id().to_string()])
                .status();
            self.frozen = false;
        }
    }
}

impl Drop for PrivatePgBouncer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
