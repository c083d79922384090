//! Advisory file locks between the processes that share a data directory.
//!
//! `kommunbot serve`, `kommunbot ask` and the staff commands (which replay the spool when
//! they open the database) can all touch the same spool files, and nothing else is shared
//! between them. Each spool therefore has two lock files beside it:
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
            LockError::Busy { .. } => io::ErrorKind::WouldBlock,
        };
        io::Error::new(kind, e)
    }
}

/// Exclusive (one holder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
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

/// One attempt: the lock, or `None` when another holder has it.
fn attempt(file: File, path: &Path, mode: Mode) -> Result<Result<FileLock, File>, LockError> {
    let tried = match mode {
        Mode::Exclusive => file.try_lock(),
    };
    match tried {
        Ok(()) => Ok(Ok(FileLock { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(Err(file)),
        Err(TryLockError::Error(e)) => Err(LockError::io(path, e)),
    }
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
        file = match attempt(file, path, mode)? {
            Ok(held) => return Ok(held),
            Err(file) => file,
        };
        let waited = start.elapsed();
        if waited >= wait {
            return Err(LockError::Busy {
                path: path.to_owned(),
                waited,
            });
        }
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
        file = match attempt(file, path, mode)? {
            Ok(held) => return Ok(held),
            Err(file) => file,
        };
        let waited = start.elapsed();
        if waited >= wait {
            return Err(LockError::Busy {
                path: path.to_owned(),
                waited,
            });
        }
        tokio::time::sleep(POLL).await;
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
        let err = lock(&p, Mode::Exclusive, Duration::from_millis(30)).unwrap_err();
        assert!(matches!(err, LockError::Busy { .. }), "{err}");
        assert!(err.to_string().contains("x.lock"), "{err}");
        drop(held);
        assert!(try_lock(&p, Mode::Exclusive).unwrap().is_some());
    }

    #[test]
    fn a_missing_folder_is_reported_as_not_found() {
        let d = tempfile::tempdir().unwrap();
        let err = try_lock(&d.path().join("saknas/x.lock"), Mode::Exclusive).unwrap_err();
        assert!(err.is_not_found(), "{err}");
        assert!(err.to_string().contains("saknas/x.lock"), "{err}");
    }
}
