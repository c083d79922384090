//! The background log writer: answers never wait for the database.
//!
//! The answer path calls [`LogHandle::record`], which only puts the record on a bounded
//! queue (or, if the queue is full, appends it to the spool file). [`LogWriter::run`] takes
//! records off the queue in batches and inserts each batch in one transaction. When the
//! database fails (PostgreSQL stopped, SQLite locked, disk full) the batch goes to an
//! append-only spool file in the data directory and the writer backs off; when the database
//! answers again the spool is replayed. Records carry their own unique id and inserts skip
//! ids already present, so a replay after a crash never writes a row twice.
//!
//! Forgetting an asker ([`LogHandle::forget`]) reaches all three places a record can be:
//! the database, the spool file, and the queue (the writer drops a forgotten asker's
//! earlier records as it takes them). Inserts and forgetting take turns on one gate, so a
//! record in flight cannot land after the asker's rows were deleted.
//!
//! Feedback that cannot be stored (the database is down, or its question is still in the
//! spool) goes to a spool of its own and is replayed after the questions' spool, so it
//! finds its question; feedback whose question is not logged by then is dropped.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{FeedbackRecord, Record, Store};

/// How many records wait in memory at most; past that they go straight to the spool.
pub const QUEUE: usize = 8192;
const BATCH: usize = 512;
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Counters for metrics and tests.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub written: AtomicU64,
    pub spooled: AtomicU64,
    pub replayed: AtomicU64,
    pub failures: AtomicU64,
}

/// Askers (pseudonyms) who asked to be forgotten, with when (ms): their records asked
/// until then must not be written anywhere any more. Kept for a day, far longer than a
/// record stays in the queue.
#[derive(Default)]
struct Forgotten(HashMap<String, i64>);

const FORGOTTEN_KEEP_MS: i64 = 86_400_000;

impl Forgotten {
    fn covers(&self, r: &Record) -> bool {
        r.asker
            .as_ref()
            .and_then(|a| self.0.get(a))
            .is_some_and(|at| r.asked_at <= *at)
    }
}

/// What a spool holds: question records, or feedback on them.
trait Spooled: Serialize + DeserializeOwned {
    /// Whether forgetting an asker covers this item.
    fn forgotten(&self, f: &Forgotten) -> bool;
}

impl Spooled for Record {
    fn forgotten(&self, f: &Forgotten) -> bool {
        f.covers(self)
    }
}

impl Spooled for FeedbackRecord {
    /// Feedback names no asker: it goes with its question (a forgotten question's feedback
    /// finds nothing to attach to and is dropped on replay).
    fn forgotten(&self, _: &Forgotten) -> bool {
        false
    }
}

/// An append-only spool: one JSON item a line. Its lock also guards the forgotten askers,
/// so a record is either appended before a forget rewrites the file (and goes with it) or
/// checked against the forget after.
struct Spool<T = Record> {
    path: PathBuf,
    lock: Mutex<Forgotten>,
    items: PhantomData<fn() -> T>,
}

impl Spool<Record> {
    fn at(data_dir: &Path) -> Self {
        Spool::file(data_dir.join("question-log.spool"))
    }
}

impl Spool<FeedbackRecord> {
    fn feedback_at(data_dir: &Path) -> Self {
        Spool::file(data_dir.join("feedback.spool"))
    }
}

impl<T: Spooled> Spool<T> {
    fn file(path: PathBuf) -> Self {
        Spool {
            path,
            lock: Mutex::new(Forgotten::default()),
            items: PhantomData,
        }
    }

