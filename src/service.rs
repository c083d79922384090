//! The answer path every long-running adapter shares (Discord today, HTTP and the web chat
//! later): the live FAQ and its engine, replies, question logging, feedback, reloads and
//! staff edits.
//!
//! Adapters turn their platform's events into calls here and lay out the [`Reply`]; nothing
//! here knows which platform asked. The FAQ is swapped whole behind an `Arc` (readers never
//! wait for a reload and never see half a FAQ); a broken edit on disk keeps the previous one
//! live and is reported. The database may be missing (down at start-up): answering never
//! needs it, and what needs it says so.
//!
//! Growth: one `Service` serves one municipality (one FAQ folder). Several municipalities in
//! one process are several services, picked by the adapter (e.g. by Discord guild).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use crate::answer::{AnswerMode, Engine, Glossary, Outcome, Thresholds};
use crate::faq::edit::{self, Edit, EditError, Saved};
use crate::faq::{self, Diagnostic, Faq};
use crate::metrics::Metrics;
use crate::podcast::{Catalogue, FeedEpisode};
use crate::privacy::Pseudonymizer;
use crate::reply::{EpisodeOut, Reply, Texts};
use crate::store::{
    Channel, Feedback, FeedbackRecord, LogHandle, Place, Record, Store, StoreError,
};
use crate::topics::{self, phrasing};

/// A FAQ and the engine built over it, served together.
pub struct Live {
    pub faq: Faq,
    pub engine: Engine,
    /// What the folder looked like when it was read (see [`fingerprint`]).
    pub fingerprint: u64,
}

impl AsRef<Engine> for Live {
    fn as_ref(&self) -> &Engine {
        &self.engine
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the database is not reachable yet")]
    NoDatabase,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a suggestion could not be decided.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error("the faq edit did not finish: {0}")]
    Join(String),
}

/// A question answered: the reply to show, and the id its log record carries (buttons and
/// feedback refer to it).
#[derive(Debug, Clone)]
pub struct Answered {
    pub reply: Reply,
    pub record_id: String,
}

/// Who asked: a platform and the user's id there. Only ever stored as a pseudonym.
#[derive(Debug, Clone, Copy)]
pub struct Asker<'a> {
    pub platform: &'a str,
    pub user: &'a str,
}

pub struct Service {
    faq_dir: PathBuf,
    /// How readily the engine answers directly; kept for every reload.
    mode: AnswerMode,
    live: RwLock<Arc<Live>>,
    /// The problems of the last reload that was refused, if the live FAQ is older than the
    /// folder.
    reload_problems: Mutex<Option<(u64, Vec<Diagnostic>)>>,
    /// Edits and reloads one at a time: two guides saving at once must not interleave.
    writing: Mutex<()>,
    log: LogHandle,
    store: OnceLock<Store>,
    pseudo: Pseudonymizer,
    pub texts: Texts,
    pub metrics: Metrics,
    /// Synced podcast episodes (from the database) and the catalogue built over them and the
    /// FAQ's curated episodes; rebuilt on a sync and on a FAQ reload.
    synced: RwLock<Arc<Vec<FeedEpisode>>>,
    catalogue: RwLock<Arc<Catalogue>>,
    /// How the Discord connection stands, for `/readyz`.
    discord: Mutex<DiscordState>,
}

/// The Discord adapter's state as health checks report it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum DiscordState {
    /// No token configured: deliberately off.
    Off,
    Connecting,
    Connected,
    /// The connection ended with this error.
    Failed(String),
}

impl Service {
    /// Loads the FAQ in `faq_dir`, which must be clean: a service never starts on a broken
    /// FAQ.
    pub fn new(
        faq_dir: &Path,
        log: LogHandle,
        pseudo: Pseudonymizer,
        texts: Texts,
        mode: AnswerMode,
    ) -> Result<Self, LoadError> {
        let live = load_live(faq_dir, mode)?;
        let catalogue = Catalogue::build(&live.faq, &[]);
        Ok(Self {
            faq_dir: faq_dir.to_path_buf(),
            mode,
            live: RwLock::new(Arc::new(live)),
            reload_problems: Mutex::new(None),
            writing: Mutex::new(()),
            log,
            store: OnceLock::new(),
            pseudo,
            texts,
            metrics: Metrics::new(),
            synced: RwLock::new(Arc::new(Vec::new())),
            catalogue: RwLock::new(Arc::new(catalogue)),
            discord: Mutex::new(DiscordState::Off),
        })
    }

