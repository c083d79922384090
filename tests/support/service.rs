//! The real `kommunbot serve` binary, started for a test on a copy of the shipped FAQ, a
//! fresh data directory (SQLite) and a random HTTP port, optionally connected to a fake
//! Discord. Stopped with SIGTERM, as an operator would.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use kommunbot::store::{Filter, Store};

use super::discord::*;

/// The real service, started on a copy of the shipped FAQ and a fresh data directory.
pub struct Service {
    discord: bool,
    env: Vec<(String, String)>,
    /// Where the HTTP API listens.
    pub http: std::net::SocketAddr,
    child: Child,
    pub data: tempfile::TempDir,
    pub faq: tempfile::TempDir,
    pub fake: FakeDiscord,
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

impl Service {
    /// With Discord connected to a fake on loopback.
    pub async fn start() -> Self {
        Self::start_with(true, &[]).await
    }

    /// `discord: false` runs without a token; `env` adds variables.
    pub async fn start_with(discord: bool, env: &[(&str, &str)]) -> Self {
        Self::start_with_config(discord, env, "").await
    }

    /// As [`Service::start_with`], with more sections appended to the config file.
    pub async fn start_with_config(discord: bool, env: &[(&str, &str)], extra: &str) -> Self {
        let fake = FakeDiscord::start().await;
        let data = tempfile::tempdir().unwrap();
        let faq = tempfile::tempdir().unwrap();
        copy_dir(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq"),
            faq.path(),
        );
        let config = data.path().join("kommunbot.toml");
        // Edits on disk are seen within a second, unless the test sets its own [faq].
        let faq_section = if extra.contains("[faq]") {
            ""
        } else {
            "[faq]\nreload_poll_seconds = 1\n"
        };
        std::fs::write(
            &config,
            format!(
                "{faq_section}\
                 [discord]\nquestion_channels = [\"{QUESTION_CHANNEL}\"]\nstaff_roles = [{STAFF_ROLE}]\n\
                 rate_limit_questions = 3\nrate_limit_seconds = 600\n\
                 [texts]\ncontact = \"Ring kommuncenter på 0155-38 00 00 eller skriv till kommun@example.se.\"\n{extra}"
            ),
        )
        .unwrap();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (child, http) = spawn(data.path(), faq.path(), &fake, discord, &env);
        let s = Service {
            http,
            child,
            data,
            faq,
            fake,
            discord,
            env,
        };
        if discord {
            s.fake.wait_ready().await;
        }
        s
    }

    /// Sends a signal by name (`HUP`, `TERM`, …) with the shell's own `kill`.
    pub fn signal(&self, name: &str) {
        let cmd = format!("kill -{name} {}", self.child.id());
        Command::new("sh").args(["-c", &cmd]).status().unwrap();
    }

    /// SIGKILL: no flush, no goodbye.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Starts the service again on the same data, FAQ and settings.
    pub async fn restart(&mut self) {
        let (child, http) = spawn(
            self.data.path(),
            self.faq.path(),
            &self.fake,
            self.discord,
            &self.env,
        );
        self.child = child;
        self.http = http;
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.path().join("serve.log")).unwrap_or_default()
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn stop(&mut self) -> ExitStatus {
        // The shell's own `kill`: no procps needed on a fresh machine.
        let cmd = format!("kill -TERM {}", self.child.id());
        Command::new("sh").args(["-c", &cmd]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("serve did not stop on SIGTERM; its log:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (with a deadline) until the running service has written `n` rows.
    pub async fn wait_rows(&self, n: usize) {
        let url = format!("sqlite://{}/kommunbot.db", self.data.path().display());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(store) = Store::open(&url).await {
                let rows = store.list(&Filter::default()).await.unwrap_or_default();
                store.close().await;
                if rows.len() >= n {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "{n} rows never appeared");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the service and reads what it logged.
    pub async fn stop_and_read_log(&mut self) -> Vec<kommunbot::store::LoggedQuestion> {
        let status = self.stop();
        assert!(status.success(), "exit {status:?}; log:\n{}", self.log());
        let url = format!("sqlite://{}/kommunbot.db", self.data.path().display());
        let store = Store::open(&url).await.unwrap();
        // Every row: the list's default limit (1,000) is less than a load test writes.
        let all = Filter {
            limit: Some(i64::MAX),
            ..Filter::default()
        };
        let rows = store.list(&all).await.unwrap();
        store.close().await;
        rows
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `kommunbot serve` and waits until it listens; returns the child and its address.
fn spawn(
    data: &Path,
    faq: &Path,
    fake: &FakeDiscord,
    discord: bool,
    env: &[(String, String)],
) -> (Child, std::net::SocketAddr) {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.join("serve.log"))
        .unwrap();
    let config = data.join("kommunbot.toml");
    let before = std::fs::read_to_string(data.join("serve.log"))
        .unwrap_or_default()
        .len();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kommunbot"));
    cmd.arg("serve")
        .args(["--http", "127.0.0.1:0"])
        .arg("--config")
        .arg(&config)
        .env_remove("DISCORD_TOKEN")
        .env_remove("KOMMUNBOT_STAFF_TOKEN")
        .env("KOMMUNBOT_DISCORD_API_BASE", fake.api_base())
        .env("KOMMUNBOT_DATA", data)
        .env("KOMMUNBOT_FAQ", faq)
        .env_remove("DATABASE_URL")
        .env_remove("KOMMUNBOT_SECRET")
        .env("RUST_LOG", "info,serenity=warn")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    if discord {
        cmd.env("DISCORD_TOKEN", "fake-token-for-tests");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the binary starts");
    // The HTTP address is in the log once the service is up.
    let deadline = Instant::now() + Duration::from_secs(30);
    let log_path = data.join("serve.log");
    let http = loop {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        // Only this run's lines: a restart appends to the same file.
        if let Some(addr) = log[before.min(log.len())..]
            .lines()
            .find(|l| l.contains("http: listening"))
            .and_then(|l| l.split("address=").nth(1))
            .and_then(|a| a.split_whitespace().next())
            .and_then(|a| a.parse().ok())
        {
            break addr;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("serve exited with {status:?}:\n{log}");
        }
        if Instant::now() > deadline {
            // Never leave a server behind when the test gives up.
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve never listened:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (child, http)
}
