//! The only SQL in the crate: the question log and its feedback, on SQLite or PostgreSQL.
//!
//! One [`Store`] over sqlx's `Any` driver, chosen at run time by the URL: `sqlite://…` (the
//! default, a file under `data/`, WAL mode) or `postgres://…` (several bot processes, many
//! municipalities). Queries are written once in the SQL both understand; only the
//! migrations differ per backend (`migrations/sqlite`, `migrations/postgres`).
//!
//! Invariant: nothing reaches this module unredacted. A [`Record`] can only be made by
//! [`Record::new`], which redacts the text and takes an already pseudonymised asker.

mod lock;
pub mod retention;
mod topics;
pub use topics::{PhrasingEvidence, ReviewQuestion, Slot, TopicRow, TopicsChange, TopicsSnapshot};
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};

use crate::privacy;

pub use lock::{LockError, ServiceLock};

pub use writer::{
    LogHandle, LogWriter, PendingLog, WriterStats, forget_spooled, replay_spool, spool_records,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot migrate the database {}: {source}", db.display())]
    MigrateLock {
        db: PathBuf,
        #[source]
        source: LockError,
    },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("question log spool: {0}")]
    Spool(String),
    #[error("unsupported database url `{0}`: use sqlite://… or postgres://…")]
    Scheme(String),
    #[error("a question is put in new topic #{slot}, but only {created} are created")]
    TopicSlot { slot: usize, created: usize },
    #[error(
        "candidate topics changed while each of {0} attempts to refresh them planned: try again"
    )]
    TopicsBusy(usize),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create the database file {path}: {source}")]
    DbFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    /// Whether the database refused the data itself (SQLSTATE class 22, data exception, or
    /// 23, integrity constraint) rather than being unreachable: retrying the same row can
    /// never succeed, so it must not hold up the rows behind it.
    pub fn is_data_error(&self) -> bool {
        match self {
            StoreError::Sql(sqlx::Error::Database(e)) => e
                .code()
                .is_some_and(|c| c.starts_with("22") || c.starts_with("23")),
            _ => false,
        }
    }
}

/// Where a question came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Discord,
    Http,
    Web,
    Cli,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Discord => "discord",
            Channel::Http => "http",
            Channel::Web => "web",
            Channel::Cli => "cli",
        }
    }
}

/// What a citizen said about a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    Helpful,
    NotHelpful,
    /// Picked one of the "Menade du…?" choices (the entry goes with it).
    Chosen,
    /// None of the "Menade du…?" choices was it.
    NoneOfThese,
}

impl Feedback {
    pub fn as_str(self) -> &'static str {
        match self {
            Feedback::Helpful => "helpful",
            Feedback::NotHelpful => "not_helpful",
            Feedback::Chosen => "chosen",
            Feedback::NoneOfThese => "none_of_these",
        }
    }
}

/// One logged question. Serialisable, for the spool file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Made here, unique: a replayed record is recognised and not inserted twice.
    pub record_id: String,
    pub tenant: String,
    pub asked_at: i64,
    pub channel: Channel,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    pub asker: Option<String>,
    pub text: String,
    pub redactions: i32,
    pub outcome: String,
    pub entry_id: Option<String>,
    pub confidence: Option<f64>,
    pub theme: Option<String>,
}

/// One piece of feedback on a logged question, made when it is given. Like a [`Record`] it
/// carries its own id, so a feedback spooled during an outage is stored once on replay.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedbackRecord {
    pub record_id: String,
    /// The question's `record_id`.
    pub question_id: String,
    pub at: i64,
    pub kind: Feedback,
    pub entry_id: Option<String>,
}

impl FeedbackRecord {
    pub fn new(question_id: &str, kind: Feedback, entry_id: Option<&str>) -> Self {
        Self {
            record_id: new_id(),
            question_id: question_id.to_owned(),
            at: now_ms(),
            kind,
            entry_id: entry_id.map(printable),
        }
    }
}

/// Where in a channel a question was asked (ids only, never names).
#[derive(Debug, Clone, Default)]
pub struct Place {
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
}

