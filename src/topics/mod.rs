//! Candidate topics: what citizens ask that the FAQ cannot answer, grouped and ranked.
//!
//! [`group`] is the pure grouping; this module turns logged questions into ranked topics
//! with labels, trends and examples, and measures grouping quality on labelled files.

pub mod digest;
pub mod group;
pub mod phrasing;
pub mod plan;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::answer::Engine;
use crate::logview::count;
use group::{Params, Vocabulary};
pub use plan::{Slot, Topic};

/// A logged (already redacted) question's profile. The placeholders that stand where
/// personal data was ("[telefon]") say nothing about the matter: two questions that both held
/// a phone number are not alike for it.
pub fn profile(engine: &Engine, text: &str) -> Vec<crate::answer::ProfileWord> {
    engine.profile(&without_placeholders(text))
}

/// `text` with the placeholders redaction left ("[telefon]") taken out, and the spaces
/// around them made one.
fn without_placeholders(text: &str) -> String {
    let mut clean = text.to_owned();
    for p in crate::privacy::PLACEHOLDERS {
        clean = clean.replace(p, " ");
    }
    clean.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Grouping quality on a labelled file (`topics eval`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    pub ari: f64,
    pub purity: f64,
    pub topics: usize,
    pub gold_topics: usize,
    pub n: usize,
}

/// Groups `(question, gold topic)` pairs and compares the grouping with the gold topics.
pub fn evaluate(
    engine: &Engine,
    labelled: &[(String, String)],
    params: Params,
    dump: bool,
) -> EvalReport {
    let mut vocab = Vocabulary::default();
    let vectors: Vec<_> = labelled
        .iter()
        .map(|(q, _)| vocab.vector(&profile(engine, &crate::privacy::redact(q).text)))
        .collect();
    let grouping = group::group(&vectors, params);
    let gold_names: Vec<&str> = labelled
        .iter()
        .map(|(_, t)| t.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let gold: Vec<usize> = labelled
        .iter()
        .map(|(_, t)| gold_names.binary_search(&t.as_str()).unwrap_or(0))
        .collect();
    if dump {
        for (t, members) in grouping.topics.iter().enumerate() {
            println!("== topic {t} ({} questions)", members.len());
            for i in members {
                let mut top = vectors[*i].0.clone();
                top.sort_by(|a, b| b.1.total_cmp(&a.1));
                let terms: Vec<String> = top
                    .iter()
                    .take(5)
                    .map(|(id, w)| format!("{}={w:.2}", vocab.key(*id)))
                    .collect();
                println!(
                    "  [{}] {}   {{{}}}",
                    labelled[*i].1,
                    labelled[*i].0,
                    terms.join(" ")
                );
            }
        }
    }
    EvalReport {
        ari: group::adjusted_rand_index(&grouping.assignment, &gold),
        purity: group::purity(&grouping.assignment, &gold),
        topics: grouping.topics.len(),
        gold_topics: gold_names.len(),
        n: labelled.len(),
    }
}

/// How `topics` prints its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Md,
}

#[derive(Debug, thiserror::Error)]
pub enum TopicsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Line {
        path: String,
        line: usize,
        message: String,
    },
}

/// Reads a labelled file of the `unanswered-dev.jsonl` format: `{"q": "...", "topic": "..."}`
/// per line; blank lines are skipped, anything else that is not such an object is an error.
pub fn read_labelled(path: &std::path::Path) -> Result<Vec<(String, String)>, TopicsError> {
    #[derive(serde::Deserialize)]
    struct Row {
        q: String,
        topic: String,
    }
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| TopicsError::Read {
        path: name.clone(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(line).map_err(|e| TopicsError::Line {
            path: name.clone(),
            line: i + 1,
            message: e.to_string(),
        })?;
        out.push((row.q, row.topic));
    }
    Ok(out)
}

/// What `topics` lists.
#[derive(Debug, Clone)]
pub struct Query {
    pub since_ms: i64,
    pub min_size: usize,
    pub theme: Option<String>,
    pub limit: usize,
    pub regroup: bool,
    /// Only topics with this status (any of [`STATUSES`]), listed as open ones are: a
    /// covered or dismissed topic is otherwise out of sight once handled.
    pub status: Option<String>,
}

/// The topics as staff see them: open ones ranked by demand, and covered ones that are
/// still asked about (their coverage is not being found).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Report {
    pub open: Vec<Topic>,
    pub covered_but_asked: Vec<Topic>,
    /// Questions considered (unanswered or not helpful, in the window).
    pub questions: usize,
}

/// The statuses a topic can have.
pub const STATUSES: &[&str] = &["new", "planned", "covered", "dismissed"];

