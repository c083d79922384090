//! Which episode, and which minute of it, answers a question: the catalogue of curated
//! (`faq/episodes.toml`) and synced episodes, and a small text matcher over their titles,
//! descriptions, chapters and transcripts. Pure: no I/O.
//!
//! A synced episode and a curated one with the same URL or guid are the same episode: the
//! curated one gives it themes (and chapters, for feeds that have none, as timestamps in
//! its description); the feed gives it chapters and transcripts when it has them.

use std::collections::{HashMap, HashSet};

use super::feed::{FeedEpisode, Mark, timestamps_in};
use crate::answer::{Analyzer, Lang};
use crate::faq::{Entry, Faq};

/// An episode as linking sees it.
#[derive(Debug, Clone)]
pub struct Known {
    /// The curated id, or the feed's guid.
    pub id: String,
    pub title: String,
    /// Where a listener goes: the episode page (SoundCloud: `#t=M:SS` works there).
    pub url: String,
    pub themes: Vec<String>,
    pub marks: Vec<Mark>,
    /// Stems of the whole episode (title, description, marks), for the episode's score.
    stems: HashSet<String>,
    /// Stems per mark, aligned with `marks`.
    mark_stems: Vec<HashSet<String>>,
}

/// The best episode for a question: where to send the listener and how sure we are.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub id: String,
    pub title: String,
    pub url: String,
    /// Seconds into the episode, when a chapter or transcript segment matches.
    pub at: Option<u32>,
    pub score: f32,
}

pub struct Catalogue {
    episodes: Vec<Known>,
    /// Inverse document frequency over episodes, per stem.
    idf: HashMap<String, f32>,
    analyzer: Analyzer,
}

/// Below this share of the question's weight, no episode is linked.
pub const FLOOR: f32 = 0.45;

impl Catalogue {
    pub fn build(faq: &Faq, synced: &[FeedEpisode]) -> Self {
        let analyzer = Analyzer::default();
        let mut episodes: Vec<Known> = Vec::new();
        let mut used = HashSet::new();
        for c in &faq.episodes {
            let same = synced
                .iter()
                .position(|s| s.guid == c.id || s.link.as_deref() == Some(c.url.as_str()));
            let mut marks = timestamps_in(&c.description);
            let mut description = c.description.clone();
            if let Some(i) = same {
                used.insert(i);
                let s = &synced[i];
                if !s.chapters.is_empty() {
                    marks = s.chapters.clone();
                }
                marks.extend(s.transcript.iter().cloned());
                description.push('\n');
                description.push_str(&s.description);
            }
            episodes.push(known(
                &analyzer,
                c.id.clone(),
                c.title.clone(),
                c.url.clone(),
                c.themes.clone(),
                &description,
                marks,
            ));
        }
        for (i, s) in synced.iter().enumerate() {
            if used.contains(&i) {
                continue;
            }
            // Stored by an older version, a feed's link may be anything: http(s) only.
            let web = |u: &Option<String>| u.clone().filter(|u| crate::faq::is_web_url(u));
            let Some(url) = web(&s.link).or_else(|| web(&s.audio_url)) else {
                continue;
            };
            let mut marks = s.chapters.clone();
            marks.extend(s.transcript.iter().cloned());
            episodes.push(known(
                &analyzer,
                s.guid.clone(),
                s.title.clone(),
                url,
                Vec::new(),
                &s.description,
                marks,
            ));
        }
        let n = episodes.len().max(1) as f32;
        let mut df: HashMap<String, f32> = HashMap::new();
        for e in &episodes {
            for s in &e.stems {
                *df.entry(s.clone()).or_default() += 1.0;
            }
        }
        let idf = df
            .into_iter()
            .map(|(s, d)| (s, (1.0 + n / d).ln()))
            .collect();
        Self {
            episodes,
            idf,
            analyzer,
        }
    }

    pub fn episodes(&self) -> &[Known] {
        &self.episodes
    }

    pub fn is_empty(&self) -> bool {
        self.episodes.is_empty()
    }

    /// The episode that covers `question` best, with the minute where it does, if any
    /// clears the floor. `theme` (a theme id) favours the theme's episodes.
    pub fn find(&self, question: &str, theme: Option<&str>) -> Option<Found> {
        self.search(question, theme, false)
    }

    /// As [`Catalogue::find`] for a citizen's own question with no FAQ answer: there, a word
    /// no episode has is a part of the question no episode covers, and counts against.
    pub fn find_for_question(&self, question: &str, theme: Option<&str>) -> Option<Found> {
        self.search(question, theme, true)
    }

