//! Storage for candidate topics and phrasing suggestions: the SQL behind `topics` and
//! `suggestions`. Grouping itself is not here (see `crate::topics`).

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError, map_rows, now_ms};

/// Where a refresh puts a question: a stored topic, or the n-th topic it creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Existing(i64),
    New(usize),
}

/// What a refresh reads, and the version of topics it read.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicsSnapshot {
    /// Moves on with every write to topics and their questions (refreshes, purge, forget).
    pub version: i64,
    pub questions: Vec<ReviewQuestion>,
    pub topics: Vec<TopicRow>,
}

/// What a refresh writes (see [`Store::save_topics`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TopicsChange {
    /// Labels of the topics to create; [`Slot::New`]`(k)` is the k-th.
    pub create: Vec<String>,
    /// Questions (record ids) and the topic each goes to.
    pub assign: Vec<(String, Slot)>,
    /// New labels of stored topics.
    pub relabel: Vec<(i64, String)>,
    /// Questions (record ids) to take out of their topic: they name no matter (a greeting
    /// grouped before such questions were left out).
    pub unlink: Vec<String>,
}

impl TopicsChange {
    pub fn is_empty(&self) -> bool {
        self.create.is_empty()
            && self.assign.is_empty()
            && self.relabel.is_empty()
            && self.unlink.is_empty()
    }
}

/// A question staff should see in topics: unanswered, offered "Menade du…?" choices of
/// which the citizen picked none, or answered and marked unhelpful.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewQuestion {
    pub record_id: String,
    pub asked_at: i64,
    pub asker: Option<String>,
    /// Redacted, as logged.
    pub text: String,
    pub theme: Option<String>,
    pub topic_id: Option<i64>,
}

/// A topic as stored: identity and the status staff set.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TopicRow {
    pub id: i64,
    pub created_at: i64,
    pub label: String,
    pub status: String,
    pub status_at: Option<i64>,
    pub episode: Option<String>,
    pub entries: Vec<String>,
    pub note: Option<String>,
}

/// A question that says how citizens phrase an entry: they picked it under "Menade du…?",
/// or it was answered with low confidence and marked helpful.
#[derive(Debug, Clone, PartialEq)]
pub struct PhrasingEvidence {
    pub entry_id: String,
    pub text: String,
    pub redactions: i64,
    pub asked_at: i64,
    /// `chosen` or `helpful`.
    pub kind: String,
}

impl Store {
    /// Questions for topics since `since_ms`, oldest first, with the topic each is in. A link
    /// to a topic that no longer exists (left by a version without [`Store::save_topics`])
    /// counts as none, so the next refresh places the question again.
    pub async fn review_questions(&self, since_ms: i64) -> Result<Vec<ReviewQuestion>, StoreError> {
        let rows = sqlx::query(
            "SELECT q.record_id, q.asked_at, q.asker, q.text, q.theme, \
             (SELECT t.topic_id FROM topic_questions t JOIN topics tp ON tp.id = t.topic_id \
              WHERE t.question_id = q.record_id) \
             FROM questions q \
             WHERE q.asked_at >= $1 AND (q.outcome = 'no_answer' \
             OR (q.outcome = 'suggested' AND NOT EXISTS (SELECT 1 FROM feedback c \
                 WHERE c.question_id = q.record_id AND c.kind = 'chosen')) \
             OR EXISTS (SELECT 1 FROM feedback f \
                 WHERE f.question_id = q.record_id AND f.kind IN ('not_helpful', 'none_of_these'))) \
             ORDER BY q.asked_at, q.id",
        )
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?;
        let mut questions = map_rows(&rows, |r| {
            Ok(ReviewQuestion {
                record_id: r.try_get(0)?,
                asked_at: r.try_get(1)?,
                asker: r.try_get(2)?,
                text: r.try_get(3)?,
                theme: r.try_get(4)?,
                topic_id: r.try_get(5)?,
            })
        })?;
        // A bare mention asks nothing (whitespace of any kind, which SQL's TRIM does not
        // all know): no topic.
        questions.retain(|q| !q.text.trim().is_empty());
        Ok(questions)
    }

