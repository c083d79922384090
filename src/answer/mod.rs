//! The answering engine: from a citizen's question to answer, suggestions or no answer.
//!
//! Invariant: pure. No I/O, no async, no Discord, SQL or HTTP types; a [`Faq`] and a
//! [`Glossary`] in, an [`Engine`] out, and `ask(&str) -> Outcome`. Deterministic and offline.
//!
//! How it matches (details in ARCHITECTURE.md):
//! 1. The [`lexicon`] turns text into words, each with the terms it may match by: Snowball
//!    stem of the folded word, compound parts, glossary concepts (Swedish and English),
//!    and a one-edit typo repair for words nobody in the FAQ uses.
//! 2. Every entry is indexed with its phrasings, keywords, theme words and answer body,
//!    each field weighted (a phrasing says more than a word in the answer body).
//! 3. A question scores each entry word by word: a word counts once, by its best term.
//!    `coverage` is the share of the question's weight the entry explains; `fit` is the
//!    share of the entry's best phrasing that the question covers.
//! 4. The decision abstains unless the best entry is both well supported and clearly ahead,
//!    or it distinctly holds a matter the question names and leaves few named matters open.

mod glossary;
mod lexicon;
mod profile;
mod text;

use rustc_hash::FxHashMap as HashMap;

use crate::faq::{EntryId, Faq, ThemeId};

pub use glossary::{BASE as BASE_GLOSSARY, Glossary, GlossaryError};
use lexicon::{IndexedTerm, Indexer, Lexicon, TermKey, Via, Word};
pub use lexicon::{closest, edit_distance};
pub use profile::ProfileWord;
pub use text::{Analyzer, Lang, fold};

/// Field weights: how much a match in each part of an entry says about the entry.
const F_PHRASING: f32 = 1.0;
const F_KEYWORD: f32 = 0.9;
const F_BODY: f32 = 0.45;
const F_THEME: f32 = 0.3;
/// How much of a term's weight in an entry is fixed; the rest grows with how often the
/// entry comes back to it (see [`Recurs`]).
const SALIENCE_FLOOR: f32 = 0.85;
/// The weight of coverage against fit in an entry's score.
const W_COVERAGE: f32 = 0.7;

/// A named matter (a word the glossary knows) counts as unexplained by an entry when the
/// entry covers less than this share of its weight.
const UNEXPLAINED: f32 = 0.5;
/// The distinct-matter answer (see [`Engine::decide`]), as balanced: the lowest score it
/// answers at…
const DISTINCT_ANSWER: f32 = 0.3;
/// …the share of a named matter's weight that a term the best entry distinctly holds (see
/// [`DISTINCT_LEAD`]) must cover…
const DISTINCT_SHARE: f32 = 0.7;
/// …how many times more strongly than any other entry the best entry must hold that term
/// (in its phrasings and keywords where the others only mention it in passing, or alone)…
const DISTINCT_LEAD: f32 = 2.0;
/// …and the most of the question's weight that may sit in named matters left unexplained.
const DISTINCT_UNEXPLAINED: f32 = 0.6;
/// …of which at most this share in matters no entry knows at all: "raketer tillstånd" names
/// fireworks, which the FAQ lacks, and is not a question about a food truck's permit.
const DISTINCT_ABSENT: f32 = 0.3;

/// Any direct answer needs the question to cover at least this share of one of the entry's
/// phrasings or keywords (its `form_fit`): a question that shares one word with an entry
/// and nothing else of how it is asked ("hur anmäler jag flytt till ny adress" and a
/// phrasing about cars "flyttas" away; "hur blir man livsmedelsinspektör" and a
/// food-poisoning entry whose answer names the inspector) is more often about something
/// else.
const MIN_FIT: f32 = 0.25;
/// A keyword counts as a phrasing where the question is little more than the keyword: the
/// entry explains this share of it, and the question has the keyword's words. "slutbesked"
/// asks what the keyword names; "hur anmäler jag flytt till ny adress" is more than the car
/// entry's "flytta".
const KEYWORD_QUESTION: f32 = 0.75;

/// A question that covers this much of one of an entry's phrasings or keywords is offered
/// that entry as a choice even when most of it names a matter no entry knows (see
/// [`NO_CHOICE_ABSENT`]): "kan jag överklaga beslut om färdtjänst" is asked as the general
/// appeal entry is, and "behöver jag bygglov för en värmepump" as the general permit one.
const FORM_CHOICE: f32 = 0.9;

/// A direct answer needs the question to touch what the entry is about: at least this share
/// of the question's weight explained through terms that recur in two or more of the entry's
/// parts (see [`Evidence::subject`]). Words an entry mentions once, in passing ("berätta" in
/// one phrasing, "garage" as an example), make at most a suggestion.
const SUBJECT_SHARE: f32 = 0.1;

/// A question of one word that this many entries are about gets "Menade du…?", not one of
/// them (see [`Engine::broad_word`]).
const BROAD_SUBJECT: usize = 3;

/// No direct answer leaves more than this share of the question's weight in named matters
/// unexplained, however well the entry scores on the rest: "hur söker man jobb som
/// undersköterska i hemtjänsten" asks about a job, not about home care.
const MAX_UNEXPLAINED: f32 = 0.6;
/// Nor more than this share in matters no entry knows at all: "får jag grilla på stranden"
/// is about fire, which the FAQ lacks, not about building on the shore. (The distinct path
/// keeps its lower [`DISTINCT_ABSENT`].)
const MAX_ABSENT: f32 = 0.4;
/// Over this share, no choices are offered either: entries about something else are no
/// help to pick from ("hur byter jag elavtal?"), and the no-answer logs the question as one
/// the FAQ lacks. Higher than [`MAX_ABSENT`]: in a short question one unknown matter is
/// half of it, and "får jag sälja ägg från mina höns" is still well offered the entry on
/// selling food from home.
const NO_CHOICE_ABSENT: f32 = 0.5;

