//! From logged questions and stored topics to assignments and ranked summaries. Pure.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

use super::group::{self, Model, Params, Vector, Vocabulary};
use crate::answer::Engine;
use crate::store::{ReviewQuestion, TopicRow};

/// Four weeks in milliseconds: the trend compares the last four weeks with the four before.
const TREND_WINDOW_MS: i64 = 28 * 24 * 3600 * 1000;
/// Example questions shown per topic.
const EXAMPLES: usize = 5;

/// Where each question goes: an existing topic id, or the n-th new topic (the store writes
/// it as it is).
pub use crate::store::Slot;

/// The outcome of grouping: for each question its slot, and how many new topics to create.
/// A question with no content word ("hej", "???") has no slot: it names no matter, so it is
/// no topic, and two hundred greetings are not two hundred topics.
#[derive(Debug, Clone)]
pub struct Plan {
    pub slots: Vec<Option<Slot>>,
    pub new_topics: usize,
    pub vectors: Vec<Vector>,
    pub vocab: Vocabulary,
}

/// Groups `questions`. Incrementally by default: questions already in a topic stay there,
/// new ones join the nearest topic or form new topics among themselves. With `regroup`,
/// everything is grouped from scratch and each new group keeps the id of the stored topic
/// most of its questions were in, so ids and statuses survive.
pub fn plan(engine: &Engine, questions: &[ReviewQuestion], regroup: bool, params: Params) -> Plan {
    let mut vocab = Vocabulary::default();
    let vectors: Vec<Vector> = questions
        .iter()
        .map(|q| vocab.vector(&super::profile(engine, &q.text)))
        .collect();
    let mut slots: Vec<Option<Slot>> = vec![None; questions.len()];
    let mut new_topics = 0;
    if regroup {
        let g = group::group(&vectors, params);
        // Overlaps (found group, stored id) → count; the biggest overlaps claim ids first.
        let mut overlap: HashMap<(usize, i64), usize> = HashMap::default();
        for (i, q) in questions.iter().enumerate() {
            if let Some(id) = q.topic_id.filter(|_| !vectors[i].is_empty()) {
                *overlap.entry((g.assignment[i], id)).or_insert(0) += 1;
            }
        }
        let mut pairs: Vec<((usize, i64), usize)> = overlap.into_iter().collect();
        pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut claimed: HashMap<usize, i64> = HashMap::default();
        let mut used: HashSet<i64> = HashSet::default();
        for ((t, id), _) in pairs {
            if claimed.contains_key(&t) || !used.insert(id) {
                continue;
            }
            claimed.insert(t, id);
        }
        let mut fresh: HashMap<usize, usize> = HashMap::default();
        for (i, slot) in slots.iter_mut().enumerate() {
            if vectors[i].is_empty() {
                continue;
            }
            let t = g.assignment[i];
            *slot = Some(match claimed.get(&t) {
                Some(id) => Slot::Existing(*id),
                None => Slot::New(*fresh.entry(t).or_insert_with(|| {
                    new_topics += 1;
                    new_topics - 1
                })),
            });
        }
    } else {
        let mut model = Model::new(params);
        let mut topic_of: HashMap<i64, usize> = HashMap::default();
        let mut id_of: Vec<i64> = Vec::new();
        for (i, q) in questions.iter().enumerate() {
            // A question that names no matter stays out, also one grouped before.
            if let Some(id) = q.topic_id.filter(|_| !vectors[i].is_empty()) {
                let t = *topic_of.entry(id).or_insert_with(|| {
                    id_of.push(id);
                    model.open()
                });
                model.add(t, &vectors[i]);
                slots[i] = Some(Slot::Existing(id));
            }
        }
        let mut rest: Vec<usize> = Vec::new();
        for (i, v) in vectors.iter().enumerate() {
            if slots[i].is_some() || v.is_empty() {
                continue;
            }
            match model.assign(v) {
                Some((t, _)) => {
                    model.add(t, v);
                    slots[i] = Some(Slot::Existing(id_of[t]));
                }
                _ => rest.push(i),
            }
        }
        let rest_vectors: Vec<Vector> = rest.iter().map(|i| vectors[*i].clone()).collect();
        let g = group::group(&rest_vectors, params);
        new_topics = g.topics.len();
        for (k, i) in rest.iter().enumerate() {
            slots[*i] = Some(Slot::New(g.assignment[k]));
        }
    }
    Plan {
        slots,
        new_topics,
        vectors,
        vocab,
    }
}

/// A candidate topic as staff see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Topic {
    pub id: i64,
    /// The most representative question.
    pub label: String,
    /// The words that weigh most in it.
    pub terms: Vec<String>,
    pub status: String,
    pub size: usize,
    /// Distinct askers (a question without an asker counts as its own).
    pub askers: usize,
    pub first_seen: i64,
    pub last_seen: i64,
    /// Questions in the last four weeks, and in the four before.
    pub recent: usize,
    pub previous: usize,
    /// The theme most of its questions were guessed to belong to.
    pub theme: Option<String>,
    pub examples: Vec<String>,
    pub episode: Option<String>,
    pub entries: Vec<String>,
    pub note: Option<String>,
    /// For a covered topic: questions asked since it was covered — the coverage is not
    /// being found.
    pub since_covered: usize,
}