/// How many times a refresh reads and plans again when other writes to topics commit
/// between its read and its write. Each time round, one of the refreshes that raced it has
/// written, so it takes many refreshes at once to exhaust this.
const ATTEMPTS: usize = 8;

/// Groups what is new in the log into topics, stores the assignments, and reports.
///
/// Read, plan and write make one step even when refreshes run at once (two bot processes,
/// the digest's refresh and `/ämnen`): the write commits only if no other write to topics
/// came after the read, otherwise the refresh reads and plans again (see
/// [`crate::store::Store::save_topics`]). Planning from a stale read is how two refreshes
/// each created topics for the same new questions, and the second's links emptied the
/// first's. The read is not locked: grouping a big log takes seconds of CPU, and on SQLite a
/// lock held that long would hold up the question log's writer.
///
/// Grouping and summarising run on the blocking pool: for a big log they take seconds of
/// CPU, which must not hold up the async workers that answer citizens.
pub async fn refresh<E>(
    store: &crate::store::Store,
    engine: std::sync::Arc<E>,
    q: &Query,
) -> Result<Report, crate::store::StoreError>
where
    E: AsRef<Engine> + Send + Sync + 'static,
{
    let mut attempt = 0;
    let (questions, mut all, change, created) = loop {
        attempt += 1;
        if attempt > ATTEMPTS {
            return Err(crate::store::StoreError::TopicsBusy(ATTEMPTS));
        }
        let snapshot = store.topics_snapshot(q.since_ms).await?;
        let engine = engine.clone();
        let regroup = q.regroup;
        let (version, questions, all, change) = off_the_workers(move || {
            let (all, change) = plan_change((*engine).as_ref(), &snapshot, regroup);
            (snapshot.version, snapshot.questions, all, change)
        })
        .await;
        match store.save_topics(version, &change).await? {
            Some(created) => break (questions, all, change, created),
            None => tracing::info!(attempt, "topics changed while this refresh planned"),
        }
    };
    // The new topics had stand-in ids until they were created.
    for t in &mut all {
        if t.id < 0 {
            t.id = created[new_topic(t.id)];
        }
    }
    all.sort_by_key(Topic::rank_key);
    let in_theme = |t: &Topic| {
        q.theme
            .as_ref()
            .is_none_or(|th| t.theme.as_ref() == Some(th))
    };
    let listed = |t: &&Topic| match &q.status {
        Some(s) => t.status == *s,
        None => t.status == "new" || t.status == "planned",
    };
    let open: Vec<Topic> = all
        .iter()
        .filter(listed)
        .filter(|t| t.size >= q.min_size && in_theme(t))
        .take(q.limit)
        .cloned()
        .collect();
    let covered_but_asked: Vec<Topic> = all
        .iter()
        .filter(|t| q.status.is_none() && t.status == "covered" && t.since_covered > 0)
        .filter(|t| in_theme(t))
        .take(q.limit)
        .cloned()
        .collect();
    tracing::info!(
        questions = questions.len(),
        new_topics = created.len(),
        moved = change.assign.len(),
        attempts = attempt,
        "topics refreshed"
    );
    Ok(Report {
        open,
        covered_but_asked,
        questions: questions.len(),
    })
}

/// The stand-in id of the k-th new topic, before the store gives it one: negative, where no
/// stored id is.
fn stand_in(k: usize) -> i64 {
    -1 - k as i64
}

/// The k of a stand-in id.
fn new_topic(stand_in: i64) -> usize {
    (-1 - stand_in) as usize
}

/// Plans a refresh from what it read: the summaries (new topics under stand-in ids) and
/// what to write. Pure.
fn plan_change(
    engine: &Engine,
    snapshot: &crate::store::TopicsSnapshot,
    regroup: bool,
) -> (Vec<Topic>, crate::store::TopicsChange) {
    let questions = &snapshot.questions;
    let p = plan::plan(engine, questions, regroup, Params::default());
    let ids: Vec<Option<i64>> = p
        .slots
        .iter()
        .map(|s| {
            s.map(|s| match s {
                Slot::Existing(id) => id,
                Slot::New(k) => stand_in(k),
            })
        })
        .collect();
    let all = plan::summarize(
        questions,
        &ids,
        &p,
        &snapshot.topics,
        crate::store::now_ms(),
    );
    // A new topic's label is its most representative question, as a stored one's becomes.
    let mut create = vec![String::new(); p.new_topics];
    for t in all.iter().filter(|t| t.id < 0) {
        create[new_topic(t.id)] = t.label.clone();
    }
    let assign = questions
        .iter()
        .zip(&p.slots)
        .filter_map(|(qq, s)| Some((qq, (*s)?)))
        .filter(|(qq, s)| match s {
            Slot::Existing(id) => qq.topic_id != Some(*id),
            Slot::New(_) => true,
        })
        .map(|(qq, s)| (qq.record_id.clone(), s))
        .collect();
    let relabel = all
        .iter()
        .filter(|t| {
            snapshot
                .topics
                .iter()
                .any(|r| r.id == t.id && r.label != t.label)
        })
        .map(|t| (t.id, t.label.clone()))
        .collect();
    let unlink = questions
        .iter()
        .zip(&p.slots)
        .filter(|(qq, s)| s.is_none() && qq.topic_id.is_some())
        .map(|(qq, _)| qq.record_id.clone())
        .collect();
    let change = crate::store::TopicsChange {
        create,
        assign,
        relabel,
        unlink,
    };
    (all, change)
}