    fn search(&self, question: &str, theme: Option<&str>, strict: bool) -> Option<Found> {
        let q = stems(&self.analyzer, question);
        if q.is_empty() {
            return None;
        }
        // Linking an entry, a stem no episode has says nothing about which episode it is
        // (the entry's own wording); linking a bare question, it is an uncovered part of it.
        let unknown = if strict {
            self.idf.values().copied().fold(0.0, f32::max)
        } else {
            0.0
        };
        let weight = |s: &String| self.idf.get(s).copied().unwrap_or(unknown);
        let total: f32 = q.iter().map(weight).sum();
        if total <= 0.0 {
            return None;
        }
        let mut best: Option<(f32, usize)> = None;
        for (i, e) in self.episodes.iter().enumerate() {
            let matched: Vec<&String> = q.iter().filter(|s| e.stems.contains(*s)).collect();
            if matched.len() < 2.min(q.len()) {
                continue;
            }
            let mut score = matched.iter().map(|s| weight(s)).sum::<f32>() / total;
            if theme.is_some_and(|t| e.themes.iter().any(|x| x == t)) {
                score = (score + 0.15).min(1.0);
            }
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, i));
            }
        }
        let (score, i) = best.filter(|(s, _)| *s >= FLOOR)?;
        let e = &self.episodes[i];
        let at = self.best_mark(e, &q);
        Some(Found {
            id: e.id.clone(),
            title: e.title.clone(),
            url: e.url.clone(),
            at,
            score,
        })
    }

    /// Where in episode `id` the question is discussed: for an episode the FAQ names
    /// without a minute, when the episode has chapters or a transcript.
    pub fn segment(&self, id: &str, question: &str) -> Option<u32> {
        let e = self.episodes.iter().find(|e| e.id == id)?;
        self.best_mark(e, &stems(&self.analyzer, question))
    }

    /// The chapter or transcript segment that matches best; the earliest on a tie.
    fn best_mark(&self, e: &Known, q: &HashSet<String>) -> Option<u32> {
        let weight = |s: &String| self.idf.get(s).copied().unwrap_or(0.0);
        e.mark_stems
            .iter()
            .enumerate()
            .map(|(m, ms)| {
                (
                    q.iter()
                        .filter(|s| ms.contains(*s))
                        .map(weight)
                        .sum::<f32>(),
                    m,
                )
            })
            .filter(|(w, _)| *w > 0.0)
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
            .map(|(_, m)| e.marks[m].start)
    }

    /// The text that stands for an entry when linking it: its phrasings and keywords.
    pub fn entry_text(entry: &Entry) -> String {
        let mut t: Vec<&str> = entry.phrasings().collect();
        t.extend(entry.keywords.iter().map(String::as_str));
        t.join(" ")
    }
}

fn known(
    analyzer: &Analyzer,
    id: String,
    title: String,
    url: String,
    themes: Vec<String>,
    description: &str,
    marks: Vec<Mark>,
) -> Known {
    let mark_stems: Vec<HashSet<String>> = marks.iter().map(|m| stems(analyzer, &m.text)).collect();
    let mut all = stems(analyzer, &format!("{title}\n{description}"));
    for m in &mark_stems {
        all.extend(m.iter().cloned());
    }
    Known {
        id,
        title,
        url,
        themes,
        marks,
        stems: all,
        mark_stems,
    }
}

/// Content stems of a text: folded, stop words out, Snowball Swedish (the podcast is
/// Swedish; English questions reach episodes through the FAQ entry they match).
fn stems(analyzer: &Analyzer, text: &str) -> HashSet<String> {
    analyzer
        .words(text)
        .into_iter()
        .filter(|w| w.chars().count() > 2 && !analyzer.is_stop(w, Lang::Sv))
        .flat_map(|w| {
            // The engine's variants too: "sandning" meets "sandar", "gatan" meets "gata".
            let stem = analyzer.stem(&w, Lang::Sv);
            let mut all = analyzer.variants(&w, &stem);
            all.push(stem);
            all
        })
        .collect()
}

