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
//!
//! Other processes share the spool files (`kommunbot ask` spools when the database is
//! down, the staff commands replay on open): the lock files of [`super::lock`] keep their
//! appends, replays and rewrites from losing records or storing them twice.

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

use super::lock::{self, FileLock, LockError, Mode};
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

/// An append-only spool: one JSON item a line. Its in-process lock also guards the
/// forgotten askers, so a record is either appended before a forget rewrites the file (and
/// goes with it) or checked against the forget after. Other processes (`kommunbot ask`,
/// the staff commands, another service) are kept in step by the lock files beside it; see
/// [`super::lock`]: every file operation holds `<spool>.lock` (under the in-process lock),
/// and a replay holds `<spool>.replay.lock` from read to trim.
struct Spool<T = Record> {
    path: PathBuf,
    file_lock: PathBuf,
    replay_lock: PathBuf,
    lock: Mutex<Forgotten>,
    items: PhantomData<fn() -> T>,
}

/// Proof that this process holds a spool's replay lock: nobody else replays or rewrites
/// it until this is dropped, so the first records read are still the first to trim.
struct Replaying<T> {
    _held: FileLock,
    items: PhantomData<fn() -> T>,
}

/// How long an append, read or rewrite waits for another process's: those take
/// milliseconds, so running out means a process is stuck holding the lock (stopped in a
/// debugger, a hung disk), and the record is reported lost rather than holding an answer.
const FILE_WAIT: Duration = Duration::from_secs(5);

