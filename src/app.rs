//! The composition root of `kommunbot serve`: builds the parts from the [`Config`], runs
//! them until one shutdown signal, and stops them in order.
//!
//! Parts: the [`Service`] (FAQ, engine, answer path), the question-log writer and the
//! retention loop (once the database opens: a database down at start-up is retried in the
//! background while answers go on), the FAQ watcher (edits on disk are served without a
//! restart), the HTTP API with health checks and metrics, and the Discord adapter (when
//! `DISCORD_TOKEN` is set). SIGINT or SIGTERM stop
//! everything: Discord disconnects first, then the log queue is flushed. SIGHUP reloads the FAQ.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, Settings};
use crate::privacy::{self, Pseudonymizer};
use crate::service::Service;
use crate::store::{self, PendingLog, ServiceLock, Store};

/// How often the retention loop deletes old questions.
const PURGE_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Runs the service until SIGINT/SIGTERM.
pub async fn run(config: Config) -> Result<()> {
    // Listening from the first moment: a stop asked for while the service starts (systemd,
    // an impatient operator) is kept and honoured once it runs, instead of the signal's
    // default, which ends the process before the question log is flushed.
    let listening = Listening::new();
    let (stop, shutdown) = watch::channel(false);
    let service = start(&config, shutdown.clone()).await?;
    let signals = tokio::spawn(signals(listening, service.service.clone(), stop));
    service.wait().await;
    signals.abort();
    Ok(())
}

/// A running service and its tasks.
pub struct Running {
    pub service: Arc<Service>,
    /// Where the HTTP API listens (the port is known even when 0 was asked for).
    pub http: std::net::SocketAddr,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
    /// Tells `kommunbot forget` that a service runs on this data directory, until every
    /// task (the log writer last) has ended.
    _serving: ServiceLock,
}

impl Running {
    /// Waits for every task to end (they end when the shutdown signal turns true).
    pub async fn wait(self) {
        for (name, task) in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(task = name, error = %e, "task ended abnormally");
            }
        }
        tracing::info!("kommunbot stopped");
    }
}

/// Builds every part and spawns its task. Fails only on what the service cannot run without:
/// a broken FAQ, an unusable data directory, or an HTTP address it cannot listen on.
pub async fn start(config: &Config, shutdown: watch::Receiver<bool>) -> Result<Running> {
    let data_dir = &config.storage.data_dir;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let serving = ServiceLock::serving(data_dir).await.with_context(|| {
        format!(
            "a kommunbot forget on the data directory {} did not finish",
            data_dir.display()
        )
    })?;
    let pseudo =
        Pseudonymizer::load_or_create(data_dir, Some(config.storage.asker_secret.expose()))?;
    let (pending, log) = PendingLog::new(data_dir);
    let service = Arc::new(
        Service::new(
            &config.faq_dir,
            log,
            pseudo,
            config.texts.clone(),
            config.answer_mode,
        )
        .with_context(|| format!("cannot serve the faq in {}", config.faq_dir.display()))?,
    );
    let live = service.live();
    tracing::info!(
        themes = live.faq.themes.len(),
        entries = live.engine.len(),
        dir = %config.faq_dir.display(),
        "faq loaded"
    );
    let listener = tokio::net::TcpListener::bind(config.http.address)
        .await
        .with_context(|| format!("cannot listen on {} (http.address)", config.http.address))?;
    let http = listener.local_addr()?;
    tracing::info!(address = %http, "http: listening");
    let mut tasks = vec![
        (
            "http",
            tokio::spawn({
                let (svc, settings, rx) = (service.clone(), config.http.clone(), shutdown.clone());
                async move {
                    if let Err(e) = crate::http::serve(listener, svc, &settings, rx).await {
                        tracing::error!(error = %e, "http: server stopped");
                    }
                }
            }),
        ),
        (
            "question log",
            tokio::spawn(storage(
                config.storage.clone(),
                pending,
                service.clone(),
                shutdown.clone(),
            )),
        ),
        (
            "faq watcher",
            tokio::spawn(watch_faq(
                service.clone(),
                config.faq_poll,
                shutdown.clone(),
            )),
        ),
    ];
    if let Some(feed) = config.podcast.feed.clone() {
        let fetcher = crate::podcast::Fetcher::new(config.podcast.timeout);
        tasks.push((
            "podcast",
            tokio::spawn(crate::podcast::run(
                service.clone(),
                feed,
                config.podcast.sync_every,
                fetcher,
                shutdown.clone(),
            )),
        ));
    }
    if config.discord.token.is_set() {
        let (svc, settings, rx) = (service.clone(), config.discord.clone(), shutdown.clone());
        tasks.push((
            "discord",
            tokio::spawn(async move {
                if let Err(e) = crate::discord::run(svc, settings, rx).await {
                    tracing::error!(error = %format!("{e:#}"), "discord: stopped; the rest of the service goes on");
                }
            }),
        ));
    } else {
        tracing::warn!(
            "DISCORD_TOKEN is not set: the Discord bot is off. Everything else runs; set \
             DISCORD_TOKEN to the bot token from the Discord developer portal to connect (see README)"
        );
    }
    if config.texts.contact == crate::reply::Texts::default().contact {
        tracing::warn!(
            "texts.contact is the built-in text, which names no phone number or address: set \
             it (KOMMUNBOT_CONTACT) to how citizens reach kommuncenter"
        );
    }
    if config.texts.contact != crate::reply::Texts::default().contact
        && config.texts.contact_en == config.texts.contact
    {
        tracing::warn!(
            "texts.contact is set but texts.contact_en is not: English questions get the \
             Swedish contact text; set texts.contact_en (KOMMUNBOT_CONTACT_EN) too"
        );
    }
    Ok(Running {
        service,
        http,
        tasks,
        _serving: serving,
    })
}

