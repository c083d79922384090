//! Advisory file locks between the processes that share a data directory.
//!
//! `kommunbot serve`, `kommunbot ask` and the staff commands (which replay the spool when
//! they open the database) can all touch the same spool files, and nothing else is shared
//! between them. Each spool therefore has two lock files beside it, the data directory has
//! one more, and so does a SQLite database:
//!
//! - `<spool>.lock`, held for one short file operation: an append, a read, a rewrite. Spool
//!   rewrites replace the file by a rename, so an append that opened the old file while
//!   another process rewrote it would be lost; the lock makes them take turns. It is never
//!   held across a database call.
//! - `<spool>.replay.lock`, held by whoever replays the spool from read to trim, and by a
//!   forget while it rewrites. Trimming removes the first records read, which is only right
//!   when nobody else removed or replayed them meanwhile; and a forget that rewrote the file
//!   between another process's read and insert would see the forgotten records come back.
//!   Appends never take it, so a replay that waits on a slow database holds up no answer.
//! - `serve.lock`, held shared by every running `kommunbot serve` for its lifetime and
//!   exclusively by `kommunbot forget`: the service keeps records in memory that another
//!   process cannot reach, so forget refuses to run beside it.
//! - `<database file>.migrate.lock`, held by whoever migrates a SQLite database as it opens
//!   it (`Store::open`): sqlx locks migrations on PostgreSQL only, and two processes
//!   creating one SQLite file would both apply its first migration.
//!
//! The spool's lock files are taken in that order (replay, then file), never the other
//! way, so two processes cannot deadlock. The locks are `flock`-style (std's
//! [`File::lock`]): the kernel drops them when a process dies, so a crash leaves no stale
//! lock behind, and lock files are never deleted (a deleted lock file would let two
//! processes lock two different files).

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a bounded wait tries the lock again.
const POLL: Duration = Duration::from_millis(10);

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{} is held by another process (waited {} ms)", path.display(), waited.as_millis())]
    Busy { path: PathBuf, waited: Duration },
    #[error(
        "kommunbot serve is running on the data directory {} (it holds {}): forget cannot reach the questions it keeps in memory; use /glöm-mig in Discord while it runs, or stop the service and run forget again",
        dir.display(),
        lock.display()
    )]
    ServiceRunning { dir: PathBuf, lock: PathBuf },
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl LockError {
    fn io(path: &Path, source: io::Error) -> Self {
        LockError::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// Whether the lock file's folder does not exist (then neither does what it guards).
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(self, LockError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}

impl From<LockError> for io::Error {
    fn from(e: LockError) -> Self {
        let kind = match &e {
            LockError::Io { source, .. } => source.kind(),
            LockError::Busy { .. } | LockError::ServiceRunning { .. } => io::ErrorKind::WouldBlock,
        };
        io::Error::new(kind, e)
    }
}

/// Shared (several holders) or exclusive (one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Shared,
    Exclusive,
}

/// A held lock; dropping it (closing the file) releases it.
#[derive(Debug)]
pub(crate) struct FileLock {
    _file: File,
}

fn open(path: &Path) -> Result<File, LockError> {
    // Never truncated: the file holds nothing, it is only the thing locked.
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| LockError::io(path, e))
}

/// `path` with `suffix` added to its file name (`x.spool` → `x.spool.lock`): where a lock
/// file for `path` lives.
pub(crate) fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