/// An English question meets a Swedish-only entry through glossary concepts alone, and a
/// concept counts [`lexicon::W_CONCEPT`] of a word's own stem: the same evidence scores that
/// much lower, so every score bar (answer, suggestion, theme) is that much lower for it (see
/// [`Evidence::translated`]). The margin and the share limits stay as they are: a smaller
/// margin too cost a false answer on dev.
const TRANSLATED: f32 = lexicon::W_CONCEPT;

/// How many times as telling as its concept a glossary word's own spelling may be (see
/// [`Engine::qwords`]).
const LITERAL_CAP: f32 = 2.0;

/// A question word's weight and its terms in the index, as (term id, query weight × idf).
type QWord = (f32, Vec<(u32, f32)>);

/// What the best entry makes of the question's named matters, for the decision.
#[derive(Debug, Default, Clone, Copy)]
pub struct Evidence {
    /// The largest share of a named matter's weight that the entry explains through a term
    /// it holds distinctly: alone, or at least [`DISTINCT_LEAD`] times more strongly than
    /// any other entry.
    pub distinct: f32,
    /// The share of the question's weight in named matters the entry leaves unexplained.
    pub unexplained: f32,
    /// The share of the question's weight in named matters no entry knows at all.
    pub absent: f32,
    /// The share of the question's weight the entry explains through named matters.
    pub named: f32,
    /// The share of the question's weight the entry explains through its subject: terms
    /// that recur in at least two of its parts (phrasings, keywords, answer), or, in an
    /// entry where nothing recurs (a question and a short answer), its own question's.
    pub subject: f32,
    /// The question is English and the entry has no English phrasing: it meets the entry
    /// only through the glossary's concepts (see [`TRANSLATED`]).
    pub translated: bool,
}

/// What the engine makes of a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// One entry answers it.
    Answer { entry: EntryId, confidence: f32 },
    /// Likely entries, best first, for "Menade du…?".
    Suggest { entries: Vec<(EntryId, f32)> },
    /// No entry answers it; the theme it probably belongs to, if any. `chat` is true when
    /// the message holds nothing to match at all (a greeting, a thank-you, punctuation, a
    /// request to talk to a person).
    NoAnswer { theme: Option<ThemeId>, chat: bool },
}

impl Outcome {
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Answer { .. } => "answer",
            Outcome::Suggest { .. } => "suggest",
            Outcome::NoAnswer { .. } => "no_answer",
        }
    }
}

/// How readily the engine answers directly: a deployment's choice between more direct
/// answers and fewer wrong ones. Measured on the dev set and on five sets of independently
/// written questions in the README.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AnswerMode {
    /// The thresholds `eval` was tuned to on the dev set.
    #[default]
    Balanced,
    /// Answers directly only when the best entry is well ahead on the score itself; a
    /// distinct matter alone answers only at a higher score and with little left
    /// unexplained. More "Menade du…?", fewer answers to questions no entry answers.
    Cautious,
}

impl std::str::FromStr for AnswerMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "balanced" => Ok(Self::Balanced),
            "cautious" => Ok(Self::Cautious),
            _ => Err(format!(
                "unknown answer mode {s:?}: expected \"balanced\" or \"cautious\""
            )),
        }
    }
}

/// Decision thresholds; the defaults are what `eval` was tuned to (see ARCHITECTURE.md).
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// The best entry's score must reach this to be answered directly…
    pub answer: f32,
    /// …and lead the runner-up by this much.
    pub margin: f32,
    /// Below this, nothing is suggested either.
    pub suggest: f32,
    /// Below this, no theme is guessed.
    pub theme: f32,
    /// The distinct-matter answer (see [`Engine::decide`]): the lowest score it answers at…
    pub distinct: f32,
    /// …and the most of the question's weight that may sit in named matters left
    /// unexplained.
    pub distinct_unexplained: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self::for_mode(AnswerMode::Balanced)
    }
}

impl Thresholds {
    pub fn for_mode(mode: AnswerMode) -> Self {
        let balanced = Self {
            answer: 0.43,
            margin: 0.09,
            suggest: 0.22,
            theme: 0.2,
            distinct: DISTINCT_ANSWER,
            distinct_unexplained: DISTINCT_UNEXPLAINED,
        };
        match mode {
            AnswerMode::Balanced => balanced,
            AnswerMode::Cautious => Self {
                answer: 0.46,
                distinct: 0.45,
                distinct_unexplained: 0.3,
                ..balanced
            },
        }
    }
}

/// One scored candidate, with the figures that explain its score.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub entry: EntryId,
    pub score: f32,
    /// Share of the question's weight this entry explains.
    pub coverage: f32,
    /// Share of the entry's best phrasing that the question covers.
    pub fit: f32,
    /// The same over its keywords too, where the question is little more than a keyword:
    /// what the floors on answers and choices look at (see [`MIN_FIT`]).
    pub form_fit: f32,
    pub best_phrasing: String,
    /// Question words and the term each matched by.
    pub matched: Vec<(String, String)>,
}

/// A term as `explain` shows it: (label, weight, idf; NaN when no entry has the term).
pub type TermInfo = (String, f32, f32);

/// One entry's terms while the index is built: (term id, best field weight, where it
/// recurs), and per term id its place in that list plus one (0: not there). A dense table
/// reused from entry to entry costs less than a map per entry.
#[derive(Default)]
struct EntryTerms {
    terms: Vec<(u32, f32, Recurs)>,
    slot: Vec<u32>,
}

