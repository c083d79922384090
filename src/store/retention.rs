//! Retention: questions older than the configured age are deleted once a day.
//!
//! Shaped like every background loop here: a name, an interval, a public `run_once` that tests
//! call directly, errors logged and never fatal. The service (`serve`) spawns [`run`].

use std::time::Duration;

use tokio::sync::watch;

use super::{Store, StoreError, now_ms};

pub const INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// Deletes questions older than `days`; returns how many went.
pub async fn run_once(store: &Store, days: u32) -> Result<u64, StoreError> {
    let before = now_ms() - i64::from(days) * 86_400_000;
    let n = store.purge(before).await?;
    tracing::info!(deleted = n, days, "retention: old questions purged");
    Ok(n)
}

/// Purges at start and then every `interval` until `shutdown` turns true.
pub async fn run(store: Store, days: u32, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {
                if let Err(e) = run_once(&store, days).await {
                    tracing::warn!(error = %e, "retention: purge failed, will retry at the next tick");
                }
            }
        }
    }
}