/// Runs CPU-heavy work on the blocking pool; a panic there is a panic here, as if inline.
async fn off_the_workers<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("topics: the grouping task was cancelled: {e}"),
        },
    }
}

/// The report in a format: a table for the terminal, CSV, JSON, or Markdown to paste into
/// an episode planning document. Headings and labels are Swedish: staff read them.
pub fn render(r: &Report, format: Format) -> String {
    let date = crate::logview::date;
    match format {
        Format::Json => serde_json::to_string_pretty(r).unwrap_or_default() + "\n",
        Format::Csv => {
            let mut out = String::from("\u{feff}");
            out.push_str(&crate::logview::csv_line(
                &[
                    "id",
                    "status",
                    "frågor",
                    "frågare",
                    "trend",
                    "tema",
                    "först",
                    "senast",
                    "ämne",
                    "exempel",
                    "sedan täckt",
                ]
                .map(String::from),
            ));
            for t in r.open.iter().chain(&r.covered_but_asked) {
                out.push_str(&crate::logview::csv_line(&[
                    t.id.to_string(),
                    t.status.clone(),
                    t.size.to_string(),
                    t.askers.to_string(),
                    t.trend(),
                    t.theme.clone().unwrap_or_default(),
                    date(t.first_seen),
                    date(t.last_seen),
                    t.label.clone(),
                    t.examples.join(" | "),
                    t.since_covered.to_string(),
                ]));
            }
            out
        }
        Format::Md => {
            let mut out = String::from("# Kandidatämnen\n\n");
            out.push_str(&format!(
                "{} som boten inte kunde svara på (eller där svaret inte hjälpte).\n\n",
                count(r.questions, "fråga", "frågor")
            ));
            for (n, t) in r.open.iter().enumerate() {
                out.push_str(&format!(
                    "## {}. {} (#{})\n\n- {} från {}, trend {} (senaste 4 veckorna mot de 4 före)\n- Tema: {}\n- Status: {}\n- Sågs första gången {}, senast {}\n- Nyckelord: {}\n\nSå frågar invånarna:\n\n",
                    n + 1,
                    t.label,
                    t.id,
                    count(t.size, "fråga", "frågor"),
                    count(t.askers, "person", "personer"),
                    t.trend(),
                    t.theme.as_deref().unwrap_or("okänt"),
                    status_sv(&t.status),
                    date(t.first_seen),
                    date(t.last_seen),
                    t.terms.join(", "),
                ));
                for e in &t.examples {
                    out.push_str(&format!("- \"{e}\"\n"));
                }
                out.push('\n');
            }
            if !r.covered_but_asked.is_empty() {
                out.push_str(
                    "## Täckta men frågas ändå\n\nSvaret finns, men invånarna hittar det inte:\n\n",
                );
                for t in &r.covered_but_asked {
                    out.push_str(&format!(
                        "- {} (#{}): {} sedan det täcktes{}\n",
                        t.label,
                        t.id,
                        count(t.since_covered, "fråga", "frågor"),
                        t.episode
                            .as_ref()
                            .map(|e| format!(" (avsnitt {e})"))
                            .unwrap_or_default()
                    ));
                }
            }
            out
        }
        Format::Table => {
            let mut out = format!(
                "{:>5}  {:<8} {:>6} {:>7} {:>5}  {:<14} {}\n",
                "id", "status", "frågor", "frågare", "trend", "tema", "ämne"
            );
            for t in &r.open {
                out.push_str(&format!(
                    "{:>5}  {:<8} {:>6} {:>7} {:>5}  {:<14} {}\n",
                    t.id,
                    t.status,
                    t.size,
                    t.askers,
                    t.trend(),
                    t.theme.as_deref().unwrap_or("-"),
                    crate::logview::clip(&t.label, 70)
                ));
            }
            if r.open.is_empty() {
                out.push_str("(inga ämnen)\n");
            }
            if !r.covered_but_asked.is_empty() {
                out.push_str("\nTäckta men frågas ändå (svaret hittas inte):\n");
                for t in &r.covered_but_asked {
                    out.push_str(&format!(
                        "{:>5}  {} fråga(or) sedan täckt  {}\n",
                        t.id,
                        t.since_covered,
                        crate::logview::clip(&t.label, 70)
                    ));
                }
            }
            out
        }
    }
}