/// Opens the database (retrying while it is down), then runs the log writer and the
/// retention loop until shutdown. The writer flushes its queue before it returns.
async fn storage(
    settings: Settings,
    pending: PendingLog,
    service: Arc<Service>,
    mut shutdown: watch::Receiver<bool>,
) {
    let url = privacy::database_url_shown(&settings.database_url);
    let mut wait = Duration::from_millis(500);
    let store = loop {
        tokio::select! {
            biased;
            _ = shutdown.wait_for(|s| *s) => {
                pending.spool_all();
                return;
            }
            r = Store::open(&settings.database_url) => match r {
                Ok(s) => break s,
                Err(e) => {
                    tracing::error!(error = %e, retry_in_ms = wait.as_millis() as u64, "question log: cannot open the database; questions wait in the spool");
                }
            },
        }
        tokio::select! {
            _ = shutdown.wait_for(|s| *s) => {
                pending.spool_all();
                return;
            }
            _ = tokio::time::sleep(wait) => {}
        }
        wait = (wait * 2).min(Duration::from_secs(30));
    };
    tracing::info!(database = %url, "question log: database open");
    service.attach_store(store.clone());
    service.refresh_episodes().await;
    let retention = tokio::spawn(store::retention::run(
        store.clone(),
        settings.retention_days,
        PURGE_EVERY,
        shutdown.clone(),
    ));
    pending.attach(store.clone()).run(shutdown).await;
    let _ = retention.await;
    store.close().await;
}

/// Serves edits made on disk (git pull, a guide's editor) without a restart. A broken edit
/// keeps the previous FAQ live and is reported once.
async fn watch_faq(service: Arc<Service>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|s| *s) => return,
            _ = tick.tick() => {}
        }
        let svc = service.clone();
        // Loading reads files and builds the index: keep it off the async workers.
        match tokio::task::spawn_blocking(move || svc.reload_if_changed()).await {
            Ok(Some(Err(diags))) => {
                for d in &diags {
                    tracing::error!(problem = %d, "faq: edit on disk not served");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "faq watcher: reload panicked"),
        }
    }
}

/// The signals the service listens for, registered before it starts (see [`run`]).
struct Listening {
    #[cfg(unix)]
    streams: Option<[tokio::signal::unix::Signal; 3]>,
}

impl Listening {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
                signal(SignalKind::hangup()),
            ) {
                (Ok(term), Ok(int), Ok(hup)) => Some([term, int, hup]),
                _ => None,
            };
            Self { streams }
        }
        #[cfg(not(unix))]
        Self {}
    }
}

/// SIGINT/SIGTERM → shutdown; SIGHUP → reload the FAQ and the synced episodes.
async fn signals(listening: Listening, service: Arc<Service>, stop: watch::Sender<bool>) {
    #[cfg(unix)]
    {
        let Some([mut term, mut int, mut hup]) = listening.streams else {
            tracing::error!("cannot listen for signals; stop with SIGKILL");
            return;
        };
        loop {
            tokio::select! {
                _ = int.recv() => break,
                _ = term.recv() => break,
                _ = hup.recv() => {
                    let svc = service.clone();
                    let _ = tokio::task::spawn_blocking(move || svc.reload()).await;
                    // Episodes a `kommunbot episodes sync` stored meanwhile, too.
                    service.refresh_episodes().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (listening, service);
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutting down: finishing answers and flushing the question log");
    let _ = stop.send(true);
    // A second signal means "now": the operator gave up waiting.
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            tracing::warn!("second stop signal: exiting without waiting");
            std::process::exit(130);
        }
    }
}