    fn append(&self, records: &[T]) -> std::io::Result<()> {
        let forgotten = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut buf = Vec::with_capacity(records.len() * 256);
        for r in records.iter().filter(|r| !r.forgotten(&forgotten)) {
            serde_json::to_writer(&mut buf, r)?;
            buf.push(b'\n');
        }
        if buf.is_empty() {
            return Ok(());
        }
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&self.path)?;
        // A crash mid-write leaves a torn last line; start on a line of our own so the
        // first record appended now is not glued to it (and lost with it).
        if ends_torn(&mut f)? {
            buf.insert(0, b'\n');
        }
        f.write_all(&buf)?;
        // The spool is the only copy while the database is down: make it durable.
        f.sync_data()
    }

    /// Forgets `asker` as of `at`: their spooled records go, and later appends, queued
    /// records and replays skip their earlier ones. Returns how many spooled records went.
    fn forget(&self, asker: &str, at: i64) -> std::io::Result<usize> {
        let mut forgotten = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        forgotten.0.retain(|_, t| *t > at - FORGOTTEN_KEEP_MS);
        forgotten.0.insert(asker.to_owned(), at);
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| {
                // A torn line is kept as it is: read() skips it either way.
                let gone = serde_json::from_str::<T>(l).is_ok_and(|r| r.forgotten(&forgotten));
                removed += usize::from(gone);
                !gone
            })
            .collect();
        if removed > 0 {
            write_lines(&self.path, &kept)?;
        }
        Ok(removed)
    }

    /// Drops the records of forgotten askers from `records`.
    fn unforgotten(&self, records: Vec<T>) -> Vec<T> {
        let forgotten = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if forgotten.0.is_empty() {
            return records;
        }
        records
            .into_iter()
            .filter(|r| !r.forgotten(&forgotten))
            .collect()
    }

    fn is_empty(&self) -> bool {
        std::fs::metadata(&self.path).map_or(true, |m| m.len() == 0)
    }

    /// Reads every complete record; a torn last line (crash mid-write) is skipped.
    fn read(&self) -> std::io::Result<Vec<T>> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for line in BufReader::new(f).lines() {
            let line = line?;
            match serde_json::from_str(&line) {
                Ok(r) => out.push(r),
                Err(_) if line.trim().is_empty() => {}
                Err(e) => tracing::warn!(error = %e, "skipping a torn spool line"),
            }
        }
        Ok(out)
    }

    /// [`Spool::read`] for the writer's replay: a spool it cannot read is logged and left
    /// for the next try.
    fn read_logged(&self) -> Vec<T> {
        self.read().unwrap_or_else(|e| {
            tracing::error!(error = %e, spool = %self.path.display(), "question log: cannot read a spool");
            Vec::new()
        })
    }

    /// [`Spool::remove_first`] after a replay. A failure is only logged: what was replayed
    /// is in the database, and a later replay skips it by its id.
    fn trim_logged(&self, n: usize) {
        if let Err(e) = self.remove_first(n) {
            tracing::error!(error = %e, spool = %self.path.display(), "question log: cannot trim a spool");
        }
    }

    /// Removes the records replayed; anything appended meanwhile is kept.
    fn remove_first(&self, n: usize) -> std::io::Result<()> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let rest: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .skip(n)
            .collect();
        write_lines(&self.path, &rest)
    }
}

/// Whether a non-empty file does not end with a newline.
fn ends_torn(f: &mut File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if f.metadata()?.len() == 0 {
        return Ok(false);
    }
    f.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// Replaces the file at `path` with `lines`, atomically (a temporary file renamed over it).
fn write_lines(path: &Path, lines: &[&str]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp)?;
        for l in lines {
            writeln!(f, "{l}")?;
        }
        f.sync_data()?;
    }
    std::fs::rename(tmp, path)
}

/// What the answer path holds: cheap to clone, never blocks on the database.
#[derive(Clone)]
pub struct LogHandle {
    tx: mpsc::Sender<Record>,
    spool: Arc<Spool>,
    feedback: Arc<Spool<FeedbackRecord>>,
    /// Held by the writer while it inserts and by [`LogHandle::forget`] while it deletes.
    gate: Arc<tokio::sync::Mutex<()>>,
    pub stats: Arc<WriterStats>,
}

impl LogHandle {
    /// Hands a record to the writer. Never waits: a full queue spills to the spool file.
    pub fn record(&self, r: Record) {
        if let Err(e) = self.tx.try_send(r) {
            let r = match e {
                mpsc::error::TrySendError::Full(r) | mpsc::error::TrySendError::Closed(r) => r,
            };
            match self.spool.append(std::slice::from_ref(&r)) {
                Ok(()) => {
                    self.stats.spooled.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::error!(error = %e, spool = %self.spool.path.display(), "question log: cannot spool a record")
                }
            }
        }
    }

    /// Keeps feedback the database could not take now; the writer stores it once the
    /// question it is about is in.
    pub fn spool_feedback(&self, f: FeedbackRecord) -> std::io::Result<()> {
        self.feedback.append(std::slice::from_ref(&f))
    }

    /// Records waiting in the queue.
    pub fn depth(&self) -> usize {
        QUEUE - self.tx.capacity()
    }

    /// Deletes everything logged about `asker` (a pseudonym) up to now: the rows in `store`,
    /// the spooled records, and the queued ones (which the writer then drops). Returns how
    /// many questions went from the database and the spool.
    pub async fn forget(&self, store: &Store, asker: &str) -> Result<u64, super::StoreError> {
        let _gate = self.gate.lock().await;
        // The asker is marked before the file is touched, so even when rewriting the spool
        // fails its records are dropped on replay; the rows go either way.
        let spooled = self.spool.forget(asker, super::now_ms());
        let rows = store.forget(asker).await?;
        let spooled = spooled
            .map_err(|e| super::StoreError::Spool(format!("{}: {e}", self.spool.path.display())))?;
        Ok(rows + spooled as u64)
    }
}