/// One attempt: the lock, or the file back (to try again) when another holder has it.
fn attempt(file: File, path: &Path, mode: Mode) -> Result<Result<FileLock, File>, LockError> {
    let tried = match mode {
        Mode::Shared => file.try_lock_shared(),
        Mode::Exclusive => file.try_lock(),
    };
    match tried {
        Ok(()) => Ok(Ok(FileLock { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(Err(file)),
        Err(TryLockError::Error(e)) => Err(LockError::io(path, e)),
    }
}

/// One round of a bounded wait that began at `start`: the lock, or the file back to try
/// again after a pause, or [`LockError::Busy`] once `wait` has passed.
fn again(
    file: File,
    path: &Path,
    mode: Mode,
    start: Instant,
    wait: Duration,
) -> Result<Result<FileLock, File>, LockError> {
    let file = match attempt(file, path, mode)? {
        Ok(held) => return Ok(Ok(held)),
        Err(file) => file,
    };
    let waited = start.elapsed();
    if waited >= wait {
        return Err(LockError::Busy {
            path: path.to_owned(),
            waited,
        });
    }
    Ok(Err(file))
}

/// Takes the lock if no one else holds it; `None` if someone does.
pub(crate) fn try_lock(path: &Path, mode: Mode) -> Result<Option<FileLock>, LockError> {
    Ok(attempt(open(path)?, path, mode)?.ok())
}

/// Takes the lock, waiting at most `wait` for another holder to let go. Blocks the thread:
/// for the short file operations, which hold it for milliseconds.
pub(crate) fn lock(path: &Path, mode: Mode, wait: Duration) -> Result<FileLock, LockError> {
    let start = Instant::now();
    let mut file = open(path)?;
    loop {
        file = match again(file, path, mode, start, wait)? {
            Ok(held) => return Ok(held),
            Err(file) => file,
        };
        std::thread::sleep(POLL);
    }
}

/// [`lock`] for async code: waits without holding up the runtime's thread.
pub(crate) async fn lock_async(
    path: &Path,
    mode: Mode,
    wait: Duration,
) -> Result<FileLock, LockError> {
    let start = Instant::now();
    let mut file = open(path)?;
    loop {
        file = match again(file, path, mode, start, wait)? {
            Ok(held) => return Ok(held),
            Err(file) => file,
        };
        tokio::time::sleep(POLL).await;
    }
}

/// The data directory's `serve.lock`: held shared by a running service, exclusively by
/// `kommunbot forget`.
#[derive(Debug)]
pub struct ServiceLock {
    _held: FileLock,
}

/// How long a starting service waits for a `kommunbot forget` to finish.
const SERVE_WAIT: Duration = Duration::from_secs(60);

impl ServiceLock {
    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("serve.lock")
    }

    /// Held by `kommunbot serve` for as long as it runs. Several services may share a data
    /// directory; only a `kommunbot forget` in progress makes this wait (a minute at most).
    pub async fn serving(data_dir: &Path) -> Result<Self, LockError> {
        let path = Self::path(data_dir);
        if let Some(held) = try_lock(&path, Mode::Shared)? {
            return Ok(ServiceLock { _held: held });
        }
        tracing::info!(lock = %path.display(), "waiting for kommunbot forget to finish");
        Ok(ServiceLock {
            _held: lock_async(&path, Mode::Shared, SERVE_WAIT).await?,
        })
    }

    /// Held by `kommunbot forget` while it runs. Refused with
    /// [`LockError::ServiceRunning`] while a service runs on `data_dir`; another forget in
    /// progress is waited for (`wait` at most).
    pub fn forgetting(data_dir: &Path, wait: Duration) -> Result<Self, LockError> {
        let path = Self::path(data_dir);
        let start = Instant::now();
        loop {
            if let Some(held) = try_lock(&path, Mode::Exclusive)? {
                return Ok(ServiceLock { _held: held });
            }
            // Someone holds it. A shared lock can be had beside a service, not beside
            // another forget; either way it is let go at once.
            let service = try_lock(&path, Mode::Shared)?.is_some();
            if service {
                // The holder may have let go between the two attempts: one more try.
                if let Some(held) = try_lock(&path, Mode::Exclusive)? {
                    return Ok(ServiceLock { _held: held });
                }
                return Err(LockError::ServiceRunning {
                    dir: data_dir.to_owned(),
                    lock: path,
                });
            }
            let waited = start.elapsed();
            if waited >= wait {
                return Err(LockError::Busy { path, waited });
            }
            std::thread::sleep(POLL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exclusive_lock_keeps_others_out_until_dropped() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.lock");
        let held = lock(&p, Mode::Exclusive, Duration::ZERO).unwrap();
        assert!(try_lock(&p, Mode::Exclusive).unwrap().is_none());
        assert!(try_lock(&p, Mode::Shared).unwrap().is_none());
        let err = lock(&p, Mode::Exclusive, Duration::from_millis(30)).unwrap_err();
        assert!(matches!(err, LockError::Busy { .. }), "{err}");
        assert!(err.to_string().contains("x.lock"), "{err}");
        drop(held);
        assert!(try_lock(&p, Mode::Exclusive).unwrap().is_some());
    }

    #[test]
    fn shared_locks_coexist_and_keep_an_exclusive_one_out() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.lock");
        let a = try_lock(&p, Mode::Shared).unwrap().unwrap();
        let b = try_lock(&p, Mode::Shared).unwrap().unwrap();
        assert!(try_lock(&p, Mode::Exclusive).unwrap().is_none());
        drop((a, b));
        assert!(try_lock(&p, Mode::Exclusive).unwrap().is_some());
    }

    #[test]
    fn a_missing_folder_is_reported_as_not_found() {
        let d = tempfile::tempdir().unwrap();
        let err = try_lock(&d.path().join("saknas/x.lock"), Mode::Exclusive).unwrap_err();
        assert!(err.is_not_found(), "{err}");
        assert!(err.to_string().contains("saknas/x.lock"), "{err}");
    }

    #[tokio::test]
    async fn forget_is_refused_beside_a_service_and_a_service_waits_for_forget() {
        let d = tempfile::tempdir().unwrap();
        let serving = ServiceLock::serving(d.path()).await.unwrap();
        // Two services may share a data directory.
        let second = ServiceLock::serving(d.path()).await.unwrap();
        let err = ServiceLock::forgetting(d.path(), Duration::from_secs(5)).unwrap_err();
        assert!(matches!(err, LockError::ServiceRunning { .. }), "{err}");
        assert!(err.to_string().contains("/glöm-mig"), "{err}");
        drop((serving, second));
        let forgetting = ServiceLock::forgetting(d.path(), Duration::ZERO).unwrap();
        // A second forget beside the first waits, then gives up: it is not told a service
        // runs.
        let err = ServiceLock::forgetting(d.path(), Duration::from_millis(30)).unwrap_err();
        assert!(matches!(err, LockError::Busy { .. }), "{err}");
        // A service starting meanwhile waits for the forget to end, then runs.
        let starting = tokio::spawn({
            let dir = d.path().to_owned();
            async move { ServiceLock::serving(&dir).await }
        });
        std::thread::sleep(Duration::from_millis(50));
        drop(forgetting);
        let serving = starting.await.unwrap().unwrap();
        drop(serving);
        ServiceLock::forgetting(d.path(), Duration::ZERO).unwrap();
    }
}
