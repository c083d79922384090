//! The podcast: syncing the feed (the only outbound HTTP) and linking answers to the
//! episode, at the minute, where the matter is discussed.
//!
//! - [`feed`]: parsing feeds, durations, HTML, chapters and transcripts (pure).
//! - [`sync`]: fetching, conditional GET, paging, moves; stored whole or not at all.
//! - [`link`]: the catalogue of curated and synced episodes and the matcher (pure).
//! - [`run`]: the background loop `serve` starts: sync, then wait the feed's `<ttl>` (or
//!   the configured interval, or what a 429/503 asked for) with jitter.

pub mod feed;
pub mod link;
pub mod sync;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

pub use crate::privacy::shown_url;
pub use feed::{FeedEpisode, Mark};
pub use link::{Catalogue, Found};
pub use sync::{Fetcher, SyncError, SyncReport, sync_once};

use crate::service::Service;

/// Syncs `feed` until shutdown. Errors are logged and retried with back-off; they never stop
/// anything else (the fetcher's timeout bounds every request).
pub async fn run(
    service: Arc<Service>,
    feed: String,
    every: Duration,
    fetcher: Fetcher,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut failures: u32 = 0;
    loop {
        let wait = match service.store() {
            Ok(store) => match sync_once(store, &fetcher, &feed).await {
                Ok(report) => {
                    failures = 0;
                    service.metrics.feed_sync(report.result);
                    if report.result == "updated" {
                        service.refresh_episodes().await;
                    }
                    report
                        .ttl_minutes
                        .map(|m| Duration::from_secs(u64::from(m) * 60))
                        .unwrap_or(every)
                        .max(Duration::from_secs(60))
                }
                Err(e) => {
                    tracing::warn!(error = %e, "podcast: sync failed; the last good episodes stay");
                    failures += 1;
                    service.metrics.feed_sync("failed");
                    let backoff = Duration::from_secs(30 * 2u64.pow(failures.min(6)));
                    e.retry_after()
                        .unwrap_or(backoff)
                        .max(backoff)
                        .min(every.max(backoff))
                }
            },
            // The database is not open yet (it opens beside us at start-up): look again soon.
            Err(_) => Duration::from_millis(200),
        };
        // ±10 % jitter, so several bot processes do not knock on the feed in step.
        let jitter = rand::random::<f64>() * 0.2 - 0.1;
        let wait = wait.mul_f64(1.0 + jitter);
        tokio::select! {
            _ = shutdown.wait_for(|s| *s) => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}
