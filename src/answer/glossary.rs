//! The glossary: groups of words that mean the same municipal matter, in Swedish and English.
//!
//! It is data a guide reads and extends (`glossary/base.toml`, built into the binary, plus an
//! optional `_glossary.toml` in a FAQ folder for local words). Matching maps every word or
//! phrase of a group to one *concept*, on both the FAQ side and the question side, so
//! "tippen" meets "återvinningscentral" and "pothole" meets "potthål".

use serde::Deserialize;

/// The glossary shipped with the binary.
pub const BASE: &str = include_str!("../../glossary/base.toml");

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Glossary {
    #[serde(default, rename = "group")]
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    #[serde(default)]
    pub sv: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
    /// Terms whose small words carry the meaning ("fylla ut", "logga in"), matched as
    /// written, word for word. Elsewhere a term's stop words are dropped and it counts as its
    /// one remaining word, which suits "lov att" (any "lov") but would make every "fylla"
    /// marklov.
    #[serde(default)]
    pub sv_exact: Vec<String>,
    #[serde(default)]
    pub en_exact: Vec<String>,
}

/// An exact term as the matcher reads it: one content word among small words.
#[derive(Debug, Clone)]
pub(super) struct ExactShape {
    /// The term's words, folded.
    pub words: Vec<String>,
    /// Where its first small word is among them (the key it is found by).
    pub key_at: usize,
    /// Where its content word is, and that word's stem.
    pub content_at: usize,
    pub stem: String,
}

/// `term` read as an exact term, or `None` when it is not one content word among small
/// words ("höja marken" has two; "marklov" has no small word to be found by).
pub(super) fn exact_shape(
    a: &super::text::Analyzer,
    term: &str,
    lang: super::text::Lang,
) -> Option<ExactShape> {
    let words = a.words(term);
    let small = words.iter().filter(|w| a.is_stop(w, lang)).count();
    let stems = a.content_stems(term, lang);
    let ([stem], true) = (&stems[..], small >= 1 && words.len() == small + 1) else {
        return None;
    };
    Some(ExactShape {
        key_at: words.iter().position(|w| a.is_stop(w, lang))?,
        content_at: words.iter().position(|w| !a.is_stop(w, lang))?,
        stem: stem.clone(),
        words,
    })
}

#[derive(Debug, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct GlossaryError {
    pub origin: String,
    pub line: usize,
    pub message: String,
}

impl Glossary {
    /// Parses a glossary file; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Self, GlossaryError> {
        let glossary: Self = toml::from_str(text).map_err(|e| GlossaryError {
            origin: origin.to_owned(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1),
            // One problem, one line, as every diagnostic, in the guides' Swedish.
            message: crate::faq::toml_message(e.message()),
        })?;
        glossary.check_exact(origin, text)?;
        Ok(glossary)
    }

    /// An exact term must be one content word among small words ("fylla ut"): the matcher
    /// finds it by a small word, so another shape would never match.
    fn check_exact(&self, origin: &str, text: &str) -> Result<(), GlossaryError> {
        use super::text::{Analyzer, Lang};
        let exact = self.groups.iter().flat_map(|g| {
            g.sv_exact
                .iter()
                .map(|t| (Lang::Sv, t))
                .chain(g.en_exact.iter().map(|t| (Lang::En, t)))
        });
        let mut analyzer = None;
        for (lang, term) in exact {
            let a = analyzer.get_or_insert_with(Analyzer::default);
            if exact_shape(a, term, lang).is_some() {
                continue;
            }
            let quoted = format!("\"{term}\"");
            let line = text
                .find(&quoted)
                .map_or(1, |at| text[..at].matches('\n').count() + 1);
            return Err(GlossaryError {
                origin: origin.to_owned(),
                line,
                message: format!(
                    "det exakta uttrycket {quoted} ska vara ett innehållsord med småord, som \"fylla ut\"; lägg det i `sv` eller `en` i stället"
                ),
            });
        }
        Ok(())
    }

    /// The built-in glossary. It is checked by a unit test, so this cannot fail at run time.
    pub fn base() -> Self {
        Self::parse("glossary/base.toml", BASE).unwrap_or_default()
    }

    /// Adds the groups of `other` (a local glossary over the shared one).
    pub fn extend(&mut self, other: Glossary) {
        self.groups.extend(other.groups);
    }

    /// A readable name for a group: its first Swedish term.
    pub fn label(&self, group: usize) -> &str {
        self.groups
            .get(group)
            .and_then(|g| g.sv.first().or(g.en.first()))
            .map(String::as_str)
            .unwrap_or("?")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_glossary_parses_and_is_broad() {
        let g = Glossary::parse("glossary/base.toml", BASE).expect("base glossary parses");
        assert!(g.groups.len() >= 200, "{} groups", g.groups.len());
        let sv: usize = g.groups.iter().map(|g| g.sv.len()).sum();
        let en: usize = g.groups.iter().map(|g| g.en.len()).sum();
        assert!(sv >= 1000, "{sv} Swedish terms");
        assert!(en >= 1000, "{en} English terms");
        // Exact terms are checked by `parse` (see `check_exact`).
        assert!(g.groups.iter().any(|g| !g.sv_exact.is_empty()));
    }

    /// The file's own rule: a word stands in one group, or it would carry two matters.
    /// A word or phrase in two groups would signal both matters. Phrases count as the
    /// matcher reads them, their content words stemmed: "care at home" is "care home" to it,
    /// and "resident permit" is "residence permit".
    #[test]
    fn a_word_stands_in_one_group_only() {
        use crate::answer::text::{Analyzer, Lang};
        let g = Glossary::base();
        let analyzer = Analyzer::default();
        let mut seen = std::collections::HashMap::new();
        for (i, group) in g.groups.iter().enumerate() {
            let terms = group
                .sv
                .iter()
                .chain(&group.sv_exact)
                .map(|t| (Lang::Sv, t))
                .chain(
                    group
                        .en
                        .iter()
                        .chain(&group.en_exact)
                        .map(|t| (Lang::En, t)),
                );
            for (lang, term) in terms {
                let stems = analyzer.content_stems(term, lang);
                // One word: as written (stems of single words may meet by design, as
                // "plogat" and "plog" do, and the matcher tells å/ä/ö apart).
                let key = if stems.len() > 1 {
                    stems
                } else {
                    vec![term.to_lowercase()]
                };
                if let Some((first, other)) = seen.insert((lang, key), (i, term)) {
                    assert_eq!(
                        first,
                        i,
                        "{lang:?} {other:?} ({}) and {term:?} ({}) are one to the matcher",
                        g.label(first),
                        g.label(i)
                    );
                }
            }
        }
    }

    #[test]
    fn an_exact_term_of_another_shape_is_refused_with_its_line() {
        let e = Glossary::parse(
            "x.toml",
            "[[group]]\nsv = [\"marklov\"]\nsv_exact = [\"höja marken\"]\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.to_string().contains("\"höja marken\""), "{e}");
        assert!(Glossary::parse("x.toml", "[[group]]\nsv_exact = [\"fylla ut\"]\n").is_ok());
    }

    #[test]
    fn errors_name_the_line() {
        let e = Glossary::parse("x.toml", "[[group]]\nsv = [\"a\"]\nsw = [\"b\"]\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(
            e.to_string().starts_with("x.toml:3: okänd nyckel `sw`"),
            "{e}"
        );
        let e = Glossary::parse("x.toml", "[[group]]\nsv = [\"a\"\n").unwrap_err();
        assert!(!e.to_string().contains('\n'), "one line: {e}");
    }
}
