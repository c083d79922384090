//! Answer quality on the shared evaluation corpus (`../shared/eval`): the targets of the
//! answering core. The corpus is read, never copied, and no code special-cases its questions;
//! a held-out set in the same format measures the same figures.

use std::path::Path;

use kommunbot::answer::{Engine, Glossary};
use kommunbot::eval;

fn report() -> eval::Report {
    let dir = Path::new("../shared/eval");
    assert!(
        dir.is_dir(),
        "../shared/eval is missing: the answer-quality tests need the shared evaluation corpus"
    );
    let faq = kommunbot::faq::load_strict(&dir.join("faq")).expect("eval faq loads");
    let engine = Engine::new(&faq, Glossary::base()).expect("engine builds");
    let text = std::fs::read_to_string(dir.join("questions-dev.jsonl")).expect("questions");
    let questions = eval::parse_jsonl(&text).expect("questions parse");
    eval::run(&engine, &questions)
}

#[test]
fn dev_set_meets_the_answer_quality_targets() {
    let r = report();
    let f = r.figures;
    let summary = r.to_text(30);
    assert_eq!(f.n, 260, "{summary}");
    assert!(f.acc1 >= ACC1, "acc1 {:.3} < {ACC1}\n{summary}", f.acc1);
    assert!(
        f.helpful >= HELPFUL,
        "helpful {:.3} < {HELPFUL}\n{summary}",
        f.helpful
    );
    assert!(
        f.wrong <= WRONG,
        "wrong {:.3} > {WRONG}\n{summary}",
        f.wrong
    );
    assert!(
        f.false_answer <= FALSE_ANSWER,
        "false_answer {:.3} > {FALSE_ANSWER}\n{summary}",
        f.false_answer
    );
}

// The targets for helpful, wrong and false_answer, which the engine meets.
const HELPFUL: f64 = 0.97;
const WRONG: f64 = 0.05;
const FALSE_ANSWER: f64 = 0.05;
// acc1: the target is 0.90 and NOT yet met (0.826 measured on 2026-11-24, see the
// note on the issue and the README). This floor only stops regressions; raise it as the
// engine improves. It went from 0.83 to 0.82 once, on 2026-11-24, when words spelt with
// other å/ä/ö stopped lending each other concepts ("tömt" the bin is no "tomt" the plot):
// one dev question had been answered through two such false friends cancelling out, while
// the right entry came into the top three for every answerable question (0.995 → 1.0).
const ACC1: f64 = 0.82;
