//! Answer quality on the shared evaluation corpus (`../shared/eval`): the targets of the
//! answering core. The corpus is read, never copied, and no code special-cases its questions;
//! a held-out set in the same format measures the same figures.

use std::path::Path;

use kommunbot::answer::{AnswerMode, Engine, Glossary, Thresholds};
use kommunbot::eval;

/// The engine over the shared eval FAQ.
fn engine(mode: AnswerMode) -> Engine {
    let dir = Path::new("../shared/eval");
    assert!(
        dir.is_dir(),
        "../shared/eval is missing: the answer-quality tests need the shared evaluation corpus"
    );
    let faq = kommunbot::faq::load_strict(&dir.join("faq")).expect("eval faq loads");
    let mut engine = Engine::new(&faq, Glossary::base()).expect("engine builds");
    engine.thresholds = Thresholds::for_mode(mode);
    engine
}

/// Reads a JSONL file in the labelled format.
fn questions(path: &Path) -> Vec<eval::Labelled> {
    let text = std::fs::read_to_string(path).expect("questions");
    eval::parse_jsonl(&text).expect("questions parse")
}

/// Runs `questions` (a JSONL file in the labelled format) against the shared eval FAQ.
fn report(path: &Path, mode: AnswerMode) -> eval::Report {
    eval::run(&engine(mode), &questions(path))
}

/// Asserts a report's figures against floors (acc1, helpful) and ceilings (wrong,
/// false_answer), printing the whole report on failure.
fn assert_figures(name: &str, r: &eval::Report, n: usize, limits: (f64, f64, f64, f64)) {
    let (acc1, helpful, wrong, false_answer) = limits;
    let f = &r.figures;
    let summary = r.to_text(30);
    assert_eq!(f.n, n, "{name}\n{summary}");
    assert!(
        f.acc1 >= acc1,
        "{name}: acc1 {:.3} < {acc1}\n{summary}",
        f.acc1
    );
    assert!(
        f.helpful >= helpful,
        "{name}: helpful {:.3} < {helpful}\n{summary}",
        f.helpful
    );
    assert!(
        f.wrong <= wrong,
        "{name}: wrong {:.3} > {wrong}\n{summary}",
        f.wrong
    );
    assert!(
        f.false_answer <= false_answer,
        "{name}: false_answer {:.3} > {false_answer}\n{summary}",
        f.false_answer
    );
}

#[test]
fn dev_set_meets_the_answer_quality_targets() {
    let r = report(
        Path::new("../shared/eval/questions-dev.jsonl"),
        AnswerMode::Balanced,
    );
    assert_figures("dev", &r, 260, (ACC1, HELPFUL, WRONG, FALSE_ANSWER));
}

// The targets for helpful, wrong and false_answer, which the engine meets.
const HELPFUL: f64 = 0.97;
const WRONG: f64 = 0.05;
const FALSE_ANSWER: f64 = 0.05;
// acc1: the target is 0.90 and NOT yet met (0.853 measured in the seventh 2026-11-24
// session, after Swedish glossary phrases matched in any order with one word among them; see the
// note on the issue and the README). This floor only stops regressions; raise it as the
// engine improves. It went from 0.83 to 0.82 once, on 2026-11-24, when words spelt with
// other å/ä/ö stopped lending each other concepts ("tömt" the bin is no "tomt" the plot):
// one dev question had been answered through two such false friends cancelling out, while
// the right entry came into the top three for every answerable question (0.995 → 1.0).
const ACC1: f64 = 0.845;

/// Nine sets of questions written for the eval FAQ by nine writers who saw neither the dev
/// questions nor the engine (`tests/data/questions-written-{a..i}.jsonl`): phrasings
/// nothing was tuned on when written, and unanswerable questions chosen to sit close to an
/// entry. They measure
/// how far the dev figures carry to new writers (see the README); these floors only stop
/// regressions.
#[test]
fn independently_written_questions_hold_their_floors() {
    for (file, n, acc1, helpful, wrong, false_answer) in WRITTEN {
        let r = report(&Path::new("tests/data").join(file), AnswerMode::Balanced);
        assert_figures(file, &r, n, (acc1, helpful, wrong, false_answer));
    }
}