impl EntryTerms {
    fn add(&mut self, buf: &[IndexedTerm], field: f32, part: Part) {
        for &(_, id, w) in buf {
            let i = id as usize;
            if self.slot.len() <= i {
                self.slot.resize(i + 1, 0);
            }
            if self.slot[i] == 0 {
                self.terms.push((id, 0.0, Recurs::default()));
                self.slot[i] = self.terms.len() as u32;
            }
            let (_, v, r) = &mut self.terms[self.slot[i] as usize - 1];
            *v = v.max(field * w);
            r.mark(part);
        }
    }

    /// Takes the entry's terms, leaving the table empty (its memory kept) for the next entry.
    fn drain(&mut self) -> std::vec::Drain<'_, (u32, f32, Recurs)> {
        for (id, _, _) in &self.terms {
            self.slot[*id as usize] = 0;
        }
        self.terms.drain(..)
    }
}

/// A phrasing's words, each as the (term id, weight) pairs it may match by.
type PhrasingWords = Vec<Vec<(u32, f32)>>;

/// A text's indexed terms as its words: terms come word by word, so a word is a run of one
/// index.
fn words_of(terms: &[IndexedTerm]) -> PhrasingWords {
    terms
        .chunk_by(|a, b| a.0 == b.0)
        .map(|word| word.iter().map(|&(_, id, w)| (id, w)).collect())
        .collect()
}

/// Everything `ask --explain` shows.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub lang: Lang,
    /// Each content word with its terms (`label`, weight, idf).
    pub words: Vec<(String, Vec<TermInfo>)>,
    pub candidates: Vec<Candidate>,
    /// What the best entry makes of the question's named matters.
    pub evidence: Evidence,
    pub outcome: Outcome,
}

/// Where in one entry a term recurs. An entry's subject comes back in its phrasings, its
/// keywords and its answer; a word that one alternate phrasing or the answer mentions in
/// passing ("rävar i stan") is incidental, and a question that shares only such words with
/// the entry is weaker evidence for it.
#[derive(Debug, Default, Clone, Copy)]
struct Recurs {
    phrasings: u16,
    /// The last phrasing (1-based) counted, so a term counts once per phrasing.
    last: u16,
    keyword: bool,
    body: bool,
    /// In the entry's own question (its first phrasing).
    main: bool,
}

/// The part of an entry a text comes from.
#[derive(Debug, Clone, Copy)]
enum Part {
    /// The n-th phrasing, counting from 1.
    Phrasing(u16),
    Keyword,
    Body,
    Theme,
}

impl Recurs {
    fn mark(&mut self, part: Part) {
        match part {
            Part::Phrasing(n) if n != self.last => {
                self.phrasings += 1;
                self.last = n;
                self.main |= n == 1;
            }
            Part::Phrasing(_) | Part::Theme => {}
            Part::Keyword => self.keyword = true,
            Part::Body => self.body = true,
        }
    }

    /// Whether the term recurs in two of the entry's parts (its phrasings, its keywords,
    /// its answer): then it is the entry's subject, not a word it mentions in passing.
    fn recurs(&self) -> bool {
        u8::from(self.phrasings > 0) + u8::from(self.keyword) + u8::from(self.body) >= 2
    }

    /// A factor in `SALIENCE_FLOOR..=1`: the share of the entry's phrasings that use the
    /// term, whether a keyword does and whether the answer does, averaged.
    fn salience(&self, n_phrasings: f32) -> f32 {
        let share = (f32::from(self.phrasings) / n_phrasings).min(1.0);
        let recurs =
            (share + f32::from(u8::from(self.keyword)) + f32::from(u8::from(self.body))) / 3.0;
        SALIENCE_FLOOR + (1.0 - SALIENCE_FLOOR) * recurs
    }
}

struct EntryInfo {
    id: EntryId,
    theme: usize,
    /// Phrasings as analysed words: (term id, weight) per word.
    phrasings: Vec<(String, PhrasingWords)>,
    /// Keywords the same way.
    keywords: Vec<PhrasingWords>,
    /// Whether a guide wrote an English phrasing for it (`alternates_en`).
    english: bool,
}

pub struct Engine {
    lexicon: Lexicon,
    themes: Vec<ThemeId>,
    entries: Vec<EntryInfo>,
    terms: HashMap<TermKey, u32>,
    /// Term id → key, for explanations.
    keys: Vec<TermKey>,
    idf: Vec<f32>,
    /// Per term: (entry, field weight × term weight), one posting per entry.
    postings: Vec<Vec<(u32, f32)>>,
    /// Per term, parallel to `postings`: whether the term is the entry's subject (see
    /// [`Recurs::recurs`]).
    subject: Vec<Vec<bool>>,
    /// Per term: the entry that holds it most strongly, and how many times more strongly
    /// than any other entry (infinite when no other entry has it).
    leader: Vec<(u32, f32)>,
    /// The weight a word nobody in the FAQ uses gets: as rare as the rarest term.
    oov_idf: f32,
    /// Each phrasing's [`crate::faq::phrasing_key`] → its entry (`None` when two entries
    /// share it, which `check` reports): a question asked as a guide wrote it is answered
    /// with that entry, however close its siblings score.
    exact: HashMap<String, Option<u32>>,
    pub thresholds: Thresholds,
}