/// `url#t=M:SS`, the form SoundCloud's track pages take.
pub fn url_at(url: &str, at: Option<u32>) -> String {
    match at {
        Some(t) if t > 0 => format!("{url}#t={}:{:02}", t / 60, t % 60),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::Episode;

    fn synced(
        guid: &str,
        title: &str,
        link: &str,
        desc: &str,
        chapters: &[(u32, &str)],
    ) -> FeedEpisode {
        FeedEpisode {
            guid: guid.into(),
            title: title.into(),
            link: Some(link.into()),
            audio_url: None,
            published: None,
            duration: None,
            description: desc.into(),
            chapters: chapters
                .iter()
                .map(|(s, t)| Mark {
                    start: *s,
                    text: (*t).into(),
                })
                .collect(),
            transcript: vec![],
            chapters_url: None,
            transcript_urls: vec![],
        }
    }

    fn catalogue() -> Catalogue {
        let faq = Faq {
            episodes: vec![Episode {
                id: "avsnitt-3".into(),
                title: "Snöröjning – vem plogar vad?".into(),
                url: "https://soundcloud.com/k/snorojning".into(),
                published: None,
                themes: vec!["snorojning".into()],
                description:
                    "00:00 Välkommen\n04:30 Plogvallar vid infarten\n12:10 Sandning och halka"
                        .into(),
                line: None,
            }],
            ..Faq::default()
        };
        let feed = vec![
            // The same episode as the curated one (same page): merged, not doubled.
            synced(
                "tag:soundcloud,2010:tracks/1",
                "Snöröjning – vem plogar vad?",
                "https://soundcloud.com/k/snorojning",
                "Om snö.",
                &[],
            ),
            synced(
                "tag:soundcloud,2010:tracks/2",
                "Bygglov för nybörjare",
                "https://soundcloud.com/k/bygglov",
                "Vi reder ut bygglov, friggebodar och attefallshus.",
                &[
                    (0, "Intro"),
                    (300, "Friggebod utan bygglov"),
                    (900, "Attefallshus och anmälan"),
                ],
            ),
            synced(
                "tag:soundcloud,2010:tracks/3",
                "Livsmedel",
                "https://soundcloud.com/k/mat",
                "Registrera livsmedelsverksamhet hos kommunen.",
                &[],
            ),
        ];
        Catalogue::build(&faq, &feed)
    }

    #[test]
    fn curated_and_synced_episodes_with_the_same_url_are_one() {
        assert_eq!(catalogue().episodes().len(), 3);
    }

    #[test]
    fn questions_link_the_right_episode_at_the_right_minute() {
        let c = catalogue();
        // (question, theme, expected episode id, expected second)
        let table: &[(&str, Option<&str>, &str, Option<u32>)] = &[
            (
                "Vem tar bort plogvallen vid min infart?",
                Some("snorojning"),
                "avsnitt-3",
                Some(270),
            ),
            (
                "När sandar ni mot halka?",
                Some("snorojning"),
                "avsnitt-3",
                Some(730),
            ),
            (
                "Behöver jag bygglov för en friggebod?",
                None,
                "tag:soundcloud,2010:tracks/2",
                Some(300),
            ),
            (
                "Hur anmäler jag ett attefallshus?",
                None,
                "tag:soundcloud,2010:tracks/2",
                Some(900),
            ),
            (
                "Hur registrerar jag min livsmedelsverksamhet?",
                None,
                "tag:soundcloud,2010:tracks/3",
                None,
            ),
        ];
        for (q, theme, id, at) in table {
            let f = c
                .find(q, *theme)
                .unwrap_or_else(|| panic!("no episode for {q}"));
            assert_eq!((f.id.as_str(), f.at), (*id, *at), "{q}: {f:?}");
        }
    }

    #[test]
    fn an_episode_named_without_a_minute_gets_the_matching_segment() {
        let c = catalogue();
        assert_eq!(c.segment("avsnitt-3", "plogvallen vid infarten"), Some(270));
        assert_eq!(c.segment("avsnitt-3", "något helt annat"), None);
        assert_eq!(c.segment("finns-inte", "plogvallen"), None);
    }

    #[test]
    fn unrelated_questions_link_nothing() {
        let c = catalogue();
        for q in [
            "Var kan jag parkera bilen?",
            "hej",
            "",
            "När öppnar biblioteket?",
        ] {
            assert_eq!(c.find(q, None), None, "{q}");
        }
    }

    #[test]
    fn a_bare_question_needs_most_of_its_words_covered() {
        let c = catalogue();
        assert!(
            c.find_for_question("Vem tar bort plogvallen vid infarten?", Some("snorojning"))
                .is_some()
        );
        // Two known words in a long question about something else.
        let q = "Får jag ha en häst på tomten och bygga ett stall med plogvall och infart till kommunens ridhus?";
        assert_eq!(c.find_for_question(q, None), None);
    }

    #[test]
    fn urls_take_the_minute() {
        assert_eq!(url_at("https://s/t", Some(270)), "https://s/t#t=4:30");
        assert_eq!(url_at("https://s/t", Some(0)), "https://s/t");
        assert_eq!(url_at("https://s/t", None), "https://s/t");
    }
}
