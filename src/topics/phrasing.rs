//! Phrasing suggestions: how citizens actually ask for an entry, proposed as alternates.
//!
//! Evidence is a question whose asker picked the entry under "Menade du…?", or that was
//! answered with the entry at low confidence and marked helpful. The same phrasing (folded)
//! for the same entry is one suggestion with a count. Pure: evidence and FAQ in, a list out.

use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use crate::faq::{Faq, phrasing_key, short_hash};
use crate::store::PhrasingEvidence;

/// Answers below this confidence that were marked helpful teach the FAQ a phrasing; above
/// it the entry already knows the wording well enough.
pub const LOW_CONFIDENCE: f64 = 0.6;
/// Longer messages are stories, not phrasings worth keeping in a FAQ file.
const MAX_CHARS: usize = 120;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suggestion {
    /// Stable: a hash of the entry id and the folded phrasing.
    pub id: String,
    pub entry: String,
    pub phrasing: String,
    /// Times citizens asked it this way; `chosen` of them by a "Menade du…?" pick.
    pub count: usize,
    pub chosen: usize,
    pub last_seen: i64,
}

impl Suggestion {
    /// What the audit trail keeps of a decision on it: an accepted wording (the FAQ holds it
    /// now anyway), or only the id of a rejected one, as the stored decision does.
    pub fn audit_detail(&self, accepted: bool) -> &str {
        if accepted { &self.phrasing } else { &self.id }
    }
}

pub fn suggestion_id(entry: &str, phrasing: &str) -> String {
    short_hash(&format!("{entry}\n{}", phrasing_key(phrasing)))
}

/// Open suggestions, most asked first. Left out: phrasings with redacted personal data
/// (a placeholder does not belong in an FAQ file), stories, entries that no longer exist,
/// phrasings the entry already has, and those staff already accepted or rejected.
pub fn suggestions(
    evidence: &[PhrasingEvidence],
    faq: &Faq,
    engine: &crate::answer::Engine,
    decided: &[(String, String)],
) -> Vec<Suggestion> {
    let mut by_id: HashMap<String, Suggestion> = HashMap::default();
    for e in evidence {
        let text = e.text.split_whitespace().collect::<Vec<_>>().join(" ");
        let k = phrasing_key(&text);
        if e.redactions > 0 || k.is_empty() || text.chars().count() > MAX_CHARS {
            continue;
        }
        let Some(entry) = faq.entry(&e.entry_id) else {
            continue;
        };
        if entry.phrasings().any(|p| phrasing_key(p) == k) {
            continue;
        }
        let id = suggestion_id(&e.entry_id, &text);
        if decided.iter().any(|(d, _)| *d == id) {
            continue;
        }
        // Only an entry the engine connects to the wording at all: "Menade du…?" offers the
        // best candidates, so a pick of anything else did not come from that list (a
        // hand-made feedback request, an entry since rewritten). Asked once per suggestion.
        if !by_id.contains_key(&id)
            && !engine
                .explain(&text)
                .candidates
                .iter()
                .any(|c| c.entry.as_str() == e.entry_id)
        {
            continue;
        }
        let s = by_id.entry(id.clone()).or_insert_with(|| Suggestion {
            id,
            entry: e.entry_id.clone(),
            phrasing: text.clone(),
            count: 0,
            chosen: 0,
            last_seen: 0,
        });
        s.count += 1;
        s.chosen += usize::from(e.kind == "chosen");
        if e.asked_at >= s.last_seen {
            s.last_seen = e.asked_at;
        }
    }
    let mut out: Vec<Suggestion> = by_id.into_values().collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_seen.cmp(&a.last_seen))
            .then(a.id.cmp(&b.id))
    });
    out
}

/// The change that adds `s` to its entry's alternates, as a staff edit would make it.
pub fn accept_edit(faq: &Faq, s: &Suggestion) -> Option<crate::faq::edit::Edit> {
    let e = faq.entry(&s.entry)?;
    let mut alternates = e.alternates.clone();
    let mut alternates_en = e.alternates_en.clone();
    // The matcher reads `alternates` as Swedish: an English wording goes where English is.
    if crate::answer::is_english(&s.phrasing) {
        alternates_en.push(s.phrasing.clone());
    } else {
        alternates.push(s.phrasing.clone());
    }
    Some(crate::faq::edit::Edit::Update {
        id: s.entry.clone(),
        draft: crate::faq::edit::EntryDraft {
            theme: e.theme.as_str().to_owned(),
            question: e.question.clone(),
            alternates,
            alternates_en: Some(alternates_en),
            answer: e.answer.clone(),
            draft: e.draft,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(entry: &str, text: &str, kind: &str, at: i64) -> PhrasingEvidence {
        PhrasingEvidence {
            entry_id: entry.into(),
            text: text.into(),
            redactions: 0,
            asked_at: at,
            kind: kind.into(),
        }
    }

    #[test]
    fn the_same_phrasing_counts_once_per_entry_and_known_ones_are_left_out() {
        let (faq, diags) = crate::faq::load(std::path::Path::new("faq"));
        assert!(diags.is_empty(), "{diags:?}");
        let known = faq.entry("snorojning/nar-plogas-min-gata").unwrap();
        let evidence = vec![
            ev(
                "snorojning/nar-plogas-min-gata",
                "plogar ni min väg snart?",
                "chosen",
                1,
            ),
            ev(
                "snorojning/nar-plogas-min-gata",
                "Plogar ni  min VÄG snart",
                "helpful",
                5,
            ),
            ev(
                "snorojning/nar-plogas-min-gata",
                &known.question,
                "chosen",
                2,
            ),
            ev("nope/missing", "plogar ni min väg snart?", "chosen", 3),
            // Never among the choices for that wording: not a phrasing of it.
            ev(
                "bygglov/friggebod",
                "hundbajs på gångvägen, vem städar?",
                "chosen",
                6,
            ),
            PhrasingEvidence {
                redactions: 1,
                ..ev(
                    "snorojning/nar-plogas-min-gata",
                    "ring [telefon]",
                    "chosen",
                    4,
                )
            },
        ];
        let engine = crate::answer::Engine::new(&faq, crate::answer::Glossary::base()).unwrap();
        let s = suggestions(&evidence, &faq, &engine, &[]);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].count, 2);
        assert_eq!(s[0].chosen, 1);
        assert_eq!(s[0].last_seen, 5);
        assert_eq!(s[0].phrasing, "plogar ni min väg snart?");
        // A decision hides it for good.
        let decided = vec![(s[0].id.clone(), "rejected".to_owned())];
        assert!(suggestions(&evidence, &faq, &engine, &decided).is_empty());
    }
}