pub struct LogWriter {
    rx: mpsc::Receiver<Record>,
    store: Store,
    spool: Arc<Spool>,
    feedback: Arc<Spool<FeedbackRecord>>,
    gate: Arc<tokio::sync::Mutex<()>>,
    stats: Arc<WriterStats>,
    backoff: Duration,
    down_until: Option<Instant>,
}

/// A queue whose writer waits for the database to open (it was down at start-up): the
/// answer path already records into it, and a full queue spills to the spool as usual.
pub struct PendingLog {
    rx: mpsc::Receiver<Record>,
    spool: Arc<Spool>,
    feedback: Arc<Spool<FeedbackRecord>>,
    gate: Arc<tokio::sync::Mutex<()>>,
    stats: Arc<WriterStats>,
}

impl PendingLog {
    /// The queue and its handle; records wait until [`PendingLog::attach`].
    pub fn new(data_dir: &Path) -> (PendingLog, LogHandle) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let spool = Arc::new(Spool::at(data_dir));
        let feedback = Arc::new(Spool::feedback_at(data_dir));
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        let stats = Arc::new(WriterStats::default());
        (
            PendingLog {
                rx,
                spool: spool.clone(),
                feedback: feedback.clone(),
                gate: gate.clone(),
                stats: stats.clone(),
            },
            LogHandle {
                tx,
                spool,
                feedback,
                gate,
                stats,
            },
        )
    }

    /// The database is there: the writer takes over the queue.
    pub fn attach(self, store: Store) -> LogWriter {
        LogWriter {
            rx: self.rx,
            store,
            spool: self.spool,
            feedback: self.feedback,
            gate: self.gate,
            stats: self.stats,
            backoff: Duration::from_millis(100),
            down_until: None,
        }
    }

    /// Shutting down before the database ever answered: everything queued goes to the spool,
    /// for the next start to replay.
    pub fn spool_all(mut self) {
        self.rx.close();
        let mut rest = Vec::new();
        while let Ok(r) = self.rx.try_recv() {
            rest.push(r);
        }
        if rest.is_empty() {
            return;
        }
        match self.spool.append(&rest) {
            Ok(()) => {
                self.stats
                    .spooled
                    .fetch_add(rest.len() as u64, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::error!(error = %e, lost = rest.len(), spool = %self.spool.path.display(), "question log: cannot spool")
            }
        }
    }
}

impl LogWriter {
    /// Makes a writer and its handle; the spool lives in `data_dir`.
    pub fn new(store: Store, data_dir: &Path) -> (LogWriter, LogHandle) {
        let (pending, handle) = PendingLog::new(data_dir);
        (pending.attach(store), handle)
    }