/// How long a forget waits for another process's replay of the spool to end; a replay
/// lasts as long as its inserts, which give up after the database's own timeouts.
const REPLAY_WAIT: Duration = Duration::from_secs(30);

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
            file_lock: lock::beside(&path, ".lock"),
            replay_lock: lock::beside(&path, ".replay.lock"),
            path,
            lock: Mutex::new(Forgotten::default()),
            items: PhantomData,
        }
    }

    /// The lock for one file operation, taken under the in-process lock.
    fn file_locked(&self) -> Result<FileLock, LockError> {
        lock::lock(&self.file_lock, Mode::Exclusive, FILE_WAIT)
    }

    /// The replay lock if no other process holds it; `None` if one does (it is replaying
    /// the spool, or forgetting in it). A missing data directory holds no spool: `None`.
    fn try_replaying(&self) -> Result<Option<Replaying<T>>, LockError> {
        match lock::try_lock(&self.replay_lock, Mode::Exclusive) {
            Ok(held) => Ok(held.map(|h| Replaying {
                _held: h,
                items: PhantomData,
            })),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The replay lock, waiting `wait` at most for another process to let go.
    async fn replaying(&self, wait: Duration) -> Result<Replaying<T>, LockError> {
        Ok(Replaying {
            _held: lock::lock_async(&self.replay_lock, Mode::Exclusive, wait).await?,
            items: PhantomData,
        })
    }

    /// [`Spool::replaying`] for code that is not async (the command line).
    fn replaying_blocking(&self, wait: Duration) -> Result<Replaying<T>, LockError> {
        Ok(Replaying {
            _held: lock::lock(&self.replay_lock, Mode::Exclusive, wait)?,
            items: PhantomData,
        })
    }

    /// [`Spool::try_replaying`] for the writer: a lock it cannot take is logged, and the
    /// replay is left for the next tick either way.
    fn try_replaying_logged(&self) -> Option<Replaying<T>> {
        self.try_replaying().unwrap_or_else(|e| {
            tracing::error!(error = %e, spool = %self.path.display(), "question log: cannot lock a spool for replay");
            None
        })
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
        // Another process may be rewriting the file: an append to the file it is about to
        // replace would be lost with it.
        let _file = self.file_locked()?;
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

    /// Marks `asker` forgotten as of `at`: later appends, queued records and replays in
    /// this process skip their earlier records.
    fn mark_forgotten(&self, asker: &str, at: i64) {
        let mut forgotten = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        forgotten.0.retain(|_, t| *t > at - FORGOTTEN_KEEP_MS);
        forgotten.0.insert(asker.to_owned(), at);
    }

    /// Removes the spooled records of every asker marked forgotten. The replay lock keeps
    /// another process from having read them for a replay it has not stored yet (they would
    /// land after the forget). Returns how many went.
    fn remove_forgotten(&self, _: &Replaying<T>) -> std::io::Result<usize> {
        let forgotten = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let _file = match self.file_locked() {
            Ok(f) => f,
            Err(e) if e.is_not_found() => return Ok(0),
            Err(e) => return Err(e.into()),
        };
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

    /// Reads every complete record; a torn last line (crash mid-write) is skipped. The file
    /// lock keeps out an append another process is halfway through.
    fn read(&self) -> std::io::Result<Vec<T>> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let _file = match self.file_locked() {
            Ok(f) => f,
            Err(e) if e.is_not_found() => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
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
    fn trim_logged(&self, n: usize, replaying: &Replaying<T>) {
        if let Err(e) = self.remove_first(n, replaying) {
            tracing::error!(error = %e, spool = %self.path.display(), "question log: cannot trim a spool");
        }
    }

    /// Removes the records replayed; anything appended meanwhile is kept. Counting is right
    /// because the replay lock was held since they were read: only appends, at the end,
    /// can have happened in between.
    fn remove_first(&self, n: usize, _: &Replaying<T>) -> std::io::Result<()> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let _file = self.file_locked()?;
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
        self.spool.mark_forgotten(asker, super::now_ms());
        // Another process replaying the spool (`kommunbot ask`, a staff command) may have
        // read the asker's records and not stored them yet: wait for it to finish, so they
        // are in the database when the rows are deleted below. The writer of this process
        // is kept out by the gate.
        let spooled = match self.spool.replaying(REPLAY_WAIT).await {
            Ok(replaying) => self.spool.remove_forgotten(&replaying),
            Err(e) if e.is_not_found() => Ok(0),
            Err(e) => Err(e.into()),
        };
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
        // Another process replaying it now: it stores what is there; try again next tick.
        let Some(replaying) = self.feedback.try_replaying_logged() else {
            return;
        };
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
            self.feedback.trim_logged(done, &replaying);
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
        // Held from read to trim, across the inserts: no other process may trim records
        // this one has read but not stored, nor store them a second time, nor forget them
        // in between (they would land after the forget). Another process replaying now
        // stores what is there; this one tries again next tick. Appends never wait for it.
        let Some(replaying) = self.spool.try_replaying_logged() else {
            return;
        };
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
            self.spool.trim_logged(done, &replaying);
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

/// Removes `asker`'s records from the spool in `data_dir` (for `kommunbot forget`, which
/// runs only while no service does: see [`super::ServiceLock`]); returns how many went.
/// Waits for another process's replay of the spool to end first, so nothing it read is
/// stored after the forget.
pub fn forget_spooled(data_dir: &Path, asker: &str) -> std::io::Result<usize> {
    let spool = Spool::at(data_dir);
    spool.mark_forgotten(asker, super::now_ms());
    let replaying = match spool.replaying_blocking(REPLAY_WAIT) {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    spool.remove_forgotten(&replaying)
}

/// How long a command waits for another process's replay of the spool before it goes on
/// without replaying: the other process is storing those records already.
const COMMAND_REPLAY_WAIT: Duration = Duration::from_secs(5);

/// Replays a spool left in `data_dir` into `store`; returns how many records it held. When
/// another process is replaying it (a running service, another command), waits a little,
/// then leaves it to that process and returns 0.
pub async fn replay_spool(store: &Store, data_dir: &Path) -> Result<usize, super::StoreError> {
    let spool = Spool::at(data_dir);
    let spool_err =
        |e: std::io::Error| super::StoreError::Spool(format!("{}: {e}", spool.path.display()));
    if spool.is_empty() {
        return Ok(0);
    }
    let replaying = match spool.replaying(COMMAND_REPLAY_WAIT).await {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Ok(0),
        Err(e @ LockError::Busy { .. }) => {
            tracing::warn!(error = %e, "question log: another process is replaying the spool; leaving it to that one");
            return Ok(0);
        }
        Err(e) => return Err(spool_err(e.into())),
    };
    let records = spool.read().map_err(spool_err)?;
    for chunk in records.chunks(BATCH) {
        store.insert(chunk).await?;
    }
    if !records.is_empty() {
        spool
            .remove_first(records.len(), &replaying)
            .map_err(spool_err)?;
    }
    Ok(records.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Outcome;
    use crate::store::{Channel, Place};

    fn record(text: &str, asker: &str) -> Record {
        Record::new(
            text,
            Channel::Cli,
            Place::default(),
            Some(asker.to_owned()),
            &Outcome::NoAnswer {
                chat: false,
                theme: None,
            },
            None,
        )
    }

    /// Each thread has a `Spool` of its own on one file, as separate processes do: only the
    /// lock files keep them in step (std's file locks conflict between two opens of a file
    /// in one process too). Appenders, two replayers and a forget run at once; every record
    /// must end up stored exactly once or, for the forgotten asker, nowhere. Without the
    /// lock files this lost most of the records.
    #[test]
    fn appends_replays_and_forgets_in_parallel_lose_nothing_and_store_nothing_twice() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().to_owned();
        let ghosts: Vec<Record> = (0..50)
            .map(|i| record(&format!("glöm {i}"), "ghost"))
            .collect();
        Spool::at(&dir).append(&ghosts).unwrap();
        // The "database": how many times each record id was inserted.
        let stored = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
        let appending = Arc::new(std::sync::atomic::AtomicUsize::new(3));
        let appenders: Vec<_> = (0..3)
            .map(|t| {
                let (dir, appending) = (dir.clone(), appending.clone());
                std::thread::spawn(move || {
                    let spool = Spool::at(&dir);
                    let mut ids = Vec::new();
                    for i in 0..150 {
                        // Now one by one (the answer path), now in batches (the writer).
                        let batch: Vec<Record> = (0..1 + i % 3)
                            .map(|k| record(&format!("fråga {t} {i} {k}"), "keep"))
                            .collect();
                        ids.extend(batch.iter().map(|r| r.record_id.clone()));
                        spool.append(&batch).unwrap();
                    }
                    appending.fetch_sub(1, Ordering::SeqCst);
                    ids
                })
            })
            .collect();
        let replay = |dir: &Path, stored: &Mutex<HashMap<String, usize>>| {
            let spool = Spool::<Record>::at(dir);
            let Some(replaying) = spool.try_replaying().unwrap() else {
                return;
            };
            let records = spool.read().unwrap();
            {
                let mut db = stored.lock().unwrap();
                for r in &records {
                    *db.entry(r.record_id.clone()).or_default() += 1;
                }
            }
            spool.remove_first(records.len(), &replaying).unwrap();
        };
        let replayers: Vec<_> = (0..2)
            .map(|_| {
                let (dir, stored, appending) = (dir.clone(), stored.clone(), appending.clone());
                std::thread::spawn(move || {
                    while appending.load(Ordering::SeqCst) > 0 {
                        replay(&dir, &stored);
                    }
                })
            })
            .collect();
        let forgetter = {
            let (dir, stored, appending) = (dir.clone(), stored.clone(), appending.clone());
            std::thread::spawn(move || {
                let mut removed = 0;
                // At least once, however fast the appenders are.
                loop {
                    removed += forget_spooled(&dir, "ghost").unwrap();
                    // ...and the rows go, as `Store::forget` deletes them.
                    let ghost_ids: std::collections::HashSet<&str> =
                        ghosts.iter().map(|g| g.record_id.as_str()).collect();
                    stored
                        .lock()
                        .unwrap()
                        .retain(|id, _| !ghost_ids.contains(id.as_str()));
                    if appending.load(Ordering::SeqCst) == 0 {
                        break removed;
                    }
                }
            })
        };
        let appended: Vec<String> = appenders
            .into_iter()
            .flat_map(|a| a.join().unwrap())
            .collect();
        for r in replayers {
            r.join().unwrap();
        }
        let removed = forgetter.join().unwrap();
        replay(&dir, &stored);

        let db = stored.lock().unwrap();
        let twice: Vec<_> = db.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "stored twice: {twice:?}");
        let lost = appended.iter().filter(|id| !db.contains_key(*id)).count();
        assert_eq!(lost, 0, "of {} records", appended.len());
        assert_eq!(
            db.len(),
            appended.len(),
            "only the kept asker's records stay"
        );
        assert!(removed <= 50);
        assert!(Spool::<Record>::at(&dir).read().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_command_leaves_the_replay_to_another_process_replaying() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}/log.db", d.path().display()))
            .await
            .unwrap();
        spool_records(d.path(), &[record("väntar", "keep")]).unwrap();
        let other = Spool::<Record>::at(d.path())
            .try_replaying()
            .unwrap()
            .unwrap();
        // Another process is replaying: this one does not store or trim behind its back.
        let n = replay_spool(&store, d.path()).await.unwrap();
        assert_eq!(n, 0);
        assert_eq!(store.count().await.unwrap(), 0);
        assert_eq!(Spool::<Record>::at(d.path()).read().unwrap().len(), 1);
        drop(other);
        assert_eq!(replay_spool(&store, d.path()).await.unwrap(), 1);
        assert_eq!(store.count().await.unwrap(), 1);
        assert!(Spool::<Record>::at(d.path()).read().unwrap().is_empty());
    }
}