    /// The database is open: staff queries, feedback and `forget` can use it.
    pub fn attach_store(&self, store: Store) {
        let _ = self.store.set(store);
    }

    pub fn set_discord(&self, state: DiscordState) {
        *self.discord.lock().unwrap_or_else(|e| e.into_inner()) = state;
    }

    pub fn discord(&self) -> DiscordState {
        self.discord
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn store(&self) -> Result<&Store, ServiceError> {
        self.store.get().ok_or(ServiceError::NoDatabase)
    }

    pub fn log(&self) -> &LogHandle {
        &self.log
    }

    pub fn faq_dir(&self) -> &Path {
        &self.faq_dir
    }

    /// The FAQ being served now.
    pub fn live(&self) -> Arc<Live> {
        self.live.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Answers a question and hands its (redacted) record to the log writer. Never waits
    /// on the database.
    pub fn ask(
        &self,
        question: &str,
        channel: Channel,
        place: Place,
        asker: Option<Asker<'_>>,
    ) -> Answered {
        let started = std::time::Instant::now();
        let live = self.live();
        let outcome = live.engine.ask(question);
        let mut reply = Reply::to_question(question, &live.faq, &outcome, &self.texts);
        self.link_episode(&live.faq, &outcome, question, &mut reply);
        self.metrics.question(
            channel.as_str(),
            outcome.kind(),
            reply.theme_id.as_deref(),
            started.elapsed().as_secs_f64(),
        );
        let record = Record::new(
            question,
            channel,
            place,
            asker.map(|a| self.pseudonym(a)),
            &outcome,
            None,
        );
        let record_id = record.record_id.clone();
        // Debug, not info: at thousands of questions a second the log would be the load.
        tracing::debug!(
            channel = channel.as_str(),
            outcome = outcome.kind(),
            entry = reply.entry.as_deref().unwrap_or("-"),
            record = %record_id,
            "question answered"
        );
        self.log.record(record);
        Answered { reply, record_id }
    }

    fn link_episode(&self, faq: &Faq, outcome: &Outcome, question: &str, reply: &mut Reply) {
        link_episode(&self.catalogue(), faq, outcome, question, reply);
    }

    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.catalogue
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn rebuild_catalogue(&self) {
        let synced = self
            .synced
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let catalogue = Catalogue::build(&self.live().faq, &synced);
        *self.catalogue.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(catalogue);
    }

    /// Reads the synced episodes from the database and rebuilds the catalogue.
    pub async fn refresh_episodes(&self) {
        let Ok(store) = self.store() else { return };
        match store.episodes().await {
            Ok(eps) => {
                *self.synced.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(eps);
                self.rebuild_catalogue();
            }
            Err(e) => tracing::warn!(error = %e, "podcast: cannot read the synced episodes"),
        }
    }

    /// The reply for one entry, as if it had been the answer (a "Menade du…?" choice).
    /// `english`: the choice was offered to an English question, so the bot's own words
    /// around the answer are English too.
    pub fn show(&self, entry_id: &str, english: bool) -> Option<Reply> {
        let live = self.live();
        let entry = live.faq.entry(entry_id).filter(|e| !e.draft)?;
        let outcome = Outcome::Answer {
            entry: entry.id.clone(),
            confidence: 1.0,
        };
        let mut reply = Reply::build(&live.faq, &outcome, &self.texts);
        if english {
            reply = reply.in_english(&self.texts);
        }
        // The same episode link a direct answer gets: a choice is an answer too.
        self.link_episode(&live.faq, &outcome, &entry.question, &mut reply);
        Some(reply)
    }

    /// The honest "I don't know yet" reply, for when a citizen says none of the choices fit.
    pub fn no_answer(&self) -> Reply {
        let outcome = Outcome::NoAnswer {
            theme: None,
            chat: false,
        };
        Reply::build(&self.live().faq, &outcome, &self.texts)
    }

    pub fn pseudonym(&self, asker: Asker<'_>) -> String {
        self.pseudo.asker(asker.platform, asker.user)
    }

    pub async fn feedback(
        &self,
        record_id: &str,
        kind: Feedback,
        entry: Option<&str>,
    ) -> Result<(), ServiceError> {
        // The question may still be on its way through the log queue (a quick click), or the
        // database still opening: the feedback row refers to the question, so give them a
        // moment. Bounded to stay well inside Discord's three seconds for answering a click.
        let f = FeedbackRecord::new(record_id, kind, entry);
        let mut tries = 0;
        let why = loop {
            let result = match self.store() {
                Ok(store) => store.feedback(&f).await.map_err(ServiceError::from),
                Err(e) => Err(e),
            };
            let why = match result {
                Ok(true) => {
                    tracing::info!(record = %record_id, kind = kind.as_str(), "feedback stored");
                    return Ok(());
                }
                Ok(false) => "question not logged yet".to_owned(),
                Err(e) => e.to_string(),
            };
            if tries >= 10 {
                break why;
            }
            tries += 1;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        // The database is down, or the question waits in the spool: keep the feedback for
        // the writer, which stores it once the question is in (and drops it if it never is).
        self.log.spool_feedback(f).map_err(|e| {
            ServiceError::Store(StoreError::Spool(format!("cannot spool feedback: {e}")))
        })?;
        tracing::warn!(record = %record_id, kind = kind.as_str(), reason = %why, "feedback spooled");
        Ok(())
    }

    /// Deletes everything logged about one asker; returns how many questions went.
    pub async fn forget(&self, asker: Asker<'_>) -> Result<u64, ServiceError> {
        let n = self
            .log
            .forget(self.store()?, &self.pseudonym(asker))
            .await?;
        tracing::info!(platform = asker.platform, deleted = n, "asker forgotten");
        Ok(n)
    }

    /// Records a staff action; a database problem only warns (the change itself is done).
    pub async fn audit(&self, actor: Asker<'_>, action: &str, target: Option<&str>, detail: &str) {
        let result = match self.store() {
            Ok(s) => s
                .audit(&self.pseudonym(actor), action, target, detail)
                .await
                .map_err(ServiceError::from),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::error!(error = %e, action, "audit: cannot record a staff action");
        }
    }

    /// Candidate topics: groups what is new in the log and reports (see [`crate::topics`]).
    pub async fn topics(&self, query: &topics::Query) -> Result<topics::Report, ServiceError> {
        Ok(topics::refresh(self.store()?, self.live(), query).await?)
    }

    /// The staff digest over the last `days` days.
    pub async fn digest(&self, days: i64) -> Result<topics::digest::Digest, ServiceError> {
        let store = self.store()?;
        let since = crate::store::now_ms() - days * 86_400_000;
        let report = self
            .topics(&topics::Query {
                since_ms: crate::store::now_ms() - 90 * 86_400_000,
                min_size: 2,
                theme: None,
                limit: 20,
                regroup: false,
                status: None,
            })
            .await?;
        Ok(topics::digest::Digest {
            days,
            stats: store.stats(since).await?,
            topics: report,
            unhelpful: store.unhelpful_entries(since, 5).await?,
        })
    }

    /// Sets a topic's status as a staff member; false when there is no such topic.
    pub async fn mark_topic(
        &self,
        actor: Asker<'_>,
        id: i64,
        status: &str,
        episode: Option<&str>,
        entries: &[String],
    ) -> Result<bool, ServiceError> {
        let ok = self
            .store()?
            .mark_topic(id, status, episode, entries, None)
            .await?;
        if ok {
            let detail = topics::mark_detail(status, episode);
            self.audit(actor, "topic.mark", Some(&id.to_string()), &detail)
                .await;
        }
        Ok(ok)
    }

    /// Open phrasing suggestions from the last year, most asked first.
    pub async fn suggestions(&self) -> Result<Vec<phrasing::Suggestion>, ServiceError> {
        let store = self.store()?;
        let since = crate::store::now_ms() - 365 * 24 * 3600 * 1000;
        let evidence = store
            .phrasing_evidence(since, phrasing::LOW_CONFIDENCE)
            .await?;
        let decided = store.phrasing_decisions().await?;
        let live = self.live();
        Ok(phrasing::suggestions(
            &evidence,
            &live.faq,
            &live.engine,
            &decided,
        ))
    }

    /// Accepts (adds to the entry's alternates, validated and written atomically) or rejects
    /// a suggestion as a staff member. `Ok(None)`: no such open suggestion.
    pub async fn decide_suggestion(
        self: &Arc<Self>,
        actor: Asker<'_>,
        id: &str,
        accept: bool,
    ) -> Result<Option<phrasing::Suggestion>, DecideError> {
        let Some(s) = self.suggestions().await?.into_iter().find(|s| s.id == id) else {
            return Ok(None);
        };
        if accept {
            let edit = phrasing::accept_edit(&self.live().faq, &s)
                .ok_or_else(|| EditError::UnknownEntry(s.entry.clone()))?;
            let today = crate::logview::today();
            let svc = Arc::clone(self);
            tokio::task::spawn_blocking(move || svc.edit(&edit, &today))
                .await
                .map_err(|e| DecideError::Join(e.to_string()))??;
        }
        let decision = if accept { "accepted" } else { "rejected" };
        self.store()?
            .decide_phrasing(
                &s.id,
                &s.entry,
                &s.phrasing,
                decision,
                &self.pseudonym(actor),
            )
            .await
            .map_err(ServiceError::from)?;
        let action = if accept {
            "suggestion.accept"
        } else {
            "suggestion.reject"
        };
        self.audit(actor, action, Some(&s.entry), s.audit_detail(accept))
            .await;
        Ok(Some(s))
    }

    /// Reads the FAQ folder again. A broken folder keeps the live FAQ and returns every
    /// problem.
    pub fn reload(&self) -> Result<Arc<Live>, Vec<Diagnostic>> {
        let _w = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        self.reload_locked()
    }

    fn reload_locked(&self) -> Result<Arc<Live>, Vec<Diagnostic>> {
        match load_live(&self.faq_dir, self.mode) {
            Ok(live) => {
                let live = Arc::new(live);
                *self.live.write().unwrap_or_else(|e| e.into_inner()) = live.clone();
                *self
                    .reload_problems
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = None;
                // Curated episodes (episodes.toml) are part of the folder too.
                self.rebuild_catalogue();
                tracing::info!(entries = live.engine.len(), "faq reloaded");
                Ok(live)
            }
            Err(LoadError(diags)) => {
                self.metrics.reload(false);
                tracing::error!(
                    problems = diags.len(),
                    dir = %self.faq_dir.display(),
                    "faq reload refused: the previous faq stays live"
                );
                *self
                    .reload_problems
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) =
                    Some((fingerprint(&self.faq_dir), diags.clone()));
                Err(diags)
            }
        }
    }

    /// Reloads when the folder changed since the live FAQ (or the last refused attempt) was
    /// read. `None` when nothing changed.
    pub fn reload_if_changed(&self) -> Option<Result<Arc<Live>, Vec<Diagnostic>>> {
        let now = fingerprint(&self.faq_dir);
        if now == self.live().fingerprint {
            // Back to what is served (a broken edit undone): nothing is wrong any more.
            *self
                .reload_problems
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = None;
            return None;
        }
        let refused = self
            .reload_problems
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|(fp, _)| *fp == now);
        if refused {
            return None;
        }
        Some(self.reload())
    }

    /// The problems that keep the folder's current state from being served, if any.
    pub fn reload_problems(&self) -> Option<Vec<Diagnostic>> {
        self.reload_problems
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|(_, d)| d.clone())
    }

