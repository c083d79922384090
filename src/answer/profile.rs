//! Questions as weighted terms for comparing questions with each other (candidate topics),
//! not with entries. Lives in the engine so both sides use the very same analysis.

use super::Engine;

/// The weight of a compound's known last part against the whole word.
const TAIL: f32 = 0.6;
use super::lexicon::Via;

/// One content word of a question: the terms it may match by, each with a weight that
/// says how much the term tells about the matter (term weight × how rare it is in the FAQ).
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileWord {
    pub text: String,
    pub terms: Vec<(String, f32)>,
}

impl Engine {
    /// The content words of `text` with their terms; question words ("när", "hur") and
    /// stop words are left out, since they say how a matter is asked about, not which.
    pub fn profile(&self, text: &str) -> Vec<ProfileWord> {
        let (lang, mut words) = self.lexicon.analyze(text, None, true);
        // A compound nobody in the FAQ uses, with an unknown first part, still says what it
        // is by its last part ("temalekplats" is a "lekplats"): add that part, weaker.
        for w in &mut words {
            let plain = w.terms.len() == 1 && matches!(w.terms[0].via, Via::Stem);
            if lang != super::Lang::Sv || !plain || self.terms.contains_key(&w.terms[0].key) {
                continue;
            }
            if let Some(tail) = self.lexicon.known_tail(&w.text) {
                let (_, parts) = self.lexicon.analyze(tail, Some(super::Lang::Sv), false);
                for t in parts.into_iter().flat_map(|p| p.terms) {
                    w.terms.push(super::lexicon::Term {
                        weight: t.weight * TAIL,
                        ..t
                    });
                }
            }
        }
        // Words are matched folded ("bocker"); staff read them as the asker wrote them
        // ("böcker") where the question has that very word.
        let a = &self.lexicon.analyzer;
        let written: rustc_hash::FxHashMap<String, String> = a
            .words(text)
            .into_iter()
            .zip(a.marked_words(text))
            .collect();
        words
            .into_iter()
            .filter(|w| !w.is_intent() && !w.terms.is_empty())
            .map(|w| {
                let terms = w
                    .terms
                    .iter()
                    .map(|t| {
                        // Words the FAQ never uses are as telling as its rarest ones: an
                        // unanswered matter is usually exactly what the FAQ does not say.
                        let idf = self.idf_of(&t.key).unwrap_or(self.oov_idf);
                        let via = match t.via {
                            // A typo repaired towards an FAQ word is a guess; keep it weaker.
                            Via::Fuzzy(_) => 0.7,
                            _ => 1.0,
                        };
                        (t.key.clone(), t.weight * idf * via)
                    })
                    .collect();
                ProfileWord {
                    text: written.get(&w.text).cloned().unwrap_or(w.text),
                    terms,
                }
            })
            .collect()
    }
}

/// So code that holds an engine inside something bigger (the service's live FAQ) and code
/// that holds just an engine can both hand it to the same function.
impl AsRef<Engine> for Engine {
    fn as_ref(&self) -> &Engine {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_shown_as_the_asker_wrote_them() {
        let (faq, diags) = crate::faq::load(std::path::Path::new("faq"));
        assert!(diags.is_empty(), "{diags:?}");
        let engine = Engine::new(&faq, crate::answer::Glossary::base()).unwrap();
        let words: Vec<String> = engine
            .profile("Hur länge får jag låna böckerna?")
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert!(words.contains(&"böckerna".to_owned()), "{words:?}");
        assert!(!words.iter().any(|w| w == "bockerna"), "{words:?}");
    }
}
