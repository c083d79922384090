//! Candidate topics end to end through the real binary and a real SQLite file: questions
//! logged by `ask`, grouped by `topics`, marked, drafted; grouping quality on the dev file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Env {
    data: tempfile::TempDir,
    faq: tempfile::TempDir,
}

impl Env {
    /// A throwaway data folder and a copy of the bundled FAQ (drafts are written into it).
    fn new() -> Self {
        let faq = tempfile::tempdir().unwrap();
        copy_dir(Path::new("faq"), faq.path());
        Self {
            data: tempfile::tempdir().unwrap(),
            faq,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kommunbot"))
            .args(args)
            .env_remove("RUST_LOG")
            .env_remove("DATABASE_URL")
            .env("KOMMUNBOT_FAQ", self.faq.path())
            .env("KOMMUNBOT_DATA", self.data.path())
            .output()
            .expect("the binary runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn ask(&self, questions: &[&str]) {
        for q in questions {
            self.ok(&["ask", q]);
        }
    }

    fn report(&self, extra: &[&str]) -> Value {
        let mut args = vec!["topics", "--format", "json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&self.ok(&args)).unwrap()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target: PathBuf = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The open topic whose examples include `needle`.
fn topic_with<'a>(report: &'a Value, needle: &str) -> &'a Value {
    report["open"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["examples"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e.as_str().unwrap().contains(needle))
        })
        .unwrap_or_else(|| panic!("no open topic with {needle:?} in {report:#}"))
}

const HENS: &[&str] = &[
    "får man ha höns i trädgården i ett villaområde",
    "hur många hönor får jag ha på tomten?",
    "can I keep chickens in my garden?",
    "tupp i villaområde, är det tillåtet",
];
const FIREWORKS: &[&str] = &[
    "får man skjuta fyrverkerier på nyårsafton",
    "raketer tillstånd",
    "när får man smälla smällare och raketer",
];
const ALLOTMENTS: &[&str] = &[
    "hej, jag heter Sara Ali och vill ha en odlingslott, ring 070-174 06 05",
    "finns det kolonilotter att hyra?",
];

#[test]
fn questions_become_ranked_topics_with_stable_ids_status_and_drafts() {
    let env = Env::new();
    env.ask(HENS);
    env.ask(FIREWORKS);
    env.ask(ALLOTMENTS);
    // Answered: never a candidate topic.
    env.ask(&["När plogas min gata?"]);

    let r = env.report(&[]);
    let hens = topic_with(&r, "chickens");
    let fireworks = topic_with(&r, "raketer");
    let allot = topic_with(&r, "kolonilotter");
    assert_eq!(hens["size"], 4, "{r:#}");
    assert_eq!(fireworks["size"], 3, "{r:#}");
    assert_eq!(allot["size"], 2, "{r:#}");
    assert_ne!(hens["id"], fireworks["id"]);
    // Ranked by demand: the biggest first.
    assert_eq!(r["open"][0]["id"], hens["id"]);
    let all = r.to_string();
    assert!(
        !all.contains("plogas"),
        "an answered question is no topic: {all}"
    );
    // Examples are the redacted text: no name, no phone number.
    assert!(!all.contains("Sara") && !all.contains("174 06"), "{all}");
    assert!(all.contains("[namn]"), "{all}");
    for key in [
        "label",
        "terms",
        "askers",
        "first_seen",
        "last_seen",
        "recent",
        "previous",
        "theme",
    ] {
        assert!(hens.get(key).is_some(), "{key} missing in {hens:#}");
    }
    let hens_id = hens["id"].as_i64().unwrap().to_string();
    let fire_id = fireworks["id"].as_i64().unwrap().to_string();

    // Status survives new questions and a regrouping from scratch; new questions join.
    assert!(
        env.ok(&[
            "topics",
            "mark",
            &hens_id,
            "planned",
            "--note",
            "avsnitt i vår"
        ])
        .contains("planerat")
    );
    env.ask(&["hönsgård på tomten, vad gäller?"]);
    let r = env.report(&[]);
    let hens = topic_with(&r, "chickens");
    assert_eq!(hens["id"].as_i64().unwrap().to_string(), hens_id);
    assert_eq!(hens["size"], 5, "{r:#}");
    assert_eq!(hens["status"], "planned");
    let r = env.report(&["--regroup"]);
    let hens = topic_with(&r, "chickens");
    assert_eq!(hens["id"].as_i64().unwrap().to_string(), hens_id, "{r:#}");
    assert_eq!(hens["status"], "planned");
    assert_eq!(
        topic_with(&r, "raketer")["id"]
            .as_i64()
            .unwrap()
            .to_string(),
        fire_id
    );

    // --min-size hides the small ones.
    let r = env.report(&["--min-size", "4"]);
    assert_eq!(r["open"].as_array().unwrap().len(), 1, "{r:#}");

    // Covered: new questions are no longer open demand but a sign the answer is not found.
    let out = env.run(&["topics", "mark", &fire_id, "covered"]);
    assert!(
        !out.status.success(),
        "covered needs an episode or an entry"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--episode"));
    env.ok(&[
        "topics",
        "mark",
        &fire_id,
        "covered",
        "--episode",
        "fyrverkerier-och-nyar",
    ]);
    env.ask(&["fyrverkerier på nyår, vad gäller?"]);
    let r = env.report(&[]);
    let covered = r["covered_but_asked"].as_array().unwrap();
    assert_eq!(covered.len(), 1, "{r:#}");
    assert_eq!(covered[0]["since_covered"], 1);
    assert_eq!(covered[0]["episode"], "fyrverkerier-och-nyar");
    assert!(
        r["open"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["id"].as_i64().unwrap().to_string() != fire_id)
    );

    // Unknown ids and statuses are refused, clearly.
    let out = env.run(&["topics", "mark", "999999", "planned"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("#999999"));
    assert!(
        !env.run(&["topics", "mark", &hens_id, "done"])
            .status
            .success()
    );

    // Markdown for the planning document, CSV for a spreadsheet.
    let md = env.ok(&["topics", "--format", "md"]);
    assert!(md.starts_with("# Kandidatämnen"), "{md}");
    assert!(md.contains("can I keep chickens in my garden?"), "{md}");
    assert!(md.contains("Täckta men frågas ändå"), "{md}");
    let csv = env.ok(&["topics", "--format", "csv"]);
    assert!(
        csv.starts_with('\u{feff}') && csv.contains(&format!("{hens_id};planned;5")),
        "{csv}"
    );

    // A draft entry: written into the theme folder, validated, not served.
    let out = env.ok(&["topics", "draft", &hens_id, "--theme", "kommuncenter"]);
    assert!(out.contains("draft = true"), "{out}");
    let file = std::fs::read_dir(env.faq.path().join("kommuncenter"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read_to_string(p).unwrap().contains("chickens"))
        .expect("the draft file");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("draft = true") && text.contains("alternates"),
        "{text}"
    );
    let check = env.ok(&["check", env.faq.path().to_str().unwrap()]);
    assert!(
        check.contains("1 drafts") || check.contains("draft"),
        "{check}"
    );
    // Not served: the question still finds no answer.
    let ask = env.ok(&[
        "ask",
        "--json",
        "--no-log",
        "can I keep chickens in my garden?",
    ]);
    let ask: Value = serde_json::from_str(&ask).unwrap();
    assert_ne!(ask["kind"], "answer", "{ask:#}");
    assert!(ask["entry"].is_null(), "{ask:#}");
}

#[test]
fn topics_eval_meets_the_target_on_the_dev_file() {
    let env = Env::new();
    let out = env.ok(&[
        "topics",
        "eval",
        "--log",
        "../shared/eval/unanswered-dev.jsonl",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5, "{v}");
    for k in ["ari", "purity", "topics", "gold_topics", "n"] {
        assert!(v.get(k).is_some(), "{k} missing: {v}");
    }
    assert_eq!(v["n"], 300);
    assert_eq!(v["gold_topics"], 15);
    // The target (ARI >= 0.80); measured 0.88 with the bundled FAQ.
    assert!(v["ari"].as_f64().unwrap() >= 0.80, "{v}");
    assert!(v["purity"].as_f64().unwrap() >= 0.90, "{v}");
}

#[test]
fn a_broken_labelled_file_names_file_and_line() {
    let env = Env::new();
    let f = env.data.path().join("bad.jsonl");
    std::fs::write(&f, "{\"q\": \"a\", \"topic\": \"x\"}\n\n{\"q\": \"b\"}\n").unwrap();
    let out = env.run(&["topics", "eval", "--log", f.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl:3:"), "{err}");
}