impl Record {
    /// Builds a record from a raw question: the text is redacted here, so raw personal data
    /// never gets further. `asker` must already be a pseudonym (`privacy::Pseudonymizer`).
    pub fn new(
        raw_question: &str,
        channel: Channel,
        place: Place,
        asker: Option<String>,
        outcome: &crate::answer::Outcome,
        theme_guess: Option<String>,
    ) -> Self {
        use crate::answer::Outcome;
        // Control characters go before redaction, so none can split a number to hide it.
        let red = privacy::redact(&printable(raw_question));
        let (entry_id, confidence, theme) = match outcome {
            Outcome::Answer { entry, confidence } => (
                Some(entry.to_string()),
                Some(f64::from(*confidence)),
                Some(entry.theme().to_owned()),
            ),
            Outcome::Suggest { entries } => (
                entries.first().map(|(e, _)| e.to_string()),
                entries.first().map(|(_, c)| f64::from(*c)),
                entries.first().map(|(e, _)| e.theme().to_owned()),
            ),
            Outcome::NoAnswer { theme, .. } => (
                None,
                None,
                theme.as_ref().map(|t| t.to_string()).or(theme_guess),
            ),
        };
        Record {
            record_id: new_id(),
            tenant: "default".into(),
            asked_at: now_ms(),
            channel,
            guild_id: place.guild_id,
            channel_id: place.channel_id,
            asker,
            text: truncate(&red.text, 4000),
            redactions: red.counts.total() as i32,
            outcome: Met::of(outcome).as_str().into(),
            entry_id,
            confidence,
            theme,
        }
    }
}

/// `s` without control characters other than line breaks, and a tab as a space: a NUL byte
/// is refused by PostgreSQL's text type, and the others only garble a staff member's
/// terminal or the columns of `log`.
fn printable(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect()
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

/// 128 random bits, hex.
pub fn new_id() -> String {
    let v: u128 = rand::random();
    format!("{v:032x}")
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How a logged question was met, as the `outcome` column spells it. One place owns the
/// spelling: the log writes it, and `log` (CLI and HTTP) filters by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Met {
    Answered,
    Suggested,
    NoAnswer,
}

impl Met {
    pub fn as_str(self) -> &'static str {
        match self {
            Met::Answered => "answered",
            Met::Suggested => "suggested",
            Met::NoAnswer => "no_answer",
        }
    }

    pub fn of(outcome: &crate::answer::Outcome) -> Self {
        use crate::answer::Outcome;
        match outcome {
            Outcome::Answer { .. } => Met::Answered,
            Outcome::Suggest { .. } => Met::Suggested,
            Outcome::NoAnswer { .. } => Met::NoAnswer,
        }
    }
}

impl std::str::FromStr for Met {
    type Err = String;

    /// The column's spelling, and `no-answer` as command-line flags are written.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "answered" => Ok(Met::Answered),
            "suggested" => Ok(Met::Suggested),
            "no_answer" | "no-answer" => Ok(Met::NoAnswer),
            other => Err(format!(
                "unknown outcome `{other}`: use answered, suggested or no_answer"
            )),
        }
    }
}

/// A filter for `log` and `stats`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since_ms: Option<i64>,
    pub outcome: Option<Met>,
    pub theme: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LoggedQuestion {
    pub asked_at: i64,
    pub channel: String,
    pub text: String,
    pub outcome: String,
    pub entry_id: Option<String>,
    pub confidence: Option<f64>,
    pub theme: Option<String>,
    pub feedback: Option<String>,
}

/// Where the podcast feed is and how its last sync went.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FeedState {
    /// The URL (or file) configured; a new one starts over.
    pub configured: String,
    /// Where the feed is now: differs after a 301 or `itunes:new-feed-url`.
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub attempted_at: Option<i64>,
    pub succeeded_at: Option<i64>,
    /// `updated`, `not_modified` or `failed`.
    pub result: Option<String>,
    pub error: Option<String>,
    pub episodes: i64,
}

