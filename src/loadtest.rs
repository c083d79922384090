//! `kommunbot bench --http N`: a load test of the real service over loopback.
//!
//! Starts the whole service in-process (`app::start`: HTTP, question log on a fresh SQLite
//! file, FAQ watcher) on 127.0.0.1 with a random port, sends `N` questions to
//! `/api/v1/ask` from `C` concurrent keep-alive connections, then shuts the service down
//! (which flushes the log) and counts the rows: every answered question must be logged.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::sync::watch;

use crate::config::Config;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct LoadReport {
    pub requests: usize,
    pub ok: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Rows in the database after the graceful shutdown.
    pub rows: i64,
    pub spooled: u64,
}

impl LoadReport {
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs the load test; `data_dir` must be a fresh, empty folder.
pub async fn run(
    faq_dir: &std::path::Path,
    data_dir: &std::path::Path,
    questions: &[String],
    requests: usize,
    concurrency: usize,
) -> Result<LoadReport> {
    anyhow::ensure!(!questions.is_empty(), "no questions to send");
    let mut config = Config::from_parts("bench", "", |_| None)?;
    config.faq_dir = faq_dir.to_path_buf();
    config.storage.data_dir = data_dir.to_path_buf();
    config.storage.database_url = format!("sqlite://{}/kommunbot.db", data_dir.display());
    config.http.address = ([127, 0, 0, 1], 0).into();
    // One client address sends everything: the per-client limit would otherwise be the test.
    config.http.rate_limit_per_minute = u32::MAX;
    let (stop, shutdown) = watch::channel(false);
    let running = crate::app::start(&config, shutdown).await?;
    let url = format!("http://{}/api/v1/ask", running.http);
    let service = running.service.clone();
    // The database opens in the background: wait for it so the first batch is not spooled.
    let deadline = Instant::now() + Duration::from_secs(10);
    while service.store().is_err() {
        anyhow::ensure!(Instant::now() < deadline, "the database did not open");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency)
        .build()
        .context("cannot build the HTTP client")?;
    let bodies: Arc<Vec<String>> = Arc::new(
        questions
            .iter()
            .map(|q| serde_json::json!({ "question": q }).to_string())
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (client, url, bodies, next) =
                (client.clone(), url.clone(), bodies.clone(), next.clone());
            tokio::spawn(async move {
                let mut times = Vec::new();
                let mut errors = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let t = Instant::now();
                    let r = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(bodies[i % bodies.len()].clone())
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => {
                            // Read the whole reply, as a client would.
                            let _ = r.bytes().await;
                            times.push(t.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (times, errors)
            })
        })
        .collect();
    let mut times = Vec::with_capacity(requests);
    let mut errors = 0;
    for w in workers {
        let (t, e) = w.await?;
        times.extend(t);
        errors += e;
    }
    let elapsed = started.elapsed();
    let spooled = service
        .log()
        .stats
        .spooled
        .load(std::sync::atomic::Ordering::Relaxed);
    let _ = stop.send(true);
    running.wait().await;

    let store = Store::open(&config.storage.database_url).await?;
    let rows = store.count().await?;
    store.close().await;
    times.sort();
    let pct = |p: f64| {
        times
            .get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(LoadReport {
        requests,
        ok: times.len(),
        errors,
        elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
        max: times.last().copied().unwrap_or_default(),
        rows,
        spooled,
    })
}