    /// Validates and writes a staff edit, then serves the new FAQ.
    pub fn edit(&self, change: &Edit, today: &str) -> Result<Saved, EditError> {
        let _w = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let saved = edit::save(&self.faq_dir, &self.live().faq, change, today)?;
        if let Err(diags) = self.reload_locked() {
            // Validated a moment ago; only a concurrent edit on disk can get here.
            return Err(EditError::Invalid(diags));
        }
        Ok(saved)
    }
}

/// A FAQ folder that cannot be served, with every problem.
#[derive(Debug, thiserror::Error)]
#[error("det finns {} problem i faq-mappen; kör `kommunbot check`:\n{}", .0.len(), .0.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"))]
pub struct LoadError(pub Vec<Diagnostic>);

fn load_live(dir: &Path, mode: AnswerMode) -> Result<Live, LoadError> {
    // Fingerprint first: an edit made while we read is then seen as a change next time.
    let fingerprint = fingerprint(dir);
    let (faq, diags) = validate(dir);
    if !diags.is_empty() {
        return Err(LoadError(diags));
    }
    let mut engine = Engine::new(&faq, Glossary::base())
        .map_err(|e| LoadError(vec![glossary_problem(dir, &e)]))?;
    engine.thresholds = Thresholds::for_mode(mode);
    Ok(Live {
        faq,
        engine,
        fingerprint,
    })
}
/// Links the episode where the matter is discussed, when the FAQ names none: for an answer,
/// the episode of `catalogue` that best covers the entry (at the segment matching the
/// question); for a no-answer with a clear theme, an episode that covers the question. The
/// service and `kommunbot ask` reply through it alike.
pub fn link_episode(
    catalogue: &Catalogue,
    faq: &Faq,
    outcome: &Outcome,
    question: &str,
    reply: &mut Reply,
) {
    if catalogue.is_empty() {
        return;
    }
    if let Some(ep) = &mut reply.episode {
        // Named by the FAQ without a minute: the chapter or transcript segment that
        // matches the question, when the episode has them.
        if ep.at.is_none()
            && let Some(at) = catalogue.segment(&ep.id, question).filter(|t| *t > 0)
            && let Some(e) = faq.episode(&ep.id)
        {
            ep.url = e.url_at(Some(crate::faq::Timestamp(at)));
            ep.at = Some(crate::faq::Timestamp(at).to_string());
        }
        return;
    }
    let found = match outcome {
        Outcome::Answer { entry, .. } => faq.entry(entry.as_str()).and_then(|e| {
            let text = format!("{question}\n{}", Catalogue::entry_text(e));
            catalogue.find(&text, Some(e.theme.as_str()))
        }),
        Outcome::NoAnswer {
            theme: Some(theme),
            chat: false,
        } => catalogue.find_for_question(question, Some(theme.as_str())),
        _ => None,
    };
    reply.episode = found.map(|f| EpisodeOut {
        url: crate::podcast::link::url_at(&f.url, f.at),
        at: f
            .at
            .filter(|t| *t > 0)
            .map(|t| crate::faq::Timestamp(t).to_string()),
        id: f.id,
        title: f.title,
    });
}