impl Topic {
    /// Demand, for ranking: distinct askers first, then questions, then how recent.
    pub fn rank_key(
        &self,
    ) -> (
        std::cmp::Reverse<usize>,
        std::cmp::Reverse<usize>,
        std::cmp::Reverse<i64>,
        i64,
    ) {
        (
            std::cmp::Reverse(self.askers),
            std::cmp::Reverse(self.size),
            std::cmp::Reverse(self.last_seen),
            self.id,
        )
    }

    /// The trend as shown: "+3", "−2", "ny" when nothing came before.
    pub fn trend(&self) -> String {
        match (self.recent, self.previous) {
            (0, 0) => "0".into(),
            (_, 0) => "ny".into(),
            (r, p) if r >= p => format!("+{}", r - p),
            (r, p) => format!("−{}", p - r),
        }
    }
}

/// Summarises every topic that has questions in `questions` (with ids resolved), best first.
pub fn summarize(
    questions: &[ReviewQuestion],
    ids: &[Option<i64>],
    plan: &Plan,
    rows: &[TopicRow],
    now_ms: i64,
) -> Vec<Topic> {
    let mut members: HashMap<i64, Vec<usize>> = HashMap::default();
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id {
            members.entry(*id).or_default().push(i);
        }
    }
    let row_of: HashMap<i64, &TopicRow> = rows.iter().map(|r| (r.id, r)).collect();
    let mut out: Vec<Topic> = members
        .into_iter()
        .map(|(id, m)| {
            let row = row_of.get(&id);
            // The centroid, to find the most representative questions and the weightiest terms.
            let mut model = Model::new(Params::default());
            let t = model.open();
            for i in &m {
                model.add(t, &plan.vectors[*i]);
            }
            let mut ranked: Vec<(usize, f32)> = m
                .iter()
                .map(|i| (*i, model.similarity(t, &plan.vectors[*i])))
                .collect();
            ranked.sort_by(|a, b| {
                b.1.total_cmp(&a.1)
                    .then(questions[a.0].text.len().cmp(&questions[b.0].text.len()))
                    .then(a.0.cmp(&b.0))
            });
            let mut examples: Vec<String> = Vec::new();
            let mut seen: Vec<String> = Vec::new();
            for (i, _) in &ranked {
                let text = questions[*i].text.trim();
                let key = crate::answer::fold(text);
                if seen.contains(&key) || text.is_empty() {
                    continue;
                }
                seen.push(key);
                examples.push(text.to_owned());
                if examples.len() == EXAMPLES {
                    break;
                }
            }
            let mut top = model.centroid(t).0;
            top.sort_by(|a, b| b.1.total_cmp(&a.1));
            let mut terms: Vec<String> = Vec::new();
            for (k, _) in top {
                if let Some(w) = plan.vocab.word(k)
                    && !terms.iter().any(|t| t == w)
                {
                    terms.push(w.to_owned());
                }
                if terms.len() == 3 {
                    break;
                }
            }
            // A set: a big topic has thousands of questions.
            let mut askers: HashSet<&str> = HashSet::default();
            let mut anonymous = 0;
            for i in &m {
                match &questions[*i].asker {
                    Some(a) => {
                        askers.insert(a);
                    }
                    None => anonymous += 1,
                }
            }
            let at = |i: &usize| questions[*i].asked_at;
            let recent = m
                .iter()
                .filter(|i| at(i) >= now_ms - TREND_WINDOW_MS)
                .count();
            let previous = m
                .iter()
                .filter(|i| {
                    at(i) < now_ms - TREND_WINDOW_MS && at(i) >= now_ms - 2 * TREND_WINDOW_MS
                })
                .count();
            let mut themes: HashMap<&str, usize> = HashMap::default();
            for i in &m {
                if let Some(t) = &questions[*i].theme {
                    *themes.entry(t.as_str()).or_insert(0) += 1;
                }
            }
            let theme = themes
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|(t, _)| t.to_owned());
            let status = row.map_or_else(|| "new".to_owned(), |r| r.status.clone());
            let since_covered = match row {
                Some(r) if r.status == "covered" => {
                    let from = r.status_at.unwrap_or(0);
                    m.iter().filter(|i| at(i) > from).count()
                }
                _ => 0,
            };
            Topic {
                id,
                label: examples.first().cloned().unwrap_or_default(),
                terms,
                status,
                size: m.len(),
                askers: askers.len() + anonymous,
                first_seen: m.iter().map(at).min().unwrap_or(0),
                last_seen: m.iter().map(at).max().unwrap_or(0),
                recent,
                previous,
                theme,
                examples,
                episode: row.and_then(|r| r.episode.clone()),
                entries: row.map(|r| r.entries.clone()).unwrap_or_default(),
                note: row.and_then(|r| r.note.clone()),
                since_covered,
            }
        })
        .collect();
    out.sort_by_key(Topic::rank_key);
    out
}
