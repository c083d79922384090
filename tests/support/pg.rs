//! A throwaway PostgreSQL server per test run: `initdb` into a temp dir, `postgres` on a free
//! loopback port, stopped when dropped. Uses Debian's packages (`.ci/run` installs them).
//! When no server binaries exist locally the PostgreSQL tests print a loud SKIPPED line;
//! under CI (`CI=true`) a missing server is a failure instead.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
    as_user: Option<&'static str>,
}

fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    found.sort();
    found.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Postgres {
    /// Starts a server, or returns `None` (after saying so loudly) when none can be had here.
    pub fn start() -> Option<Postgres> {
        let Some(bin) = bin_dir() else {
            assert!(
                std::env::var("CI").is_err(),
                "PostgreSQL server binaries are missing under CI: .ci/run must install postgresql"
            );
            eprintln!(
                "\n*** SKIPPED: PostgreSQL tests (no server under /usr/lib/postgresql; apt-get install postgresql) ***\n"
            );
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("kommunbot-pg")
            .tempdir()
            .unwrap();
        // initdb refuses to run as root: run the server as Debian's `postgres` user then.
        let as_user = is_root().then_some("postgres");
        if as_user.is_some() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "cannot chown the PostgreSQL test directory to postgres");
        }
        let mut pg = Postgres {
            bin,
            dir,
            port: free_port(),
            child: None,
            as_user,
        };
        let data = pg.data();
        let out = pg
            .command("initdb")
            .args([
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ])
            .stdout(Stdio::null())
            .output()
            .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pg.resume();
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        match self.as_user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        }
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// A fresh database on this server.
    pub fn database(&self, name: &str) -> String {
        let out = Command::new("psql")
            .args([
                &self.url("postgres"),
                "-q",
                "-c",
                &format!("CREATE DATABASE {name}"),
            ])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "create database: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.url(name)
    }

    /// Stops the server (an outage); `resume` starts it again on the same port and data.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // The child may be `runuser`, which does not pass signals on: ask pg_ctl.
            let data = self.data();
            let _ = self
                .command("pg_ctl")
                .args(["stop", "-D", data.to_str().unwrap(), "-m", "fast", "-w"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = c.wait();
        }
    }

    pub fn resume(&mut self) {
        let data = self.data();
        let sock: &Path = self.dir.path();
        let child = self
            .command("postgres")
            .args(["-D", data.to_str().unwrap(), "-p", &self.port.to_string()])
            .args([
                "-k",
                sock.to_str().unwrap(),
                "-c",
                "listen_addresses=127.0.0.1",
            ])
            .args(["-c", "fsync=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ok = Command::new("pg_isready")
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .stdout(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