/// (file, questions, acc1 floor, helpful floor, wrong ceiling, false_answer ceiling).
const WRITTEN: [(&str, usize, f64, f64, f64, f64); 9] = [
    // Measured in the third 2026-11-24 session (a direct answer needs the entry's subject,
    // a glossary word's spelling weighs at most twice its concept, 500 everyday instances in
    // the glossary): acc1 0.707, helpful 0.893, wrong 0.020, false_answer 0.129; 0.114 in
    // the fourth (no direct answer leaves most named matters unexplained).
    ("questions-written-a.jsonl", 220, 0.70, 0.88, 0.03, 0.15),
    // Measured then: acc1 0.563, helpful 0.830, wrong 0.037, false_answer 0.123. In the sixth
    // session, time said relative to now as no matter: false_answer 0.138 ("plogbilen körde
    // sönder vår brevlåda i natt, får vi ersättning?" is now answered with road damages).
    ("questions-written-b.jsonl", 200, 0.55, 0.82, 0.05, 0.14),
    // Written at the end of the second 2026-11-24 session, used only in aggregate since: acc1
    // 0.437, helpful 0.867, wrong 0.044, false_answer 0.123 in the third session; 0.444,
    // 0.859, 0.052, 0.123 in the fourth (time words as stop words: "spolar idag" is now
    // answered with the boil-water notice, which is one wrong answer more).
    ("questions-written-c.jsonl", 200, 0.44, 0.85, 0.06, 0.13),
    // A fourth writer, at the end of the third 2026-11-24 session, measured once in
    // aggregate: acc1 0.797, helpful 0.986, wrong 0.007, false_answer 0.193 (the binary from
    // before that session: 0.797, 0.951, 0.042, 0.211).
    ("questions-written-d.jsonl", 200, 0.79, 0.98, 0.02, 0.20),
    // A fifth writer (a mixed Discord crowd: fragments, missing å/ä/ö, a tenth in English),
    // at the start of the fourth 2026-11-24 session, measured in aggregate only: acc1 0.714,
    // helpful 0.900, wrong 0.043, false_answer 0.117, at the start and at the end of it. In
    // the fifth, lower bars for English questions to Swedish-only entries: acc1 0.721,
    // false_answer 0.133 (one English question no entry answers is now answered).
    ("questions-written-e.jsonl", 200, 0.72, 0.89, 0.05, 0.14),
    // A sixth writer (residents of all ages, ~10% English), written in the fifth session and
    // measured once in aggregate, with the session's final binary: acc1 0.764, helpful 0.943,
    // wrong 0.021, false_answer 0.100 (the binary from before the session: 0.757, 0.943,
    // 0.021, 0.100).
    ("questions-written-f.jsonl", 200, 0.76, 0.94, 0.03, 0.11),
    // A seventh writer (newcomers writing simple Swedish, parents, business owners,
    // pensioners, teenagers; ~10% English), written at the start of the sixth 2026-11-24
    // session and measured in aggregate only: acc1 0.750, helpful 0.950, wrong 0.029,
    // false_answer 0.183, with the binaries from before and after that session's idioms.
    ("questions-written-g.jsonl", 200, 0.74, 0.94, 0.04, 0.19),
    // An eighth writer (hurried phone typing: fragments, slang, missing å/ä/ö, run-on
    // stories, a few formal letters and angry complaints; ~10% English), written at the
    // start of the seventh 2026-11-24 session and measured in aggregate only: acc1 0.843,
    // helpful 0.986, wrong 0.007, false_answer 0.150.
    ("questions-written-h.jsonl", 200, 0.83, 0.98, 0.02, 0.16),
    // A ninth writer, only long messages (seven words or more that the matcher reads:
    // stories, formal letters, ~10% English), four in ten answerable, the rest beside an
    // entry or about matters neither FAQ covers; written in the eleventh session (2026-11-25)
    // to review a rule for long stories, which it rejected. Measured then: acc1 0.849,
    // helpful 0.953, wrong 0.019, false_answer 0.071.
    ("questions-written-i.jsonl", 260, 0.84, 0.95, 0.02, 0.08),
];

