//! Answer quality: runs labelled questions through the engine and counts what happened.
//!
//! The input is the JSONL format of `../shared/eval/questions-*.jsonl`:
//! `{"q": "...", "expect": "<theme>/<slug>" | null, "theme": "<theme>" | null}`.
//! The figures are defined in the README (`acc1`, `helpful`, `wrong`, `abstain` over
//! answerable questions; `false_answer` over the rest).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::answer::{Engine, Outcome};

#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub q: String,
    pub expect: Option<String>,
    pub theme: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Parses JSONL; blank lines are skipped, any other bad line is an error naming its line.
pub fn parse_jsonl(text: &str) -> Result<Vec<Labelled>, ParseError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| ParseError {
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

/// The headline figures, fractions 0–1. Serialised exactly as `eval --json` prints them.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Figures {
    pub acc1: f64,
    pub helpful: f64,
    pub wrong: f64,
    pub abstain: f64,
    pub false_answer: f64,
    pub n: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ThemeRow {
    pub answerable: usize,
    pub acc1: usize,
    pub helpful: usize,
    pub wrong: usize,
    pub unanswerable: usize,
    pub false_answer: usize,
}

/// A question the engine got wrong, for the "worst misses" list.
#[derive(Debug, Clone)]
pub struct Miss {
    pub question: String,
    pub expect: Option<String>,
    pub got: String,
    pub score: f32,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub figures: Figures,
    pub themes: BTreeMap<String, ThemeRow>,
    /// Wrong direct answers and false answers first (the harmful ones), then unhelpful ones.
    pub misses: Vec<Miss>,
    /// Ranking alone, before the decision: the expected entry ranked first / in the top 3.
    pub rank1: f64,
    pub top3: f64,
}

pub fn run(engine: &Engine, questions: &[Labelled]) -> Report {
    let mut r = Report::default();
    let (mut answerable, mut acc1, mut helpful, mut wrong, mut abstain) = (0, 0, 0, 0, 0);
    let (mut unanswerable, mut false_answer) = (0, 0);
    let (mut rank1, mut top3) = (0, 0);
    for q in questions {
        let ex = engine.explain(&q.q);
        let top = ex.candidates.first().map(|c| c.score).unwrap_or(0.0);
        let theme_key = q
            .theme
            .clone()
            .or_else(|| {
                q.expect
                    .as_ref()
                    .map(|e| e.split('/').next().unwrap_or("").to_owned())
            })
            .unwrap_or_else(|| "(inget tema)".into());
        let row = r.themes.entry(theme_key).or_default();
        let got = describe(&ex.outcome);
        match &q.expect {
            Some(expect) => {
                answerable += 1;
                row.answerable += 1;
                let pos = ex
                    .candidates
                    .iter()
                    .position(|c| c.entry.as_str() == expect);
                rank1 += usize::from(pos == Some(0));
                top3 += usize::from(pos.is_some_and(|p| p < 3));
                let (hit, help, harm) = match &ex.outcome {
                    Outcome::Answer { entry, .. } => {
                        let ok = entry.as_str() == expect;
                        (ok, ok, !ok)
                    }
                    Outcome::Suggest { entries } => (
                        false,
                        entries.iter().any(|(e, _)| e.as_str() == expect),
                        false,
                    ),
                    Outcome::NoAnswer { .. } => {
                        abstain += 1;
                        (false, false, false)
                    }
                };
                acc1 += usize::from(hit);
                helpful += usize::from(help);
                wrong += usize::from(harm);
                row.acc1 += usize::from(hit);
                row.helpful += usize::from(help);
                row.wrong += usize::from(harm);
                if !hit {
                    r.misses.push(Miss {
                        question: q.q.clone(),
                        expect: Some(expect.clone()),
                        got,
                        score: if harm {
                            2.0 + top
                        } else if help {
                            top
                        } else {
                            1.0 + top
                        },
                    });
                }
            }
            None => {
                unanswerable += 1;
                row.unanswerable += 1;
                if let Outcome::Answer { .. } = ex.outcome {
                    false_answer += 1;
                    row.false_answer += 1;
                    r.misses.push(Miss {
                        question: q.q.clone(),
                        expect: None,
                        got,
                        score: 2.0 + top,
                    });
                }
            }
        }
    }
    let frac = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    r.figures = Figures {
        acc1: frac(acc1, answerable),
        helpful: frac(helpful, answerable),
        wrong: frac(wrong, answerable),
        abstain: frac(abstain, answerable),
        false_answer: frac(false_answer, unanswerable),
        n: questions.len(),
    };
    r.rank1 = frac(rank1, answerable);
    r.top3 = frac(top3, answerable);
    r.misses.sort_by(|a, b| b.score.total_cmp(&a.score));
    r
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Answer { entry, confidence } => format!("svar {entry} ({confidence:.2})"),
        Outcome::Suggest { entries } => format!(
            "menade du: {}",
            entries
                .iter()
                .map(|(e, s)| format!("{e} ({s:.2})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Outcome::NoAnswer { theme, .. } => format!(
            "inget svar (tema: {})",
            theme.as_ref().map(|t| t.as_str()).unwrap_or("-")
        ),
    }
}

impl Report {
    /// The human-readable report `eval` prints.
    pub fn to_text(&self, misses: usize) -> String {
        let f = &self.figures;
        let mut out = format!(
            "questions: {}\nacc1:         {:.3}\nhelpful:      {:.3}\nwrong:        {:.3}\nabstain:      {:.3}\nfalse_answer: {:.3}\n(ranking alone: first {:.3}, top 3 {:.3})\n\n",
            f.n, f.acc1, f.helpful, f.wrong, f.abstain, f.false_answer, self.rank1, self.top3
        );
        out.push_str(&format!(
            "{:<20} {:>5} {:>6} {:>8} {:>6} {:>6} {:>9}\n",
            "theme", "n", "acc1", "helpful", "wrong", "none", "false_ans"
        ));
        for (theme, row) in &self.themes {
            let pct = |a: usize, b: usize| {
                if b == 0 {
                    "-".to_string()
                } else {
                    format!("{:.2}", a as f64 / b as f64)
                }
            };
            out.push_str(&format!(
                "{:<20} {:>5} {:>6} {:>8} {:>6} {:>6} {:>9}\n",
                theme,
                row.answerable,
                pct(row.acc1, row.answerable),
                pct(row.helpful, row.answerable),
                row.wrong,
                row.unanswerable,
                row.false_answer
            ));
        }
        if !self.misses.is_empty() {
            out.push_str(&format!(
                "\nworst misses ({} of {}):\n",
                misses.min(self.misses.len()),
                self.misses.len()
            ));
            for m in self.misses.iter().take(misses) {
                out.push_str(&format!(
                    "- \"{}\"\n    expected {}; got {}\n",
                    m.question,
                    m.expect.as_deref().unwrap_or("no answer"),
                    m.got
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_errors_name_the_line() {
        let ok = parse_jsonl("{\"q\": \"a\", \"expect\": null, \"theme\": null}\n\n").unwrap();
        assert_eq!(ok.len(), 1);
        let err = parse_jsonl("{\"q\": \"a\", \"expect\": null}\n{nope\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn figures_serialise_with_exactly_the_documented_keys() {
        let v = serde_json::to_value(Figures::default()).unwrap();
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["abstain", "acc1", "false_answer", "helpful", "n", "wrong"]
        );
    }
}