impl Engine {
    /// Builds the index over every served (non-draft) entry of `faq`.
    pub fn new(faq: &Faq, mut glossary: Glossary) -> Result<Self, GlossaryError> {
        if let Some(local) = &faq.glossary {
            glossary.extend(Glossary::parse("_glossary.toml", local)?);
        }
        let served: Vec<_> = faq.served().collect();
        let texts = served.iter().flat_map(|e| {
            e.phrasings()
                .chain(e.keywords.iter().map(String::as_str))
                .chain(std::iter::once(e.answer.as_str()))
        });
        let lexicon = Lexicon::new(glossary, texts);
        let themes: Vec<ThemeId> = faq.themes.iter().map(|t| t.id.clone()).collect();

        let mut ix = Indexer::default();
        let mut postings: Vec<Vec<(u32, f32)>> = Vec::new();
        let mut subject: Vec<Vec<bool>> = Vec::new();
        let mut entries = Vec::with_capacity(served.len());
        let mut local = EntryTerms::default();
        let mut buf: Vec<IndexedTerm> = Vec::new();
        let mut exact: HashMap<String, Option<u32>> = HashMap::default();
        for e in &served {
            let n = entries.len() as u32;
            for p in e.phrasings() {
                exact
                    .entry(crate::faq::phrasing_key(p))
                    .and_modify(|had| {
                        if *had != Some(n) {
                            *had = None;
                        }
                    })
                    .or_insert(Some(n));
            }
            let theme = themes.iter().position(|t| *t == e.theme).unwrap_or(0);
            let mut phrasings = Vec::new();
            for (i, p) in e.phrasings().enumerate() {
                let en = e.alternates_en.iter().any(|a| a == p);
                let lang = if en { Lang::En } else { Lang::Sv };
                lexicon.index_text(p, lang, &mut ix, &mut buf);
                let part = Part::Phrasing(u16::try_from(i + 1).unwrap_or(u16::MAX));
                local.add(&buf, F_PHRASING, part);
                phrasings.push((p.to_owned(), words_of(&buf)));
            }
            let mut keywords = Vec::with_capacity(e.keywords.len());
            for k in &e.keywords {
                lexicon.index_text(k, Lang::Sv, &mut ix, &mut buf);
                local.add(&buf, F_KEYWORD, Part::Keyword);
                keywords.push(words_of(&buf));
            }
            lexicon.index_text(&e.answer, Lang::Sv, &mut ix, &mut buf);
            local.add(&buf, F_BODY, Part::Body);
            if let Some(t) = faq.theme(&e.theme) {
                let theme_text = format!("{} {}", t.name, t.synonyms.join(" "));
                lexicon.index_text(&theme_text, Lang::Sv, &mut ix, &mut buf);
                local.add(&buf, F_THEME, Part::Theme);
            }
            let n_phrasings = phrasings.len().max(1) as f32;
            postings.resize_with(ix.terms.len(), Vec::new);
            subject.resize_with(ix.terms.len(), Vec::new);
            let n = entries.len() as u32;
            // An entry that comes back to none of its words (a question and a short answer)
            // is about its own question.
            let short = !local.terms.iter().any(|(_, _, r)| r.recurs());
            for (id, w, r) in local.drain() {
                postings[id as usize].push((n, w * r.salience(n_phrasings)));
                subject[id as usize].push(r.recurs() || (short && r.main));
            }
            entries.push(EntryInfo {
                id: e.id.clone(),
                theme,
                phrasings,
                keywords,
                english: !e.alternates_en.is_empty(),
            });
        }
        let terms = ix.terms;
        let n = entries.len().max(1) as f32;
        let idf: Vec<f32> = postings
            .iter()
            .map(|p| {
                let df = p.len() as f32;
                (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
            })
            .collect();
        let oov_idf = (1.0 + (n + 0.5) / 1.5).ln();
        let leader = postings
            .iter()
            .map(|p| {
                let (mut first, mut second) = ((u32::MAX, 0.0f32), 0.0f32);
                for &(e, w) in p {
                    if w > first.1 {
                        second = first.1;
                        first = (e, w);
                    } else if w > second {
                        second = w;
                    }
                }
                let ratio = if second > 0.0 {
                    first.1 / second
                } else {
                    f32::INFINITY
                };
                (first.0, ratio)
            })
            .collect();
        let mut keys = vec![String::new(); terms.len()];
        for (k, id) in &terms {
            keys[*id as usize] = k.clone();
        }
        Ok(Self {
            lexicon,
            themes,
            entries,
            terms,
            keys,
            idf,
            postings,
            subject,
            leader,
            oov_idf,
            exact,
            thresholds: Thresholds::default(),
        })
    }

    /// A term's idf, if any entry uses it.
    fn idf_of(&self, key: &str) -> Option<f32> {
        self.terms.get(key).map(|id| self.idf[*id as usize])
    }

    /// Number of entries the engine can answer with.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Answers a question.
    pub fn ask(&self, question: &str) -> Outcome {
        self.run(question, false).outcome
    }

    /// Answers a question and says why.
    pub fn explain(&self, question: &str) -> Explanation {
        self.run(question, true)
    }

    fn run(&self, question: &str, detail: bool) -> Explanation {
        // A name the message gives is no matter of it: "jag är björn och vill bygga en
        // altan" is not about bears (see `privacy::without_names`).
        let matter = crate::privacy::without_names(question);
        let (lang, words) = self.lexicon.analyze(&matter, None, true);
        let qwords = self.qwords(&words);
        let total: f32 = qwords.iter().map(|(m, _)| *m).sum();

        let n = self.entries.len();
        let mut score = vec![0.0f32; n];
        let mut best = vec![0.0f32; n];
        let mut touched: Vec<u32> = Vec::new();
        for (mass, terms) in &qwords {
            for (id, qv) in terms {
                for (e, ew) in &self.postings[*id as usize] {
                    let v = qv * ew;
                    let b = &mut best[*e as usize];
                    if *b == 0.0 {
                        touched.push(*e);
                    }
                    if v > *b {
                        *b = v;
                    }
                }
            }
            for e in touched.drain(..) {
                score[e as usize] += best[e as usize].min(*mass);
                best[e as usize] = 0.0;
            }
        }

        let mut order: Vec<usize> = (0..n).filter(|e| score[*e] > 0.0).collect();
        // The best twelve, best first. The order is total (ties by index), so selecting
        // before sorting gives the same twelve as sorting everything, at a fraction of the
        // cost when a common word touches thousands of entries.
        let best_first = |a: &usize, b: &usize| score[*b].total_cmp(&score[*a]).then(a.cmp(b));
        if order.len() > 12 {
            order.select_nth_unstable_by(11, best_first);
            order.truncate(12);
        }
        order.sort_unstable_by(best_first);
        // The question's own weight per term, before idf: what a phrasing term can get.
        let mut qweight: HashMap<u32, f32> = HashMap::default();
        for (id, qv) in qwords.iter().flat_map(|(_, ts)| ts.iter()) {
            let w = qv / self.idf[*id as usize].max(1e-6);
            let v = qweight.entry(*id).or_insert(0.0);
            *v = v.max(w);
        }
        let mut ranked: Vec<(usize, Candidate)> = order
            .into_iter()
            .map(|e| {
                (
                    e,
                    self.candidate(e, score[e], total, (&qwords, &qweight), &words, detail),
                )
            })
            .collect();
        ranked.sort_by(|(_, a), (_, b)| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        let ev = ranked
            .first()
            .map(|(e, _)| Evidence {
                translated: lang == Lang::En && !self.entries[*e].english,
                ..self.evidence(*e, &words, &qwords, total)
            })
            .unwrap_or_default();
        let candidates: Vec<Candidate> = ranked.into_iter().map(|(_, c)| c).collect();

        let exact = self
            .exact
            .get(&crate::faq::phrasing_key(question))
            .copied()
            .flatten();
        let outcome = if let Some(e) = exact {
            Outcome::Answer {
                entry: self.entries[e as usize].id.clone(),
                confidence: 1.0,
            }
        // Only question words ("när?") or nothing at all, or a request for a person: there
        // is no matter to match.
        } else if words.iter().all(|w| w.is_intent()) || asks_for_a_person(question) {
            Outcome::NoAnswer {
                theme: None,
                chat: true,
            }
        } else {
            match self.decide(&candidates, ev) {
                // One word that several entries are about ("snö", "parkering") names a
                // theme, not a question: which of them is meant is the asker's to say.
                Outcome::Answer { .. } if self.broad_word(&words, &qwords) => {
                    let top = candidates.first().map_or(0.0, |c| c.score);
                    Outcome::Suggest {
                        entries: candidates
                            .iter()
                            .take(3)
                            .filter(|c| c.score >= top * 0.6)
                            .map(|c| (c.entry.clone(), c.score.min(1.0)))
                            .collect(),
                    }
                }
                outcome => outcome,
            }
        };
        if !detail {
            return Explanation {
                lang,
                words: Vec::new(),
                candidates,
                evidence: ev,
                outcome,
            };
        }
        let words = words
            .iter()
            .map(|w| {
                let terms = w
                    .terms
                    .iter()
                    .map(|t| {
                        let idf = self.idf_of(&t.key).unwrap_or(f32::NAN);
                        (self.label(&t.key, &t.via), t.weight, idf)
                    })
                    .collect();
                (w.text.clone(), terms)
            })
            .collect();
        Explanation {
            lang,
            words,
            candidates,
            evidence: ev,
            outcome,
        }
    }

    /// Whether the question is one word, without even a question word ("när kommer
    /// sopgubbarna" asks when), that [`BROAD_SUBJECT`] or more entries are about (hold as
    /// their subject, see [`Evidence::subject`]).
    fn broad_word(&self, words: &[Word], qwords: &[QWord]) -> bool {
        let ([_], [(_, terms)]) = (words, qwords) else {
            return false;
        };
        // The word's most telling term: "attefallshus" is about "attefall", not "hus".
        let Some((id, _)) = terms.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
            return false;
        };
        let about = self.subject[*id as usize].iter().filter(|on| **on).count();
        about >= BROAD_SUBJECT
    }

    /// Per word: its weight (mass) and its terms that exist in the index, as
    /// (term id, query weight × idf).
    fn qwords(&self, words: &[Word]) -> Vec<QWord> {
        words
            .iter()
            .map(|w| {
                // A word the glossary knows names its concept: its own spelling, rare in
                // the FAQ by chance ("storlek" in one entry on bin sizes), tells at most
                // LITERAL_CAP times as much as the concept does ("storlek" ≈ floor area).
                let cap = w
                    .terms
                    .iter()
                    .filter(|t| t.via.concept().is_some())
                    .filter_map(|t| self.terms.get(&t.key))
                    .map(|id| self.idf[*id as usize])
                    .reduce(f32::max)
                    .map_or(f32::INFINITY, |c| c * LITERAL_CAP);
                // A word weighs what a full match on its rarest known term would give: a
                // match through a compound part or a concept then covers it only in part.
                // A reading that needs lost å/ä/ö ("lov" as "löv") does not set it, unless
                // it is the only one known.
                let mut known: Vec<(u32, f32)> = Vec::new();
                let (mut likely, mut any) = (0.0f32, 0.0f32);
                for t in &w.terms {
                    let Some(&id) = self.terms.get(&t.key) else {
                        continue;
                    };
                    let idf = self.idf[id as usize].min(cap);
                    known.push((id, t.weight * idf));
                    any = any.max(idf);
                    if !matches!(t.via, Via::Unmarked(_)) {
                        likely = likely.max(idf);
                    }
                }
                let mass = if likely > 0.0 { likely } else { any };
                let mass = if known.is_empty() {
                    // A word no entry uses. If the glossary knows it, it names a municipal
                    // matter the FAQ does not cover ("bussen"): strong evidence against every
                    // entry. Otherwise it is more likely chatter around the question, also
                    // when a typo repair guessed a matter for it ("bakom" → "bankomat").
                    self.oov_idf * if w.named() { 1.0 } else { lexicon::W_UNKNOWN }
                } else if w.in_glossary() || w.is_intent() {
                    // A matter the glossary knows and no entry covers weighs as a word no
                    // entry uses, in the share its term carries ("körkortstillstånd": the
                    // "tillstånd" some entries have does not make it theirs).
                    let absent = w
                        .terms
                        .iter()
                        .filter(|t| {
                            matches!(t.via, Via::Concept(_)) && !self.terms.contains_key(&t.key)
                        })
                        .map(|t| self.oov_idf * t.weight / lexicon::W_CONCEPT)
                        .fold(0.0, f32::max);
                    mass.max(absent)
                } else {
                    // Known to the FAQ but not to the glossary: often general vocabulary
                    // ("köpt", "gammal") that is rare in the FAQ only by chance.
                    mass * lexicon::W_PLAIN
                };
                (mass, known)
            })
            .collect()
    }

    fn candidate(
        &self,
        e: usize,
        raw: f32,
        total: f32,
        (qwords, qweight): (&[QWord], &HashMap<u32, f32>),
        words: &[Word],
        detail: bool,
    ) -> Candidate {
        let info = &self.entries[e];
        let coverage = if total > 0.0 {
            (raw / total).min(1.0)
        } else {
            0.0
        };
        // How much of one phrasing (or keyword) the question covers, word by word of it;
        // `got` says how much of a word's weight (its term's `w × idf`) the question gives.
        let share = |pwords: &PhrasingWords, got: &dyn Fn(u32, f32) -> f32| {
            let (mut have, mut need) = (0.0, 0.0);
            for pw in pwords {
                let weight = pw
                    .iter()
                    .map(|(id, w)| w * self.idf[*id as usize])
                    .fold(0.0, f32::max);
                need += weight;
                let best = pw.iter().map(|(id, w)| got(*id, *w)).fold(0.0, f32::max);
                have += best.min(weight);
            }
            if need > 0.0 { have / need } else { 0.0 }
        };
        // Fit: as the question weighs the phrasing's words.
        let weighed =
            |id: u32, w: f32| qweight.get(&id).copied().unwrap_or(0.0) * w * self.idf[id as usize];
        let mut fit = 0.0f32;
        let mut best_phrasing = info.question_text();
        for (text, pwords) in &info.phrasings {
            let f = share(pwords, &weighed);
            if f > fit {
                fit = f;
                best_phrasing = text.clone();
            }
        }
        // A keyword's words the question has at all: a glossary word's own spelling may
        // weigh little in the question (see `LITERAL_CAP`), which says nothing of whether
        // the question is the keyword.
        let present = |id: u32, w: f32| {
            if qweight.contains_key(&id) {
                w * self.idf[id as usize]
            } else {
                0.0
            }
        };
        let form_fit = if coverage >= KEYWORD_QUESTION {
            info.keywords
                .iter()
                .map(|k| share(k, &present))
                .fold(fit, f32::max)
        } else {
            fit
        };
        let mut matched = Vec::new();
        for (w, (_, terms)) in words.iter().zip(qwords).filter(|_| detail) {
            let hit = terms
                .iter()
                .filter_map(|(id, qv)| {
                    self.postings[*id as usize]
                        .iter()
                        .find(|(pe, _)| *pe as usize == e)
                        .map(|(_, ew)| (*id, qv * ew))
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((id, _)) = hit {
                let key = self.keys[id as usize].clone();
                let via = w
                    .terms
                    .iter()
                    .find(|t| t.key == key)
                    .map(|t| t.via.clone())
                    .unwrap_or(Via::Stem);
                matched.push((w.text.clone(), self.label(&key, &via)));
            }
        }
        // Geometric, not additive: an entry must explain the question *and* one of its
        // phrasings must be what was asked. Either alone is how false answers look.
        let score = coverage.powf(W_COVERAGE) * fit.powf(1.0 - W_COVERAGE);
        Candidate {
            entry: info.id.clone(),
            score,
            coverage,
            fit,
            form_fit,
            best_phrasing,
            matched,
        }
    }

    /// What the best entry makes of the question's named matters (words the glossary knows):
    /// whether it distinctly holds one of them, and how many it leaves unexplained; and how
    /// much of the question it explains through its subject.
    fn evidence(&self, e: usize, words: &[Word], qwords: &[QWord], total: f32) -> Evidence {
        let mut ev = Evidence::default();
        if total <= 0.0 {
            return ev;
        }
        let mut unexplained = 0.0;
        let mut absent = 0.0;
        let mut named = 0.0;
        let mut subject = 0.0;
        for (w, (mass, terms)) in words.iter().zip(qwords) {
            if w.is_intent() || *mass <= 0.0 {
                continue;
            }
            // The entry's best term for this word, as the scoring counted it, and its best
            // term among those that are the entry's subject.
            let mut got = 0.0f32;
            let mut on_subject = 0.0f32;
            let mut leads = false;
            for (id, qv) in terms {
                let list = &self.postings[*id as usize];
                // Postings are in entry order (built entry by entry).
                let Ok(i) = list.binary_search_by_key(&(e as u32), |(pe, _)| *pe) else {
                    continue;
                };
                let v = qv * list[i].1;
                if self.subject[*id as usize][i] {
                    on_subject = on_subject.max(v);
                }
                if v > got {
                    got = v;
                    let (first, ratio) = self.leader[*id as usize];
                    leads = first == e as u32 && ratio >= DISTINCT_LEAD;
                }
            }
            subject += on_subject.min(*mass);
            // The rest is about named matters only.
            if !w.in_glossary() {
                continue;
            }
            let got = got.min(*mass);
            named += got;
            if got < UNEXPLAINED * mass {
                unexplained += mass - got;
            }
            // A typo repair's guess ("11-aring" read as "arving") is no matter the FAQ lacks:
            // the word is unknown, not known to be about something else.
            if terms.is_empty() && w.named() {
                absent += mass;
            }
            if leads {
                ev.distinct = ev.distinct.max(got / mass);
            }
        }
        ev.subject = subject / total;
        ev.unexplained = unexplained / total;
        ev.absent = absent / total;
        ev.named = named / total;
        ev
    }

    fn decide(&self, candidates: &[Candidate], ev: Evidence) -> Outcome {
        let t = &self.thresholds;
        let Some(top) = candidates.first() else {
            return Outcome::NoAnswer {
                theme: None,
                chat: false,
            };
        };
        let second = candidates.get(1).map(|c| c.score).unwrap_or(0.0);
        // A second way to a direct answer: the question names a matter this entry distinctly
        // holds (a term other entries have not, or only mention in passing), the entry leads,
        // and it leaves few named matters
        // unexplained. Such a question is most likely this entry even when chatter around
        // it keeps the score low or a sibling sharing the theme's words stays close.
        let scale = if ev.translated { TRANSLATED } else { 1.0 };
        let distinct = top.score >= t.distinct * scale
            && top.score > second
            && ev.distinct >= DISTINCT_SHARE
            && ev.unexplained <= t.distinct_unexplained
            && ev.absent <= DISTINCT_ABSENT;
        let ahead = top.score >= t.answer * scale && top.score - second >= t.margin;
        if (ahead || distinct)
            && ev.subject >= SUBJECT_SHARE
            && ev.unexplained <= MAX_UNEXPLAINED
            && ev.absent <= MAX_ABSENT
            && top.form_fit >= MIN_FIT
        {
            return Outcome::Answer {
                entry: top.entry.clone(),
                confidence: top.score.min(1.0),
            };
        }
        let suggest = t.suggest * scale;
        if top.score >= suggest && (ev.absent <= NO_CHOICE_ABSENT || top.form_fit >= FORM_CHOICE) {
            let entries = candidates
                .iter()
                .take(3)
                .filter(|c| c.score >= suggest.max(top.score * 0.6))
                .map(|c| (c.entry.clone(), c.score.min(1.0)))
                .collect();
            return Outcome::Suggest { entries };
        }
        let theme = candidates
            .iter()
            .find(|c| c.score >= t.theme * scale)
            .and_then(|c| {
                self.entries
                    .iter()
                    .find(|e| e.id == c.entry)
                    .map(|e| self.themes[e.theme].clone())
            });
        Outcome::NoAnswer { theme, chat: false }
    }

    fn label(&self, key: &str, via: &Via) -> String {
        match via {
            Via::Concept(g) => format!("≈{}", self.lexicon.glossary.label(*g)),
            Via::Guess(g) => format!("≈{} (stavning)", self.lexicon.glossary.label(*g)),
            Via::Unmarked(g) => format!("≈{} (utan å/ä/ö)", self.lexicon.glossary.label(*g)),
            Via::Part => format!("{key} (del av ord)"),
            Via::Fuzzy(f) => format!("{f} (stavning)"),
            Via::Foreign => format!("{key} (okänt engelskt ord)"),
            Via::Stem => key.to_owned(),
        }
    }
}

/// Whether `text` is written in English, for the words a reply is given in. Stricter than
/// the matcher's guess, which only has to pick a stemmer: the text must have
/// two English function words or more and more than it has Swedish ones, or, in three
/// words or more, one English question word ("can", "how") and no Swedish one; the pronoun
/// "I" counts as one. Without any, more than half its content words must be English words
/// of the glossary that no Swedish term uses ("opening hours"), or half when the others are
/// English words of it too ("food poisoning": "food" is also in "food truck"). Letters of
/// abbreviations ("m.m.", "t.ex.") and greetings ("hello, sophämtning?") say nothing.
pub fn is_english(text: &str) -> bool {
    static ANALYZER: std::sync::LazyLock<Analyzer> = std::sync::LazyLock::new(Analyzer::default);
    let a = &*ANALYZER;
    let words = a.words(text);
    let only = |w: &&String, lang: Lang, other: Lang| {
        w.chars().count() > 1
            && !matches!(w.as_str(), "hello" | "hi" | "hey")
            && a.is_stop(w, lang)
            && !a.is_stop(w, other)
    };
    // The pronoun "I" written as such is English ("I think I got food poisoning"); the
    // Swedish "i" (in) is rarely a capital alone.
    let pronoun = text
        .split(|c: char| !c.is_alphabetic() && c != '\'')
        .filter(|t| *t == "I" || t.starts_with("I'"))
        .count();
    let en = words.iter().filter(|w| only(w, Lang::En, Lang::Sv)).count() + pronoun;
    let sv = words.iter().filter(|w| only(w, Lang::Sv, Lang::En)).count();
    // A short question may have one English function word and no Swedish one at all:
    // "can I build a pool?". Then it must be one no Swedish word is spelt as ("is" is ice,
    // "by" a village).
    const OPENERS: &[&str] = &[
        "can", "could", "how", "what", "where", "when", "who", "why", "does", "are", "should",
        "would", "will", "my", "your", "the",
    ];
    if en >= 2 && en > sv
        || en == 1
            && sv == 0
            && words.len() >= 3
            && words.iter().any(|w| OPENERS.contains(&w.as_str()))
    {
        return true;
    }
    // No function word to tell by ("opening hours", "building permit"): the glossary's
    // English side says it (see above; "container gatan" is Swedish), and no letter or
    // function word is Swedish. The glossary's English words: those no Swedish term uses,
    // and all of them.
    type Words = std::collections::HashSet<String>;
    static ENGLISH: std::sync::LazyLock<(Words, Words)> = std::sync::LazyLock::new(|| {
        let a = Analyzer::default();
        let g = Glossary::base();
        let sv: Words = g
            .groups
            .iter()
            .flat_map(|gr| &gr.sv)
            .flat_map(|t| a.words(t))
            .collect();
        let all: Words = g
            .groups
            .iter()
            .flat_map(|gr| &gr.en)
            .flat_map(|t| a.words(t))
            .filter(|w| w.chars().count() > 2)
            .collect();
        let only = all
            .iter()
            .filter(|w| !sv.contains(*w) && !a.is_stop(w, Lang::Sv))
            .cloned()
            .collect();
        (only, all)
    });
    let (only, all) = &*ENGLISH;
    let swedish_letters = text
        .chars()
        .any(|c| matches!(c, 'å' | 'ä' | 'ö' | 'Å' | 'Ä' | 'Ö'));
    let content: Vec<&String> = words
        .iter()
        .filter(|w| !a.is_stop(w, Lang::En) && !a.is_stop(w, Lang::Sv))
        .collect();
    let english = content.iter().filter(|w| only.contains(w.as_str())).count();
    // Half is enough when every word is an English word of the glossary: "food poisoning",
    // "pool permit" ("food" and "pool" are Swedish words of it too).
    let tie = english > 0
        && english * 2 == content.len()
        && content.iter().all(|w| all.contains(w.as_str()));
    !swedish_letters && sv == 0 && (english * 2 > content.len() || tie)
}

/// Whether a message asks only to reach a person ("jag vill prata med en människa", "can I
/// talk to a real person?", "koppla mig till en människa") or for the service centre's phone
/// number, e-mail or address, or how to contact it: no FAQ entry answers that, and the reply
/// is the way to one (see `reply`). A person named beside a matter ("kan jag prata med en
/// handläggare om bygglov", "vad är numret till hemtjänsten") is a question about the
/// matter, and is matched as one; so is a question of when ("när kan jag ringa någon").
pub fn asks_for_a_person(message: &str) -> bool {
    // Anyone at all, not a role: "prata med en handläggare" has an entry of its own.
    const PERSON: &[&str] = &[
        "manniska",
        "manniskor",
        "person",
        "nagon",
        "nan",
        "human",
        "someone",
        "somebody",
        "agent",
        "operator",
    ];
    const REACH: &[&str] = &[
        "prata",
        "tala",
        "snacka",
        "kontakt",
        "kontakta",
        "kontaktar",
        "na",
        "ringa",
        "ring",
        "chatta",
        "koppla",
        "speak",
        "talk",
        "chat",
        "contact",
        "reach",
        "call",
        "connect",
    ];
    // The centre itself, reached: "hur kontaktar jag kommunen?".
    const CENTRE: &[&str] = &[
        "kommunen",
        "kommuncenter",
        "er",
        "ni",
        "you",
        "municipality",
    ];
    // The way to reach the centre, which the contact text gives.
    const NUMBER: &[&str] = &[
        "telefonnummer",
        "telefonnumret",
        "nummer",
        "numret",
        "telefon",
        "kontaktuppgifter",
        "epost",
        "postadress",
        "epostadress",
        "mejl",
        "mejladress",
        "mail",
        "mailadress",
        "email",
        "adress",
        "address",
        "phone",
        "number",
    ];
    // Words that only frame the request, in either language (the centre's words above
    // frame it too).
    const FRAME: &[&str] = &[
        "vill",
        "ville",
        "skulle",
        "vilja",
        "kan",
        "far",
        "fa",
        "hur",
        "gor",
        "jag",
        "med",
        "en",
        "ett",
        "riktig",
        "riktigt",
        "levande",
        "pa",
        "hos",
        "snalla",
        "tack",
        "hej",
        "hallo",
        "och",
        "eller",
        "nu",
        "direkt",
        "istallet",
        "garna",
        "i",
        "mig",
        "lat",
        "behover",
        "hjalp",
        "av",
        "for",
        "bot",
        "boten",
        "robot",
        "finns",
        "det",
        "dar",
        "har",
        "ge",
        "vad",
        "ar",
        "till",
        "ska",
        "man",
        "vilket",
        "vilken",
        "e",
        "nar",
        "kommuncenters",
        "kommunens",
        "ert",
        "want",
        "would",
        "like",
        "need",
        "can",
        "could",
        "to",
        "with",
        "a",
        "an",
        "real",
        "actual",
        "live",
        "please",
        "how",
        "do",
        "get",
        "in",
        "touch",
        "hello",
        "hi",
        "is",
        "there",
        "the",
        "instead",
        "now",
        "me",
        "let",
        "may",
        "d",
        "being",
        "what",
        "give",
        "your",
        "of",
        "service",
        "centre",
        "center",
    ];
    let folded = fold(message);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    let plainly = words.iter().any(|w| matches!(*w, "manniska" | "human"));
    // Asking *when* ("när kan jag ringa någon?") is about opening hours, which an entry
    // answers, unless it plainly asks for a human. ("När" and "når" fold alike.)
    if has(&["nar", "when"]) && !plainly {
        return false;
    }
    let only_framing = words.iter().all(|w| {
        PERSON.contains(w)
            || REACH.contains(w)
            || NUMBER.contains(w)
            || CENTRE.contains(w)
            || FRAME.contains(w)
    });
    only_framing
        && (has(PERSON) && (has(REACH) || plainly)
            // One such word alone ("mejl", "adress") may be a keyword of an entry.
            || has(NUMBER) && words.len() > 1
            || has(REACH) && has(CENTRE))
}

impl EntryInfo {
    fn question_text(&self) -> String {
        self.phrasings
            .first()
            .map(|(t, _)| t.clone())
            .unwrap_or_default()
    }
}