/// Reads a FAQ folder with every check `kommunbot check` makes, the local glossary included.
pub fn validate(dir: &Path) -> (Faq, Vec<Diagnostic>) {
    let (faq, mut diags) = faq::load(dir);
    if let Some(local) = &faq.glossary
        && let Err(e) = Glossary::parse("_glossary.toml", local)
    {
        diags.push(glossary_problem(dir, &e));
    }
    (faq, diags)
}

fn glossary_problem(dir: &Path, e: &crate::answer::GlossaryError) -> Diagnostic {
    Diagnostic {
        file: dir.join("_glossary.toml"),
        line: Some(e.line),
        message: format!("fel i ordlistan: {}", e.message),
    }
}

/// A hash of every file's path, size and modification time in the FAQ folder (top level
/// and theme folders, as the loader reads them). Cheap enough to poll every few seconds.
pub fn fingerprint(dir: &Path) -> u64 {
    fn visit(dir: &Path, depth: u8, out: &mut Vec<(PathBuf, u64, u128)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() && depth == 0 {
                visit(&p, 1, out);
            } else if meta.is_file() {
                let mtime = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                out.push((p, meta.len(), mtime));
            }
        }
    }
    let mut files = Vec::new();
    visit(dir, 0, &mut files);
    files.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PendingLog;
    use std::fs;

    const THEME: &str = "name = \"Snöröjning\"\n";
    const ENTRY: &str = "+++\nquestion = \"När plogas min gata?\"\n+++\nHuvudgator först.\n";

    /// A service whose log queue is kept (and not written): the pending half comes along.
    fn service(dir: &Path) -> (Service, PendingLog) {
        let (pending, log) = PendingLog::new(dir);
        let s = Service::new(
            &dir.join("faq"),
            log,
            Pseudonymizer::new(b"0123456789abcdef"),
            Texts::default(),
            AnswerMode::default(),
        )
        .unwrap();
        (s, pending)
    }

    fn setup() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("faq/snorojning")).unwrap();
        fs::write(d.path().join("faq/snorojning/_theme.toml"), THEME).unwrap();
        fs::write(d.path().join("faq/snorojning/plog.md"), ENTRY).unwrap();
        d
    }

    #[test]
    fn an_edit_on_disk_is_served_and_a_broken_one_keeps_the_old_faq() {
        let d = setup();
        let (s, _pending) = service(d.path());
        assert!(s.reload_if_changed().is_none(), "nothing changed yet");
        assert_eq!(s.live().faq.entries.len(), 1);

        fs::write(
            d.path().join("faq/snorojning/sand.md"),
            "+++\nquestion = \"När sandas gångbanan?\"\n+++\nEfter plogning.\n",
        )
        .unwrap();
        assert!(matches!(s.reload_if_changed(), Some(Ok(_))));
        assert_eq!(s.live().faq.entries.len(), 2);

        // A typo in the front matter: refused, reported once, the two entries stay live.
        fs::write(
            d.path().join("faq/snorojning/trasig.md"),
            "+++\nquestion = \"Trasig\"\nalternate = [\"x\"]\n+++\nSvar.\n",
        )
        .unwrap();
        let Some(Err(diags)) = s.reload_if_changed() else {
            panic!("a broken folder must be refused")
        };
        assert!(diags[0].to_string().contains("trasig.md:3"), "{}", diags[0]);
        assert_eq!(s.live().faq.entries.len(), 2);
        assert!(s.reload_problems().is_some());
        assert!(
            s.reload_if_changed().is_none(),
            "the same broken state is reported once"
        );
        let a = s.ask("när sandas gångbanan", Channel::Cli, Place::default(), None);
        assert_eq!(a.reply.entry.as_deref(), Some("snorojning/sand"));

        // Undone: the folder is what is served again, and nothing is reported any more.
        fs::remove_file(d.path().join("faq/snorojning/trasig.md")).unwrap();
        assert!(s.reload_if_changed().is_none());
        assert!(s.reload_problems().is_none());
    }

    #[test]
    fn a_service_never_starts_on_a_broken_faq() {
        let d = setup();
        fs::write(
            d.path().join("faq/snorojning/tom.md"),
            "+++\nquestion = \"Tom?\"\n+++\n",
        )
        .unwrap();
        let (_p, log) = PendingLog::new(d.path());
        let err = Service::new(
            &d.path().join("faq"),
            log,
            Pseudonymizer::new(b"0123456789abcdef"),
            Texts::default(),
            AnswerMode::default(),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("tom.md:4: svaret är tomt"),
            "{err}"
        );
    }

    #[test]
    fn ask_hands_a_redacted_record_to_the_log_and_needs_no_database() {
        let d = setup();
        let (s, _pending) = service(d.path());
        // (Not "Ring …": in a one-entry FAQ every word the question shares with it weighs
        // almost nothing, and "ring", a matter this FAQ lacks, would outweigh them.)
        let a = s.ask(
            "När plogas min gata? Mvh Anna 070-174 06 05",
            Channel::Discord,
            Place::default(),
            Some(Asker {
                platform: "discord",
                user: "5001",
            }),
        );
        assert_eq!(a.reply.entry.as_deref(), Some("snorojning/plog"));
        assert_eq!(a.record_id.len(), 32);
        assert_eq!(s.log().depth(), 1);
        assert!(matches!(s.store(), Err(ServiceError::NoDatabase)));
    }

    #[tokio::test]
    async fn feedback_without_a_database_is_kept_for_later() {
        let d = setup();
        let (s, _pending) = service(d.path());
        let a = s.ask("När plogas min gata?", Channel::Cli, Place::default(), None);
        s.feedback(&a.record_id, Feedback::Helpful, None)
            .await
            .unwrap();
        let spool = fs::read_to_string(d.path().join("feedback.spool")).unwrap();
        assert_eq!(spool.lines().count(), 1);
        assert!(
            spool.contains(&a.record_id) && spool.contains("\"helpful\""),
            "{spool}"
        );
    }
}