    /// Every topic that holds a question, oldest first. A topic without questions is never
    /// shown: nothing can join it and there is nothing in it to show.
    pub async fn topics(&self) -> Result<Vec<TopicRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, created_at, label, status, status_at, episode, entries, note \
             FROM topics WHERE EXISTS (SELECT 1 FROM topic_questions tq WHERE tq.topic_id = topics.id) \
             ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        map_rows(&rows, |r| {
            let entries: Option<String> = r.try_get(6)?;
            Ok(TopicRow {
                id: r.try_get(0)?,
                created_at: r.try_get(1)?,
                label: r.try_get(2)?,
                status: r.try_get(3)?,
                status_at: r.try_get(4)?,
                episode: r.try_get(5)?,
                entries: entries
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                note: r.try_get(7)?,
            })
        })
    }

    /// What a refresh plans from. The version is read first: a write that commits while the
    /// rest is read moves it on, so [`Store::save_topics`] refuses a plan made from a read
    /// that straddles another write.
    pub async fn topics_snapshot(&self, since_ms: i64) -> Result<TopicsSnapshot, StoreError> {
        let version = self.topics_version().await?;
        let questions = self.review_questions(since_ms).await?;
        let topics = self.topics().await?;
        Ok(TopicsSnapshot {
            version,
            questions,
            topics,
        })
    }

    async fn topics_version(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT version FROM topic_versions WHERE tenant = 'default'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Writes what a refresh planned from the snapshot of `version`, in one transaction:
    /// creates its new topics, puts questions into topics (moving them if they were in
    /// another), relabels, and deletes every topic left without questions. Returns the new
    /// topics' ids in order, or `None`, writing nothing, when topics were written since
    /// `version` was read (another refresh, purge or forget): the caller reads and plans
    /// again. With nothing to write it only checks that the snapshot is still current.
    pub async fn save_topics(
        &self,
        version: i64,
        change: &TopicsChange,
    ) -> Result<Option<Vec<i64>>, StoreError> {
        if let Some(slot) = change.assign.iter().find_map(|(_, s)| match s {
            Slot::New(k) if *k >= change.create.len() => Some(*k),
            _ => None,
        }) {
            return Err(StoreError::TopicSlot {
                slot,
                created: change.create.len(),
            });
        }
        if change.is_empty() {
            return Ok((self.topics_version().await? == version).then(Vec::new));
        }
        let mut tx = self.pool.begin().await?;
        if !claim_topics(&mut tx, Some(version)).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        let mut created = Vec::with_capacity(change.create.len());
        let at = now_ms();
        for label in &change.create {
            let row =
                sqlx::query("INSERT INTO topics (created_at, label) VALUES ($1, $2) RETURNING id")
                    .bind(at)
                    .bind(label)
                    .persistent(self.persistent())
                    .fetch_one(&mut *tx)
                    .await?;
            created.push(row.try_get::<i64, _>(0)?);
        }
        for (question, slot) in &change.assign {
            let topic = match slot {
                Slot::Existing(id) => *id,
                Slot::New(k) => created[*k],
            };
            // Only a question that is still logged: a link must never outlive its question.
            sqlx::query(
                "INSERT INTO topic_questions (question_id, topic_id) SELECT $1, $2 \
                 WHERE EXISTS (SELECT 1 FROM questions WHERE record_id = $1) \
                 ON CONFLICT (question_id) DO UPDATE SET topic_id = excluded.topic_id",
            )
            .bind(question)
            .bind(topic)
            .persistent(self.persistent())
            .execute(&mut *tx)
            .await?;
        }
        for question in &change.unlink {
            sqlx::query("DELETE FROM topic_questions WHERE question_id = $1")
                .bind(question)
                .persistent(self.persistent())
                .execute(&mut *tx)
                .await?;
        }
        for (id, label) in &change.relabel {
            sqlx::query("UPDATE topics SET label = $1 WHERE id = $2")
                .bind(label)
                .bind(id)
                .persistent(self.persistent())
                .execute(&mut *tx)
                .await?;
        }
        // Regrouping can take every question out of a topic.
        prune_topics(&mut tx).await?;
        tx.commit().await?;
        Ok(Some(created))
    }

    /// Sets a topic's status. Returns false when there is no such topic (or it holds no
    /// questions: it is never listed, so no one can mean it).
    pub async fn mark_topic(
        &self,
        id: i64,
        status: &str,
        episode: Option<&str>,
        entries: &[String],
        note: Option<&str>,
    ) -> Result<bool, StoreError> {
        let entries = (!entries.is_empty()).then(|| entries.join(" "));
        // Staff write notes by hand: "ring Anna på 070-…" must not stay in the database.
        let note = note.map(|n| crate::privacy::redact(n).text);
        let n = sqlx::query(
            "UPDATE topics SET status = $1, status_at = $2, episode = COALESCE($3, episode), \
             entries = COALESCE($4, entries), note = COALESCE($5, note) WHERE id = $6 \
             AND EXISTS (SELECT 1 FROM topic_questions tq WHERE tq.topic_id = topics.id)",
        )
        .bind(status)
        .bind(now_ms())
        .bind(episode)
        .bind(entries)
        .bind(note)
        .bind(id)
        .persistent(self.persistent())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Questions that show how citizens phrase entries, since `since_ms`: picked under
    /// "Menade du…?", or answered below `low_confidence` and marked helpful.
    pub async fn phrasing_evidence(
        &self,
        since_ms: i64,
        low_confidence: f64,
    ) -> Result<Vec<PhrasingEvidence>, StoreError> {
        let rows = sqlx::query(
            "SELECT f.entry_id, q.text, CAST(q.redactions AS BIGINT), q.asked_at, 'chosen' \
             FROM feedback f JOIN questions q ON q.record_id = f.question_id \
             WHERE f.kind = 'chosen' AND f.entry_id IS NOT NULL AND q.asked_at >= $1 \
             UNION ALL \
             SELECT q.entry_id, q.text, CAST(q.redactions AS BIGINT), q.asked_at, 'helpful' \
             FROM feedback f JOIN questions q ON q.record_id = f.question_id \
             WHERE f.kind = 'helpful' AND q.outcome = 'answered' AND q.entry_id IS NOT NULL \
             AND q.confidence < $2 AND q.asked_at >= $1",
        )
        .bind(since_ms)
        .bind(low_confidence)
        .fetch_all(&self.pool)
        .await?;
        map_rows(&rows, |r| {
            Ok(PhrasingEvidence {
                entry_id: r.try_get(0)?,
                text: r.try_get(1)?,
                redactions: r.try_get(2)?,
                asked_at: r.try_get(3)?,
                kind: r.try_get(4)?,
            })
        })
    }

    /// Entries whose answers were marked "not helpful" since `since_ms`, most often first.
    pub async fn unhelpful_entries(
        &self,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT q.entry_id, COUNT(*) FROM feedback f JOIN questions q ON q.record_id = f.question_id \
             WHERE f.kind = 'not_helpful' AND f.at >= $1 AND q.entry_id IS NOT NULL \
             GROUP BY q.entry_id ORDER BY 2 DESC, 1 LIMIT $2",
        )
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        map_rows(&rows, |r| Ok((r.try_get(0)?, r.try_get(1)?)))
    }

    /// When `action` was last recorded in the audit table, if ever (several bot processes
    /// use it to post the weekly digest once).
    pub async fn last_audit_at(&self, action: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MAX(at) FROM audit WHERE action = $1")
            .bind(action)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Every phrasing decision: (suggestion id, `accepted` or `rejected`).
    pub async fn phrasing_decisions(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT id, decision FROM phrasing_decisions")
            .fetch_all(&self.pool)
            .await?;
        map_rows(&rows, |r| Ok((r.try_get(0)?, r.try_get(1)?)))
    }

    /// Records a decision about a proposed phrasing; a later decision replaces an earlier.
    /// A citizen's wording is kept only when accepted (the FAQ holds it then anyway): a
    /// rejected one is known by its id alone and leaves with the questions it came from.
    pub async fn decide_phrasing(
        &self,
        id: &str,
        entry_id: &str,
        phrasing: &str,
        decision: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO phrasing_decisions (id, entry_id, phrasing, decision, at, actor) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET \
             phrasing = excluded.phrasing, decision = excluded.decision, at = excluded.at, \
             actor = excluded.actor",
        )
        .bind(id)
        .bind(entry_id)
        .bind(if decision == "accepted" { phrasing } else { "" })
        .bind(decision)
        .bind(now_ms())
        .bind(actor)
        .persistent(self.persistent())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Takes the turn to write topics in `tx`, as its first statement: every write to topics and
/// their questions (a refresh's, purge's, forget's) moves the version on here, so such
/// writes happen one at a time across processes and a refresh can tell that its read went
/// stale. SQLite takes its write lock at this statement and holds it to commit (a write
/// first, so it never has to upgrade a read lock, which WAL may refuse outright); on
/// PostgreSQL the row lock holds a second writer here until the first commits, and then
/// `expected` no longer matches. `None` claims whatever the version is. Returns whether the
/// turn was taken.
pub(super) async fn claim_topics(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    expected: Option<i64>,
) -> Result<bool, StoreError> {
    let bump = "UPDATE topic_versions SET version = version + 1 WHERE tenant = 'default'";
    let done = match expected {
        Some(v) => {
            sqlx::query(&format!("{bump} AND version = $1"))
                .bind(v)
                .execute(&mut **tx)
                .await?
        }
        None => sqlx::query(bump).execute(&mut **tx).await?,
    };
    Ok(done.rows_affected() > 0)
}

/// Deletes every topic without questions: an empty topic can never be joined or shown.
pub(super) async fn prune_topics(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM topics \
         WHERE NOT EXISTS (SELECT 1 FROM topic_questions tq WHERE tq.topic_id = topics.id)",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A topic's label is one of its questions as asked. When that question is deleted
/// (forgotten, purged) its words must go with it: the label becomes another of the topic's
/// questions, until the next refresh picks the best one again. (A refresh relabels from its
/// own plan.)
pub(super) async fn relabel_bereft_topics(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE topics SET label = (SELECT TRIM(q.text) FROM topic_questions tq \
             JOIN questions q ON q.record_id = tq.question_id \
             WHERE tq.topic_id = topics.id ORDER BY q.asked_at, q.record_id LIMIT 1) \
         WHERE NOT EXISTS (SELECT 1 FROM topic_questions tq \
             JOIN questions q ON q.record_id = tq.question_id \
             WHERE tq.topic_id = topics.id AND TRIM(q.text) = topics.label)",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