/// The cautious answer mode answers fewer questions no entry answers and gives fewer wrong
/// answers than the balanced one on every set, and keeps both under 0.05 on the sets its
/// thresholds were chosen with (dev and written A; B checked it). On set C, written after
/// the choice, its false_answer is 0.077, 0.105 on set D, 0.100 on set E, 0.033 on F and
/// 0.083 on G and 0.067 on H: the promise is relative there (see the README).
#[test]
fn the_cautious_mode_answers_fewer_false_and_wrong() {
    let sets = [
        ("../shared/eval/questions-dev.jsonl", 260, true),
        ("tests/data/questions-written-a.jsonl", 220, true),
        ("tests/data/questions-written-b.jsonl", 200, true),
        ("tests/data/questions-written-c.jsonl", 200, false),
        ("tests/data/questions-written-d.jsonl", 200, false),
        ("tests/data/questions-written-e.jsonl", 200, false),
        ("tests/data/questions-written-f.jsonl", 200, false),
        ("tests/data/questions-written-g.jsonl", 200, false),
        ("tests/data/questions-written-h.jsonl", 200, false),
        ("tests/data/questions-written-i.jsonl", 260, false),
    ];
    for (set, n, chosen_on) in sets {
        let cautious = report(Path::new(set), AnswerMode::Cautious);
        let balanced = report(Path::new(set), AnswerMode::Balanced).figures;
        if chosen_on {
            assert_figures(set, &cautious, n, (0.0, 0.0, WRONG, FALSE_ANSWER));
        }
        let cautious = cautious.figures;
        assert!(cautious.false_answer <= balanced.false_answer, "{set}");
        assert!(cautious.wrong <= balanced.wrong, "{set}");
        assert!(cautious.helpful >= balanced.helpful, "{set}");
    }
}

/// Many write in chat without å, ä and ö ("nar plogas gatan"). Typed so, the questions of
/// dev and of every written set are answered as well as typed with them: within 0.02 on
/// acc1 and 0.01 on helpful and wrong, 0.02 on false_answer (measured in the fifth
/// 2026-11-24 session: acc1 equal on dev and A–E, 0.007 lower on F; one false answer more on
/// B). Before a reading needing lost å/ä/ö stopped setting a word's weight, dev lost two
/// right answers. Since 2026-11-25 a plain word of a writer who types å, ä and ö elsewhere
/// is read as plain ("lacken" is no "läcka"), which a writer without them cannot tell us:
/// typed with them, G and H gained two right answers each (0.786 and 0.864) that typed
/// without them keep the earlier figures (0.771 and 0.850).
#[test]
fn questions_typed_without_swedish_letters_are_answered_as_well() {
    let engine = engine(AnswerMode::Balanced);
    let sets = [
        "../shared/eval/questions-dev.jsonl",
        "tests/data/questions-written-a.jsonl",
        "tests/data/questions-written-b.jsonl",
        "tests/data/questions-written-c.jsonl",
        "tests/data/questions-written-d.jsonl",
        "tests/data/questions-written-e.jsonl",
        "tests/data/questions-written-f.jsonl",
        "tests/data/questions-written-g.jsonl",
        "tests/data/questions-written-h.jsonl",
        "tests/data/questions-written-i.jsonl",
    ];
    for set in sets {
        let written = questions(Path::new(set));
        let plain: Vec<eval::Labelled> = written
            .iter()
            .cloned()
            .map(|mut l| {
                l.q =
                    l.q.chars()
                        .map(|c| match c {
                            'å' | 'ä' => 'a',
                            'Å' | 'Ä' => 'A',
                            'ö' => 'o',
                            'Ö' => 'O',
                            c => c,
                        })
                        .collect();
                l
            })
            .collect();
        let w = eval::run(&engine, &written).figures;
        let p = eval::run(&engine, &plain).figures;
        assert!(
            p.acc1 >= w.acc1 - 0.02,
            "{set}: acc1 {:.3} → {:.3}",
            w.acc1,
            p.acc1
        );
        assert!(
            p.helpful >= w.helpful - 0.01,
            "{set}: helpful {:.3} → {:.3}",
            w.helpful,
            p.helpful
        );
        assert!(
            p.wrong <= w.wrong + 0.01,
            "{set}: wrong {:.3} → {:.3}",
            w.wrong,
            p.wrong
        );
        assert!(
            p.false_answer <= w.false_answer + 0.02,
            "{set}: false_answer {:.3} → {:.3}",
            w.false_answer,
            p.false_answer
        );
    }
}