    /// Runs until `shutdown` turns true, then writes or spools everything still queued.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        // A spool left by an earlier run (crash, outage) goes in first. Spooled feedback
        // waits for the first tick: the queue (served first) may still hold its question.
        self.replay_questions().await;
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                r = self.rx.recv() => match r {
                    Some(first) => self.batch(first).await,
                    None => break,
                },
                _ = tick.tick() => {
                    if !(self.spool.is_empty() && self.feedback.is_empty()) && self.may_try() {
                        self.replay().await;
                    }
                }
            }
        }
        self.rx.close();
        while let Some(first) = self.rx.recv().await {
            self.batch(first).await;
        }
        self.replay().await;
        tracing::info!(
            written = self.stats.written.load(Ordering::Relaxed),
            spooled = self.stats.spooled.load(Ordering::Relaxed),
            "question log flushed"
        );
    }

    /// Inserts `records`. When the database refuses a row's data (see
    /// [`super::StoreError::is_data_error`]), the rows go one by one and the refused ones
    /// are dropped with a warning: one bad row must not hold the log up for good.
    async fn insert(&self, records: &[Record]) -> Result<u64, super::StoreError> {
        match self.store.insert(records).await {
            Err(e) if e.is_data_error() => {
                let mut n = 0;
                for r in records {
                    match self.store.insert(std::slice::from_ref(r)).await {
                        Ok(k) => n += k,
                        Err(e) if e.is_data_error() => {
                            tracing::warn!(error = %e, record = %r.record_id, "question log: dropping a record the database refuses");
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok(n)
            }
            other => other,
        }
    }

    fn may_try(&self) -> bool {
        self.down_until.is_none_or(|t| Instant::now() >= t)
    }

    async fn batch(&mut self, first: Record) {
        let mut batch = Vec::with_capacity(BATCH);
        batch.push(first);
        while batch.len() < BATCH {
            match self.rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let gate = self.gate.clone();
        let _gate = gate.lock().await;
        let batch = self.spool.unforgotten(batch);
        if batch.is_empty() {
            return;
        }
        // While the database is known to be down, do not make the queue wait on it.
        if self.may_try() && self.spool.is_empty() {
            match self.insert(&batch).await {
                Ok(n) => {
                    self.stats.written.fetch_add(n, Ordering::Relaxed);
                    self.up();
                    return;
                }
                Err(e) => self.down(&e),
            }
        }
        match self.spool.append(&batch) {
            Ok(()) => {
                self.stats
                    .spooled
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::error!(error = %e, lost = batch.len(), spool = %self.spool.path.display(), "question log: cannot spool")
            }
        }
    }

    /// Inserts the spools' records, questions first so feedback finds its question; keeps
    /// them if the database is still unavailable.
    async fn replay(&mut self) {
        self.replay_questions().await;
        if self.spool.is_empty() && !self.feedback.is_empty() && self.may_try() {
            self.replay_feedback().await;
        }
    }

    async fn replay_feedback(&mut self) {
        let items = self.feedback.read_logged();
        let (mut done, mut orphans) = (0, 0);
        for f in &items {
            match self.store.feedback(f).await {
                Ok(stored) => {
                    // Not stored: its question is not logged (forgotten, purged, or never
                    // was) or a replay stored it before; nothing to keep either way.
                    orphans += usize::from(!stored);
                    done += 1;
                }
                Err(e) if e.is_data_error() => {
                    tracing::warn!(error = %e, "feedback spool: dropping feedback the database refuses");
                    orphans += 1;
                    done += 1;
                }
                Err(e) => {
                    self.down(&e);
                    break;
                }
            }
        }
        if done > 0 {
            self.feedback.trim_logged(done);
            tracing::info!(
                replayed = done,
                dropped = orphans,
                "feedback spool replayed"
            );
        }
    }

    async fn replay_questions(&mut self) {
        let gate = self.gate.clone();
        let _gate = gate.lock().await;
        let records = self.spool.read_logged();
        if records.is_empty() {
            return;
        }
        let mut done = 0;
        for chunk in records.chunks(BATCH) {
            // A forgotten asker's records, should rewriting the spool have failed, are
            // skipped here but still counted as done, so they leave the file.
            match self.insert(&self.spool.unforgotten(chunk.to_vec())).await {
                Ok(n) => {
                    self.stats.written.fetch_add(n, Ordering::Relaxed);
                    self.stats
                        .replayed
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    done += chunk.len();
                }
                Err(e) => {
                    self.down(&e);
                    break;
                }
            }
        }
        if done > 0 {
            self.spool.trim_logged(done);
            if done == records.len() {
                self.up();
                tracing::info!(replayed = done, "question log: spool replayed");
            }
        }
    }

    fn down(&mut self, e: &super::StoreError) {
        self.stats.failures.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(error = %e, retry_in_ms = self.backoff.as_millis() as u64, "question log: database unavailable, spooling");
        self.down_until = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    fn up(&mut self) {
        self.down_until = None;
        self.backoff = Duration::from_millis(100);
    }
}

/// Appends records to the spool in `data_dir` (used when no database could be opened).
pub fn spool_records(data_dir: &Path, records: &[Record]) -> std::io::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    Spool::at(data_dir).append(records)
}

/// Removes `asker`'s records from a spool left in `data_dir` (for `kommunbot forget` while
/// the service is stopped, so a restart does not replay them); returns how many went.
pub fn forget_spooled(data_dir: &Path, asker: &str) -> std::io::Result<usize> {
    Spool::at(data_dir).forget(asker, super::now_ms())
}

/// Replays a spool left in `data_dir` into `store`; returns how many records it held.
pub async fn replay_spool(store: &Store, data_dir: &Path) -> Result<usize, super::StoreError> {
    let spool = Spool::at(data_dir);
    let records = spool
        .read()
        .map_err(|e| super::StoreError::Spool(e.to_string()))?;
    for chunk in records.chunks(BATCH) {
        store.insert(chunk).await?;
    }
    if !records.is_empty() {
        spool
            .remove_first(records.len())
            .map_err(|e| super::StoreError::Spool(e.to_string()))?;
    }
    Ok(records.len())
}