/// One staff action, as the audit trail shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditRow {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Stats {
    pub total: i64,
    pub by_outcome: Vec<(String, i64)>,
    pub by_theme: Vec<(String, i64)>,
    pub top_entries: Vec<(String, i64)>,
    pub helpful: i64,
    pub not_helpful: i64,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens (creating a SQLite file and its folder if needed) and migrates the database.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Scheme(url.to_owned()));
        };
        let url_owned = if backend == Backend::Sqlite {
            prepare_sqlite_url(url)?
        } else {
            url.to_owned()
        };
        let mut opts = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(5));
        if backend == Backend::Sqlite {
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers (staff commands) work while the writer inserts;
                    // busy_timeout rides out short locks instead of failing at once.
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout = 5000")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA synchronous = NORMAL")
                        .execute(&mut *conn)
                        .await?;
                    // Deleted rows (forget, purge) are overwritten with zeros, not left
                    // readable in free pages of the file.
                    sqlx::query("PRAGMA secure_delete = ON")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = opts
            .connect(&url_owned)
            .await
            .map_err(|source| StoreError::Connect {
                url: crate::privacy::database_url_shown(url),
                source,
            })?;
        match backend {
            Backend::Sqlite => {
                // sqlx's migrator locks PostgreSQL (below) but not SQLite: processes opening
                // a new file at once would each apply the first migration, and all but one
                // fail on "table questions already exists". They take turns on a lock file
                // beside the database; whoever comes second finds nothing left to apply.
                // An in-memory database belongs to one process and needs none.
                let _turn = match sqlite_file(url) {
                    Some(db) => {
                        let path = migrate_lock_path(&db);
                        Some(
                            lock::lock_async(&path, lock::Mode::Exclusive, MIGRATE_WAIT)
                                .await
                                .map_err(|source| StoreError::MigrateLock { db, source })?,
                        )
                    }
                    None => None,
                };
                sqlx::migrate!("migrations/sqlite").run(&pool).await?
            }
            // The migrator holds a PostgreSQL advisory lock while it runs (its `locking`,
            // on by default; a unit test keeps it so).
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await?,
        }
        Ok(Self { pool, backend })
    }

    /// Whether [`Store::open`] would make a new database: a SQLite file not there yet. A
    /// command that only reads (`ask --no-log`) leaves such a database unmade.
    pub fn would_create(url: &str) -> bool {
        url.starts_with("sqlite:") && sqlite_file(url).is_some_and(|db| !db.exists())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether statements may be cached. Not on PostgreSQL: through sqlx `Any`, a cached
    /// statement keeps the parameter types of its first use, and a NULL there (no
    /// confidence, no episode) makes a later non-NULL value fail to encode.
    fn persistent(&self) -> bool {
        self.backend == Backend::Sqlite
    }

    /// Inserts records in one transaction; records already present are skipped.
    /// Returns how many rows were new.
    pub async fn insert(&self, records: &[Record]) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut new = 0;
        for r in records {
            let res = sqlx::query(
                "INSERT INTO questions (record_id, tenant, asked_at, channel, guild_id, channel_id, \
                 asker, text, redactions, outcome, entry_id, confidence, theme) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (record_id) DO NOTHING",
            )
            // No cached prepared statement on PostgreSQL: through the `Any` driver a NULL
            // `confidence` (no answer) fixes the parameter's type for the cached statement,
            // and the next row's number is then refused ("incorrect binary data format").
            // SQLite has no parameter types, and keeps the faster cached statement.
            .persistent(self.persistent())
            .bind(&r.record_id)
            .bind(&r.tenant)
            .bind(r.asked_at)
            .bind(r.channel.as_str())
            .bind(&r.guild_id)
            .bind(&r.channel_id)
            .bind(&r.asker)
            .bind(&r.text)
            .bind(r.redactions)
            .bind(&r.outcome)
            .bind(&r.entry_id)
            .bind(r.confidence)
            .bind(&r.theme)
            .execute(&mut *tx)
            .await?;
            new += res.rows_affected();
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Records feedback on a logged question.
    /// Stores feedback on a logged question. Returns false, storing nothing, when no such
    /// question is logged (yet, or any more) or this very feedback is already stored.
    pub async fn feedback(&self, f: &FeedbackRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO feedback (record_id, question_id, at, kind, entry_id)
             SELECT $1, $2, $3, $4, $5
             WHERE EXISTS (SELECT 1 FROM questions WHERE record_id = $2)
             ON CONFLICT (record_id) DO NOTHING",
        )
        .bind(f.record_id.as_str())
        .bind(f.question_id.as_str())
        .bind(f.at)
        .bind(f.kind.as_str())
        .bind(f.entry_id.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM questions")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    /// Deletes questions asked before `before_ms` (and their feedback). Returns rows deleted.
    pub async fn purge(&self, before_ms: i64) -> Result<u64, StoreError> {
        self.delete_questions("asked_at < $1", before_ms).await
    }

    /// Deletes everything logged about one asker (by pseudonym). Returns rows deleted.
    pub async fn forget(&self, asker: &str) -> Result<u64, StoreError> {
        self.delete_questions("asker = $1", asker.to_owned()).await
    }

    /// Deletes the questions matching `condition` (one `$1` parameter) with their feedback
    /// and topic links, in one transaction; topics left without questions go too. It takes
    /// the topics' turn first, like a refresh: a refresh that read these questions plans
    /// again instead of linking them after they are gone.
    async fn delete_questions<T>(&self, condition: &str, value: T) -> Result<u64, StoreError>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone + Send + 'static,
    {
        let mut tx = self.pool.begin().await?;
        topics::claim_topics(&mut tx, None).await?;
        sqlx::query(&format!(
            "DELETE FROM feedback WHERE question_id IN (SELECT record_id FROM questions WHERE {condition})"
        ))
        .bind(value.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "DELETE FROM topic_questions WHERE question_id IN (SELECT record_id FROM questions WHERE {condition})"
        ))
        .bind(value.clone())
        .execute(&mut *tx)
        .await?;
        let n = sqlx::query(&format!("DELETE FROM questions WHERE {condition}"))
            .bind(value)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        topics::prune_topics(&mut tx).await?;
        topics::relabel_bereft_topics(&mut tx).await?;
        tx.commit().await?;
        if self.backend == Backend::Sqlite {
            // secure_delete zeroes the freed pages, but in WAL mode the deleted rows live
            // on in the write-ahead log and the main file until a checkpoint: one now, so
            // an erasure is one on disk too. Busy readers may hold it back; the next one
            // (SQLite's own, after 1,000 pages) finishes it.
            // The pragma does not fail when readers hold it back: its first column says so.
            match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.pool)
                .await
            {
                Ok((0, _, _)) => {}
                Ok(_) => tracing::warn!(
                    "question log: readers held back the checkpoint after a deletion; SQLite's next one completes it"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "question log: checkpoint after a deletion failed")
                }
            }
        }
        Ok(n)
    }

    /// Logged questions, newest first.
    pub async fn list(&self, f: &Filter) -> Result<Vec<LoggedQuestion>, StoreError> {
        let rows = sqlx::query(
            "SELECT q.asked_at, q.channel, q.text, q.outcome, q.entry_id, q.confidence, q.theme, \
             (SELECT MAX(kind) FROM feedback fb WHERE fb.question_id = q.record_id) \
             FROM questions q \
             WHERE q.asked_at >= $1 AND ($2 = '' OR q.outcome = $2) AND ($3 = '' OR q.theme = $3) \
             ORDER BY q.asked_at DESC, q.id DESC LIMIT $4",
        )
        .bind(f.since_ms.unwrap_or(0))
        .bind(f.outcome.map_or("", Met::as_str))
        .bind(f.theme.clone().unwrap_or_default())
        .bind(f.limit.unwrap_or(1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(logged_question).collect()
    }

    pub async fn stats(&self, since_ms: i64) -> Result<Stats, StoreError> {
        let pairs = |sql: &'static str| {
            let pool = self.pool.clone();
            async move {
                let rows = sqlx::query(sql).bind(since_ms).fetch_all(&pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get::<Option<String>, _>(0)?
                                .unwrap_or_else(|| "-".into()),
                            r.try_get::<i64, _>(1)?,
                        ))
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            }
        };
        let by_outcome = pairs(
            "SELECT outcome, COUNT(*) FROM questions WHERE asked_at >= $1 GROUP BY outcome ORDER BY 2 DESC, 1",
        )
        .await?;
        let by_theme = pairs(
            "SELECT theme, COUNT(*) FROM questions WHERE asked_at >= $1 GROUP BY theme ORDER BY 2 DESC, 1",
        )
        .await?;
        let top_entries = pairs(
            "SELECT entry_id, COUNT(*) FROM questions WHERE asked_at >= $1 AND outcome = 'answered' \
             GROUP BY entry_id ORDER BY 2 DESC, 1 LIMIT 10",
        )
        .await?;
        let feedback =
            pairs("SELECT kind, COUNT(*) FROM feedback WHERE at >= $1 GROUP BY kind ORDER BY 1")
                .await?;
        let get = |k: &str| {
            feedback
                .iter()
                .find(|(kind, _)| kind == k)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        Ok(Stats {
            total: by_outcome.iter().map(|(_, n)| n).sum(),
            helpful: get("helpful"),
            not_helpful: get("not_helpful"),
            by_outcome,
            by_theme,
            top_entries,
        })
    }

    /// Records what a staff member changed (`actor` is their pseudonym).
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: Option<&str>,
        detail: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(now_ms())
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The audit trail, newest first.
    pub async fn audit_trail(&self, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, target, detail FROM audit ORDER BY at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        map_rows(&rows, |r| {
            Ok(AuditRow {
                at: r.try_get(0)?,
                actor: r.try_get(1)?,
                action: r.try_get(2)?,
                target: r.try_get(3)?,
                detail: r.try_get(4)?,
            })
        })
    }

    /// What staff should look at, newest first: questions the bot could not answer and
    /// answers a citizen marked "not helpful".
    pub async fn needs_review(
        &self,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<LoggedQuestion>, StoreError> {
        let rows = sqlx::query(
            "SELECT q.asked_at, q.channel, q.text, q.outcome, q.entry_id, q.confidence, q.theme, \
             (SELECT MAX(kind) FROM feedback fb WHERE fb.question_id = q.record_id) \
             FROM questions q \
             WHERE q.asked_at >= $1 AND (q.outcome = 'no_answer' OR EXISTS (SELECT 1 FROM feedback f \
             WHERE f.question_id = q.record_id AND f.kind IN ('not_helpful', 'none_of_these'))) \
             ORDER BY q.asked_at DESC, q.id DESC LIMIT $2",
        )
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(logged_question).collect()
    }

    /// Upserts a sync's episodes by guid and records the feed's new state, in one
    /// transaction: a sync is stored whole or not at all.
    /// Stores a sync's episodes and the feed's state. `replace`: the feed is another than
    /// the one synced before, whose episodes go (two podcasts' episodes are no catalogue).
    pub async fn save_sync(
        &self,
        episodes: &[crate::podcast::FeedEpisode],
        feed: &FeedState,
        replace: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        if replace {
            sqlx::query("DELETE FROM episodes WHERE tenant = 'default'")
                .execute(&mut *tx)
                .await?;
        }
        for e in episodes {
            let chapters = serde_json::to_string(&e.chapters).unwrap_or_else(|_| "[]".into());
            let transcript = serde_json::to_string(&e.transcript).unwrap_or_else(|_| "[]".into());
            sqlx::query(
                "INSERT INTO episodes (tenant, guid, title, link, audio_url, published, duration, \
                 description, chapters, transcript, synced_at) \
                 VALUES ('default', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (tenant, guid) DO UPDATE SET title = excluded.title, \
                 link = excluded.link, audio_url = excluded.audio_url, published = excluded.published, \
                 duration = excluded.duration, description = excluded.description, \
                 chapters = excluded.chapters, transcript = excluded.transcript, \
                 synced_at = excluded.synced_at",
            )
            // See `insert`: NULLs through `Any` must not fix a cached statement's types.
            .persistent(self.persistent())
            .bind(&e.guid)
            .bind(&e.title)
            .bind(&e.link)
            .bind(&e.audio_url)
            .bind(&e.published)
            .bind(e.duration.map(i64::from))
            .bind(&e.description)
            .bind(chapters)
            .bind(transcript)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        self.put_feed_state(&mut tx, feed).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records an attempt that stored no episodes (not modified, or failed).
    pub async fn save_feed_state(&self, feed: &FeedState) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        self.put_feed_state(&mut tx, feed).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn put_feed_state(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        f: &FeedState,
    ) -> Result<(), StoreError> {
        let count = sqlx::query("SELECT COUNT(*) FROM episodes WHERE tenant = 'default'")
            .fetch_one(&mut **tx)
            .await?
            .try_get::<i64, _>(0)?;
        sqlx::query(
            "INSERT INTO feeds (tenant, configured, url, etag, last_modified, attempted_at, \
             succeeded_at, result, error, episodes) \
             VALUES ('default', $1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (tenant) DO UPDATE SET configured = excluded.configured, url = excluded.url, \
             etag = excluded.etag, last_modified = excluded.last_modified, \
             attempted_at = excluded.attempted_at, succeeded_at = excluded.succeeded_at, \
             result = excluded.result, error = excluded.error, episodes = excluded.episodes",
        )
        .persistent(self.persistent())
        .bind(&f.configured)
        .bind(&f.url)
        .bind(&f.etag)
        .bind(&f.last_modified)
        .bind(f.attempted_at)
        .bind(f.succeeded_at)
        .bind(&f.result)
        .bind(&f.error)
        .bind(count)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The feed's state, if it was ever synced.
    pub async fn feed_state(&self) -> Result<Option<FeedState>, StoreError> {
        let row = sqlx::query(
            "SELECT configured, url, etag, last_modified, attempted_at, succeeded_at, result, \
             error, episodes FROM feeds WHERE tenant = 'default'",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(FeedState {
                configured: r.try_get(0)?,
                url: r.try_get(1)?,
                etag: r.try_get(2)?,
                last_modified: r.try_get(3)?,
                attempted_at: r.try_get(4)?,
                succeeded_at: r.try_get(5)?,
                result: r.try_get(6)?,
                error: r.try_get(7)?,
                episodes: r.try_get(8)?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| StoreError::from(e))
    }

    /// Every synced episode, newest first by sync order of the feed.
    /// Forgets every synced episode and the feed's state (a wrong feed was synced); returns
    /// how many episodes went. The next sync starts afresh. Curated episodes live in the
    /// FAQ folder and are not touched.
    pub async fn clear_episodes(&self) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("DELETE FROM episodes WHERE tenant = 'default'")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM feeds WHERE tenant = 'default'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn episodes(&self) -> Result<Vec<crate::podcast::FeedEpisode>, StoreError> {
        let rows = sqlx::query(
            "SELECT guid, title, link, audio_url, published, duration, description, chapters, \
             transcript FROM episodes WHERE tenant = 'default' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let chapters: String = r.try_get(7)?;
                let transcript: String = r.try_get(8)?;
                Ok(crate::podcast::FeedEpisode {
                    guid: r.try_get(0)?,
                    title: r.try_get(1)?,
                    link: r.try_get(2)?,
                    audio_url: r.try_get(3)?,
                    published: r.try_get(4)?,
                    duration: r
                        .try_get::<Option<i64>, _>(5)?
                        .and_then(|d| u32::try_from(d).ok()),
                    description: r.try_get(6)?,
                    chapters: serde_json::from_str(&chapters).unwrap_or_default(),
                    transcript: serde_json::from_str(&transcript).unwrap_or_default(),
                    chapters_url: None,
                    transcript_urls: Vec::new(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Whether the database answers right now (for health checks and the writer's retries).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Maps result rows with `f`; a column that does not decode is a store error.
fn map_rows<T>(
    rows: &[sqlx::any::AnyRow],
    f: impl Fn(&sqlx::any::AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, StoreError> {
    rows.iter()
        .map(f)
        .collect::<Result<_, _>>()
        .map_err(StoreError::from)
}

/// One row of the `SELECT` that `list` and `needs_review` share.
fn logged_question(r: &sqlx::any::AnyRow) -> Result<LoggedQuestion, StoreError> {
    Ok(LoggedQuestion {
        asked_at: r.try_get(0)?,
        channel: r.try_get(1)?,
        text: r.try_get(2)?,
        outcome: r.try_get(3)?,
        entry_id: r.try_get(4)?,
        confidence: r.try_get(5)?,
        theme: r.try_get(6)?,
        feedback: r.try_get(7)?,
    })
}

/// How long opening a SQLite database waits for another process to finish migrating it:
/// migrations take milliseconds on a new file, longer on a large log.
const MIGRATE_WAIT: Duration = Duration::from_secs(60);

/// A SQLite URL's path and its query string.
fn sqlite_parts(url: &str) -> (&str, &str) {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    rest.split_once('?').unwrap_or((rest, ""))
}

/// The database file a SQLite URL names; `None` for an in-memory database.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let (path, query) = sqlite_parts(url);
    let memory =
        path.is_empty() || path == ":memory:" || query.split('&').any(|kv| kv == "mode=memory");
    (!memory).then(|| PathBuf::from(path))
}

/// `<database file>.migrate.lock`: held while one process migrates the database.
fn migrate_lock_path(db: &Path) -> PathBuf {
    lock::beside(db, ".migrate.lock")
}

/// Turns `sqlite://data/kommunbot.db` into a URL that creates the file, and makes its folder.
fn prepare_sqlite_url(url: &str) -> Result<String, StoreError> {
    let (path, query) = sqlite_parts(url);
    if let Some(parent) = sqlite_file(url)
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::DataDir {
            path: parent.display().to_string(),
            source,
        })?;
    }
    // The file holds what citizens asked: readable by the service's user only, as the
    // pseudonym key is. Made here, empty, before SQLite makes it with the umask's mode;
    // SQLite gives its WAL and shared-memory files the database file's permissions.
    if let Some(file) = sqlite_file(url).filter(|f| !f.exists()) {
        // Another process may have made it a moment ago: then it is theirs, with this mode.
        if let Err(e) = privacy::write_private(&file, b"")
            && e.kind() != std::io::ErrorKind::AlreadyExists
        {
            return Err(StoreError::DbFile {
                path: file.display().to_string(),
                source: e,
            });
        }
    }
    let mode = if query.contains("mode=") {
        String::new()
    } else {
        "mode=rwc".into()
    };
    let query = [query, &mode]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("&");
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_new_sqlite_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("data/kommunbot.db");
        prepare_sqlite_url(&format!("sqlite://{}", file.display())).unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_stored_question_holds_no_control_character_and_no_tab() {
        let r = Record::new(
            "plogning\tmin\u{0} gata\r\nnär?",
            Channel::Cli,
            Place::default(),
            None,
            &crate::answer::Outcome::NoAnswer {
                theme: None,
                chat: false,
            },
            None,
        );
        assert_eq!(r.text, "plogning min gata\nnär?");
    }

    #[test]
    fn spooled_feedback_names_its_kind_as_the_database_does() {
        for kind in [
            Feedback::Helpful,
            Feedback::NotHelpful,
            Feedback::Chosen,
            Feedback::NoneOfThese,
        ] {
            let json = serde_json::to_value(FeedbackRecord::new("q", kind, None)).unwrap();
            assert_eq!(json["kind"], kind.as_str());
        }
    }

    #[test]
    fn sqlite_migrations_lock_beside_the_file_and_in_memory_ones_need_none() {
        for (url, lock) in [
            (
                "sqlite://data/kommunbot.db",
                Some("data/kommunbot.db.migrate.lock"),
            ),
            (
                "sqlite:///srv/kb/log.db?mode=rwc",
                Some("/srv/kb/log.db.migrate.lock"),
            ),
            ("sqlite:log.db", Some("log.db.migrate.lock")),
            ("sqlite::memory:", None),
            ("sqlite://:memory:", None),
            ("sqlite://delad?mode=memory&cache=shared", None),
        ] {
            let got = sqlite_file(url).map(|db| migrate_lock_path(&db));
            assert_eq!(got, lock.map(PathBuf::from), "{url}");
        }
    }

    #[test]
    fn postgres_migrations_keep_sqlx_advisory_lock() {
        // Two processes migrating one PostgreSQL database at once rely on it.
        assert!(sqlx::migrate!("migrations/postgres").locking);
    }
}
