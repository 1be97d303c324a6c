//! A private PostgreSQL cluster on its own port and directory that a fault test can stop,
//! start, freeze (SIGSTOP) and thaw, without touching the shared server other tests use.
//! Runs as the `postgres` account when the tests run as root (initdb refuses root).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A private cluster; dropping it stops the server and deletes its directory.
pub struct PrivatePostgres {
    port: u16,
    dir: PathBuf,
    bin: PathBuf,
    frozen: Vec<String>,
}

fn postgres_bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path().join("bin"))
                .filter(|bin| bin.join("initdb").is_file())
                .collect()
        })
        .unwrap_or_default();
    versions.sort_by_key(|path| {
        path.parent()
            .and_then(|p| p.file_name())
            .and_then(|name| name.to_str())
            .and_then(|name| name.parse::<u32>().ok())
            .unwrap_or_default()
    });
    versions.pop().expect(
        "no PostgreSQL server binaries under /usr/lib/postgresql (install postgresql: `just services`)",
    )
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("finding a free port")
}

/// Hands a directory to the `postgres` account when we are root (initdb, pg_basebackup and
/// PgBouncer refuse to run as root).
pub(crate) fn chown_to_postgres(dir: &Path) {
    if is_root() {
        run(
            {
                let mut c = Command::new("chown");
                c.arg("-R").arg("postgres:postgres").arg(dir);
                c
            },
            "chown to postgres",
        );
    }
}

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A command for a PostgreSQL binary, as `postgres` when we are root.
fn pg_command(bin: &Path, program: &str) -> Command {
    let path = bin.join(program);
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(path);
        command
    } else {
        Command::new(path)
    }
}

pub(crate) fn run(mut command: Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl PrivatePostgres {
    /// Creates a cluster in a fresh temporary directory and starts it on a free port.
    pub fn start() -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("luffy-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("creating the cluster directory");
        chown_to_postgres(&dir);
        let bin = postgres_bin_dir();
        let mut initdb = pg_command(&bin, "initdb");
        initdb.arg("-D").arg(dir.join("data")).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        run(initdb, "initdb");
        let mut server = Self {
            port,
            dir,
            bin,
            frozen: Vec::new(),
        };
        server.restart();
        server
    }

    /// A streaming replica of `primary` (pg_basebackup with `-R`), started on its own port.
    pub fn replica_of(primary: &PrivatePostgres) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("luffy-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("creating the replica directory");
        chown_to_postgres(&dir);
        let mut backup = pg_command(&primary.bin, "pg_basebackup");
        backup
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &primary.port.to_string(),
                "-U",
                "postgres",
            ])
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-R", "-X", "stream", "--no-sync", "--checkpoint=fast"]);
        run(backup, "pg_basebackup");
        let mut replica = Self {
            port,
            dir,
            bin: primary.bin.clone(),
            frozen: Vec::new(),
        };
        replica.restart();
        replica
    }

    /// This server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of a database on this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates the `luffy` database on this server, migrated and seeded like the shared
    /// template, and returns its URL.
    pub async fn create_luffy_database(&self) -> String {
        crate::run_sql(&self.url("postgres"), "CREATE DATABASE luffy").await;
        let url = self.url("luffy");
        crate::database::migrate_and_seed(&url).await;
        url
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn restart(&mut self) {
        let mut ctl = pg_command(&self.bin, "pg_ctl");
        ctl.arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
                self.port,
                self.dir.display()
            ))
            .args(["-w", "-t", "30", "start"]);
        run(ctl, "pg_ctl start");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "private PostgreSQL did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server at once, like a crash (`-m immediate`): open connections break.
    pub fn stop(&mut self) {
        self.thaw();
        let mut ctl = pg_command(&self.bin, "pg_ctl");
        ctl.arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = ctl.stdin(Stdio::null()).output();
    }

    /// The postmaster and every backend, by pid.
    fn processes(&self) -> Vec<String> {
        let pid_file = self.dir.join("data/postmaster.pid");
        let Some(postmaster) = std::fs::read_to_string(pid_file)
            .ok()
            .and_then(|text| text.lines().next().map(str::to_owned))
        else {
            return Vec::new();
        };
        let children = Command::new("pgrep")
            .args(["-P", &postmaster])
            .output()
            .map(|out| {
                String::from_utf8_lossy(&out.stdout)
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let mut all = vec![postmaster];
        all.extend(children);
        all
    }

    /// Freezes the server and all its backends with SIGSTOP: connections stay open and
    /// nothing answers, as with a hung host.
    pub fn freeze(&mut self) {
        let pids = self.processes();
        assert!(!pids.is_empty(), "no PostgreSQL processes to freeze");
        run(
            {
                let mut c = Command::new("kill");
                c.arg("-STOP").args(&pids);
                c
            },
            "kill -STOP",
        );
        self.frozen = pids;
    }

    /// Lets a frozen server run again.
    pub fn thaw(&mut self) {
        if self.frozen.is_empty() {
            return;
        }
        let _ = Command::new("kill")
            .arg("-CONT")
            .args(&self.frozen)
            .stdin(Stdio::null())
            .output();
        self.frozen.clear();
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