/// What the audit table records for a status change: "covered episode hons-i-stan".
pub fn mark_detail(status: &str, episode: Option<&str>) -> String {
    match episode {
        Some(e) => format!("{status} episode {e}"),
        None => status.to_owned(),
    }
}

/// A status in Swedish.
pub fn status_sv(status: &str) -> &'static str {
    match status {
        "planned" => "planerat",
        "covered" => "täckt",
        "dismissed" => "avfärdat",
        _ => "nytt",
    }
}

/// The new draft entry for a topic: its label (or, if the label held redacted personal data,
/// the first example without) as its question, the other examples as alternates — Swedish
/// ones in `alternates`, English ones in `alternates_en` — no answer yet, marked draft so the
/// bot does not serve it until a guide writes the answer and removes `draft = true`. A
/// wording with a placeholder ("[personnummer] bygglov") does not belong in an FAQ file.
pub fn draft_edit(topic: &Topic, theme: &str) -> crate::faq::edit::Edit {
    let clean = |t: &str| !crate::privacy::PLACEHOLDERS.iter().any(|p| t.contains(p));
    let wordings = || std::iter::once(&topic.label).chain(&topic.examples);
    // A Swedish wording for the entry's question, as guides write them.
    let question = wordings()
        .find(|t| clean(t) && !crate::answer::is_english(t))
        .or_else(|| wordings().find(|t| clean(t)))
        .cloned()
        .unwrap_or_else(|| without_placeholders(&topic.label));
    // As `check` compares phrasings: case and punctuation aside.
    let key = crate::faq::phrasing_key;
    let mut seen = vec![key(&question)];
    let (mut alternates, mut alternates_en) = (Vec::new(), Vec::new());
    for e in topic.examples.iter().filter(|e| clean(e)) {
        let k = key(e);
        if seen.contains(&k) {
            continue;
        }
        seen.push(k);
        if crate::answer::is_english(e) {
            alternates_en.push(e.clone());
        } else {
            alternates.push(e.clone());
        }
    }
    crate::faq::edit::Edit::Create(crate::faq::edit::EntryDraft {
        theme: theme.to_owned(),
        question,
        alternates,
        alternates_en: Some(alternates_en),
        answer: String::new(),
        draft: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::edit::{Edit, EntryDraft};

    fn topic(label: &str, examples: &[&str]) -> Topic {
        Topic {
            id: 1,
            label: label.into(),
            terms: vec![],
            status: "new".into(),
            size: examples.len(),
            askers: examples.len(),
            first_seen: 0,
            last_seen: 0,
            recent: 0,
            previous: 0,
            theme: Some("bygglov".into()),
            examples: examples.iter().map(|e| (*e).to_owned()).collect(),
            episode: None,
            entries: vec![],
            note: None,
            since_covered: 0,
        }
    }

    #[test]
    fn a_draft_holds_no_placeholder_and_puts_english_where_english_goes() {
        let t = topic(
            "[personnummer] bygglov pool",
            &[
                "[personnummer] bygglov pool",
                "jag heter [namn] och undrar om bygglov för pool",
                "do I need a building permit for a pool",
                "behöver jag bygglov för en pool",
                "måste man söka bygglov för pool",
                "Måste man söka bygglov för pool?",
            ],
        );
        let Edit::Create(EntryDraft {
            question,
            alternates,
            alternates_en,
            draft,
            ..
        }) = draft_edit(&t, "bygglov")
        else {
            panic!("a new entry");
        };
        assert_eq!(question, "behöver jag bygglov för en pool");
        assert_eq!(alternates, ["måste man söka bygglov för pool"]);
        assert_eq!(
            alternates_en,
            Some(vec!["do I need a building permit for a pool".to_owned()])
        );
        assert!(draft);
        // Nothing clean at all: the label without its placeholders.
        let Edit::Create(d) = draft_edit(&topic("[telefon] sophämtning", &[]), "avfall") else {
            panic!("a new entry");
        };
        assert_eq!(d.question, "sophämtning");
    }
}
