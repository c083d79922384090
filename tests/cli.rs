//! Black-box tests of the real binary: what a guide or an operator sees on the terminal.

use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn kommunbot(args: &[&str]) -> Output {
    // Questions asked here are logged into a throwaway data directory, not the checkout's.
    let data = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_kommunbot"))
        .args(args)
        .env_remove("KOMMUNBOT_FAQ")
        .env_remove("RUST_LOG")
        .env_remove("DATABASE_URL")
        .env("KOMMUNBOT_DATA", data.path())
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

const THEME: &str = "name = \"Snöröjning\"\ndescription = \"Plogning.\"\n";

#[test]
fn check_reports_every_problem_with_file_and_line_and_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "snorojning/_theme.toml", THEME);
    write(
        d,
        "snorojning/a.md",
        "+++\nquestion = \"När plogas min gata?\"\nalternate = [\"x\"]\n\
         links = [{ title = \"Avsnittet saknas\", url = \"https://example.se\" }]\n\
         episodes = [{ id = \"saknas\" }]\n+++\nSvar.\n",
    );
    write(
        d,
        "snorojning/b.md",
        "+++\nquestion = \"Nar plogas  min gata\"\nlinks = [{ title = \"x\", url = \"ftp://example.se\" }]\n+++\n",
    );
    write(d, "snorojning/c.md", "+++\nkeywords = [\"a\"\n+++\nSvar.\n");
    write(
        d,
        "bygglov/d.md",
        "+++\nquestion = \"Bygglov?\"\n+++\nJa.\n",
    );
    let long = "x".repeat(5000);
    write(
        d,
        "snorojning/e.md",
        &format!("+++\nquestion = \"Lång?\"\n+++\n{long}\n"),
    );
    // Twice in one entry; a tab typed into a phrasing.
    write(
        d,
        "snorojning/f.md",
        "+++\nquestion = \"Sandar ni?\"\nalternates = [\"SANDAR NI\", \"sandning\\tcykelväg\"]\n+++\nJa.\n",
    );
    // Files the loader would pass over: not `.md`, a link to nothing.
    write(
        d,
        "snorojning/g.markdown",
        "+++\nquestion = \"G?\"\n+++\nG.\n",
    );
    write(d, "snorojning/h.MD", "+++\nquestion = \"H?\"\n+++\nH.\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("finns-inte.md"), d.join("snorojning/i.md")).unwrap();
    write(
        d,
        "episodes.toml",
        "[[episode]]\nid = \"ep\"\ntitle = \"Snö\"\nurl = \"https://example.se/ep\"\nthemes = [\"snorojning\", \"snoroj\"]\n",
    );

    let out = kommunbot(&["check", d.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let a = d.join("snorojning/a.md").display().to_string();
    let b = d.join("snorojning/b.md").display().to_string();
    let c = d.join("snorojning/c.md").display().to_string();
    let e = d.join("snorojning/e.md").display().to_string();
    let at = |rel: &str, rest: &str| format!("{}{rest}", d.join(rel).display());
    for expected in [
        format!("{a}:3: okänd nyckel `alternate` (menade du `alternates`?)"),
        // The reference's line, not the link's that has the same word.
        format!("{a}:5: avsnittet `saknas` finns inte i episodes.toml"),
        format!("{b}:3: felaktig webbadress \"ftp://example.se\""),
        format!("{b}:5: svaret är tomt"),
        // Only the marks differ: the bot reads them as one.
        format!("{b}:2: formuleringen \"Nar plogas  min gata\" finns också i `snorojning/a`"),
        format!("{c}:2: fel mellan raderna `+++`: ogiltig lista [ … ]; här väntades"),
        format!("{e}:4: svaret är 5000 tecken; Discord visar högst 4096"),
        at("bygglov", ": temamappen `bygglov` saknar _theme.toml"),
        at(
            "snorojning/f.md",
            ":3: formuleringen \"SANDAR NI\" finns redan i den här posten",
        ),
        at(
            "snorojning/f.md",
            ":3: formuleringen \"sandning\\tcykelväg\" innehåller en radbrytning, tabb eller annat styrtecken",
        ),
        at(
            "snorojning/g.markdown",
            ": lästes inte: en posts filnamn ska sluta på `.md`",
        ),
        at(
            "snorojning/h.MD",
            ": lästes inte: en posts filnamn ska sluta på `.md`",
        ),
        at(
            "episodes.toml",
            ":2: avsnittet `ep`: temat `snoroj` finns inte som temamapp",
        ),
    ] {
        assert!(text.contains(&expected), "missing `{expected}` in:\n{text}");
    }
    #[cfg(unix)]
    assert!(
        text.contains(&format!(
            "{}: lästes inte: är ingen fil",
            d.join("snorojning/i.md").display()
        )),
        "{text}"
    );
    assert!(text.contains("problem i"), "{text}");
}

#[test]
fn check_summarises_a_clean_corpus_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "snorojning/_theme.toml", THEME);
    write(
        d,
        "snorojning/a.md",
        "+++\nquestion = \"När plogas min gata?\"\nepisodes = [{ id = \"ep\", at = \"04:30\" }]\n+++\nSvar.\n",
    );
    write(
        d,
        "episodes.toml",
        "[[episode]]\nid = \"ep\"\ntitle = \"Snö\"\nurl = \"https://example.se/ep\"\n",
    );
    let out = kommunbot(&["check", "--faq", d.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with("ok: 1 tema, 1 post (0 utkast), 1 avsnitt i "),
        "{text}"
    );
    // A review date that has passed: a note, and still clean.
    write(
        d,
        "snorojning/b.md",
        "+++\nquestion = \"Sandar ni gångvägar?\"\nreview_by = 2020-01-01\n+++\nJa.\n",
    );
    let out = kommunbot(&["check", d.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("b.md: obs: skulle granskas senast 2020-01-01, och det datumet har passerat"),
        "{text}"
    );
    // An empty folder serves nothing: a problem. No folder at all: the command fails.
    let empty = tempfile::tempdir().unwrap();
    let out = kommunbot(&["check", empty.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("inga poster"), "{}", stdout(&out));
    let missing = d.join("finns-inte");
    let out = kommunbot(&["check", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("det finns ingen faq-mapp på") && err.contains("finns-inte"),
        "{err}"
    );
}

#[test]
fn the_shipped_faq_is_clean_and_broad() {
    let out = kommunbot(&["check", "faq"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let entries: usize = text
        .split(", ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(entries >= 30, "{text}");
    for theme in ["snorojning", "bygglov", "livsmedel", "kommuncenter"] {
        assert!(
            Path::new("faq").join(theme).join("_theme.toml").is_file(),
            "{theme}"
        );
    }
}

#[test]
fn ask_prints_a_citizens_reply() {
    let out = kommunbot(&["ask", "När", "plogas", "min", "gata?"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Svar:"), "{text}");
    assert!(text.contains("Tema: Snöröjning"), "{text}");
    assert!(text.contains("kommunbot, en automatisk tjänst"), "{text}");
}

#[test]
fn ask_json_is_machine_readable() {
    let out = kommunbot(&["ask", "--json", "vad kostar bygglov"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(["answer", "suggest", "no_answer"].contains(&v["kind"].as_str().unwrap()));
    assert!(v["contact"].as_str().unwrap().contains("kommuncenter"));
}

#[test]
fn ask_admits_what_it_does_not_know() {
    let out = kommunbot(&["ask", "--json", "vem vann melodifestivalen 1974?"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["kind"], "no_answer", "{v}");
    let out = kommunbot(&["ask", "vem vann melodifestivalen 1974?"]);
    let text = stdout(&out);
    assert!(text.contains("inte svara på ännu"), "{text}");
    assert!(text.contains("Kontakta kommuncenter"), "{text}");
}

#[test]
fn ask_explain_shows_terms_and_scores() {
    let out = kommunbot(&["ask", "--explain", "bygglof för altan"]);
    let text = stdout(&out);
    assert!(text.contains("förklaring"), "{text}");
    assert!(text.contains("bygglov (stavning)"), "{text}");
    assert!(text.contains("kandidater:"), "{text}");
    // The evidence the decision weighs beside the scores.
    assert!(
        text.contains("bästa postens belägg: särskild sak"),
        "{text}"
    );
    // With --json, one JSON document holds the reply and the explanation.
    let out = kommunbot(&["ask", "--json", "--explain", "bygglof för altan"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    assert!(v["text"].is_string(), "{v}");
    let ex = &v["explanation"];
    assert_eq!(ex["words"][0]["word"], "bygglof", "{ex}");
    assert!(ex["candidates"][0]["score"].as_f64().unwrap() > 0.0, "{ex}");
    assert!(ex["outcome"].is_string(), "{ex}");
    assert!(ex["evidence"]["unexplained"].is_number(), "{ex}");
    assert!(ex["evidence"]["absent"].is_number(), "{ex}");
}

#[test]
fn a_broken_faq_is_refused_with_the_problems_named() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "x/a.md", "no front matter\n");
    let out = kommunbot(&["ask", "--faq", tmp.path().to_str().unwrap(), "hej"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("problem i faq-mappen"), "{err}");
    assert!(err.contains("filen måste börja med en rad `+++`"), "{err}");
}

#[test]
fn an_error_names_its_cause_once() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope.xml");
    let out = kommunbot(&["episodes", "sync", "--feed", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().find(|l| l.starts_with("kommunbot: ")).unwrap();
    assert!(line.contains("cannot read the feed file"), "{err}");
    assert_eq!(line.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn eval_json_has_exactly_the_documented_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let q = tmp.path().join("q.jsonl");
    fs::write(
        &q,
        "{\"q\": \"När plogas min gata?\", \"expect\": \"snorojning/nar-plogas-min-gata\", \"theme\": \"snorojning\"}\n{\"q\": \"hur lagar man köttbullar\", \"expect\": null, \"theme\": null}\n",
    )
    .unwrap();
    let out = kommunbot(&["eval", "--questions", q.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["abstain", "acc1", "false_answer", "helpful", "n", "wrong"]
    );
    assert_eq!(v["n"], 2);
}

#[test]
fn eval_names_the_bad_line_of_a_questions_file() {
    let tmp = tempfile::tempdir().unwrap();
    let q = tmp.path().join("q.jsonl");
    fs::write(
        &q,
        "{\"q\": \"a\", \"expect\": null, \"theme\": null}\nnot json\n",
    )
    .unwrap();
    let out = kommunbot(&["eval", "--questions", q.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn ask_logs_the_question_redacted_and_log_lists_it() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kommunbot"))
            .args(args)
            .env_remove("DATABASE_URL")
            .env("KOMMUNBOT_DATA", data.path())
            .env("USER", "testare")
            .output()
            .unwrap()
    };
    // `--no-log` on a machine without a database makes none: it only reads one that exists.
    let out = run(&["ask", "--no-log", "När plogas min gata?"]);
    assert!(out.status.success());
    assert!(
        !data.path().join("kommunbot.db").exists(),
        "ask --no-log created the database"
    );
    // Nothing logged yet: the output says so, and stderr which database that was.
    let out = run(&["log"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("inga frågor i frågeloggen sqlite://")
            && err.contains(&data.path().display().to_string()),
        "{err}"
    );
    let out = run(&["ask", "vad kostar bygglov? ring 070-174 06 05"]);
    assert!(out.status.success());
    let out = run(&["ask", "--no-log", "vem vann melodifestivalen 19900101-9802"]);
    assert!(out.status.success());
    // The reply says a question it cannot answer is saved; the asker is told it was not.
    assert!(stdout(&out).contains("sparas"), "{}", stdout(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sparades inte"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A blank question gets the introduction and leaves no empty row behind.
    let out = run(&["ask", "   "]);
    assert!(out.status.success());
    let out = run(&["log", "--format", "csv"]);
    let csv = stdout(&out);
    assert!(csv.starts_with('\u{feff}'), "{csv}");
    assert!(csv.contains("vad kostar bygglov? ring [telefon];"), "{csv}");
    assert!(!csv.contains("070-174"), "{csv}");
    assert!(
        !csv.contains("melodifestivalen"),
        "--no-log must not log: {csv}"
    );
    let out = run(&["stats"]);
    assert!(
        stdout(&out).contains("frågor senaste 30 dagarna: 1"),
        "{}",
        stdout(&out)
    );
    let out = run(&["forget", "--user", "cli:testare"]);
    assert_eq!(
        stdout(&out).trim(),
        "forget: raderade 1 fråga från den användaren"
    );
    let out = run(&["purge"]);
    assert_eq!(
        stdout(&out).trim(),
        "purge: raderade 0 frågor äldre än 180 dagar"
    );
    let out = run(&["forget", "--user", "utan-kolon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<platform>:<id>"));
    let out = run(&["forget", "--user", "discrod:123"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown platform `discrod`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn serve_without_a_token_says_what_is_missing_keeps_running_and_stops_cleanly() {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kommunbot"))
        .args(["serve", "--http", "127.0.0.1:0"])
        .env_remove("DISCORD_TOKEN")
        .env_remove("DATABASE_URL")
        .env_remove("KOMMUNBOT_FAQ")
        .env_remove("RUST_LOG")
        .env("KOMMUNBOT_DATA", data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The database file appears once the service is up.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !data.path().join("kommunbot.db").exists() {
        assert!(Instant::now() < deadline, "serve never opened its database");
        assert!(child.try_wait().unwrap().is_none(), "serve exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "still running without Discord"
    );
    Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{status:?}\n{err}");
    assert!(err.contains("DISCORD_TOKEN is not set"), "{err}");
    assert!(err.contains("faq loaded"), "{err}");
}

#[test]
fn serve_reports_every_bad_setting_with_its_key() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kommunbot"))
        .arg("serve")
        .env("KOMMUNBOT_DATA", data.path())
        .env("KOMMUNBOT_RETENTION_DAYS", "aldrig")
        .env("KOMMUNBOT_STAFF_ROLES", "123,personal")
        .env("DATABASE_URL", "mysql://kommun:hemligt@db/kommunbot")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("KOMMUNBOT_RETENTION_DAYS"), "{err}");
    assert!(err.contains("\"personal\""), "{err}");
    assert!(err.contains("DATABASE_URL"), "{err}");
    assert!(
        !err.contains("hemligt"),
        "a password in an error message: {err}"
    );
}

#[test]
fn bench_http_answers_over_loopback_and_logs_every_question() {
    // A functional check of the load test itself (its figures belong in the README, not here).
    let out = kommunbot(&["bench", "--http", "300", "--concurrency", "4"]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("0 errors"), "{text}");
    assert!(text.contains("300 of 300 rows logged"), "{text}");
}

#[test]
fn a_reader_that_stops_early_is_no_failure() {
    // `kommunbot … | head`: the pipe closes while the binary still writes. Far more than a
    // pipe buffer (64 KiB) of explanation, so a write meets the closed pipe for certain.
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let question: Vec<String> = (0..5000).map(|i| format!("ord{i}x")).collect();
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kommunbot"))
        .args(["ask", "--no-log", "--explain", &question.join(" ")])
        .env_remove("KOMMUNBOT_FAQ")
        .env_remove("RUST_LOG")
        .env("KOMMUNBOT_DATA", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    // The reader is dropped here: the pipe is closed.
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(!err.contains("panicked"), "{err}");
}

/// Runs the binary on the data directory `data` with `env` added.
fn kommunbot_in(data: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kommunbot"))
        .args(args)
        .env_remove("KOMMUNBOT_FAQ")
        .env_remove("RUST_LOG")
        .env_remove("DATABASE_URL")
        .env("KOMMUNBOT_DATA", data)
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

/// `ask` prints the reply as citizens get it: with the municipality's own contact texts,
/// the English one to an English question.
#[test]
fn ask_shows_the_configured_contact_texts() {
    let data = tempfile::tempdir().unwrap();
    let env = [
        ("KOMMUNBOT_CONTACT", "Ring kommuncenter på 070-174 06 50."),
        (
            "KOMMUNBOT_CONTACT_EN",
            "Call the service centre at 070-174 06 50.",
        ),
    ];
    let out = kommunbot_in(
        data.path(),
        &env,
        &["ask", "--no-log", "När plogas min gata?"],
    );
    assert!(
        stdout(&out).contains("Ring kommuncenter på 070-174 06 50."),
        "{}",
        stdout(&out)
    );
    let out = kommunbot_in(
        data.path(),
        &env,
        &["ask", "--no-log", "When will my street be ploughed?"],
    );
    let text = stdout(&out);
    assert!(
        text.contains("Call the service centre at 070-174 06 50.")
            && text.contains("Answer (in Swedish):"),
        "{text}"
    );
}

#[test]
fn ask_links_the_episodes_a_sync_stored_as_the_service_does() {
    let data = tempfile::tempdir().unwrap();
    let feed = data.path().join("feed.xml");
    std::fs::write(&feed, include_str!("data/friggebod-feed.xml")).unwrap();
    let q = "Behöver jag bygglov för en friggebod?";
    let episode = |out: &Output| -> Value {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["episode"].clone()
    };
    assert_eq!(
        episode(&kommunbot_in(data.path(), &[], &["ask", "--json", q])),
        Value::Null
    );
    let out = kommunbot_in(
        data.path(),
        &[],
        &["episodes", "sync", "--feed", feed.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = stdout(&kommunbot_in(data.path(), &[], &["episodes", "status"]));
    assert!(
        status.contains("avsnitt:        1") && status.contains("senast lyckad:"),
        "{status}"
    );
    let linked = episode(&kommunbot_in(data.path(), &[], &["ask", "--json", q]));
    assert_eq!(linked["id"], "frigg-1", "{linked}");
    // `--no-log` leaves the question out of the log, not the episode out of the reply.
    let unlogged = episode(&kommunbot_in(
        data.path(),
        &[],
        &["ask", "--no-log", "--json", q],
    ));
    assert_eq!(unlogged, linked);
    assert!(
        linked["url"]
            .as_str()
            .unwrap()
            .starts_with("https://example.se/friggebod"),
        "{linked}"
    );
    // A wrong feed synced: cleared, and no longer linked.
    let out = kommunbot_in(data.path(), &[], &["episodes", "clear"]);
    assert!(
        stdout(&out).contains("raderade 1 hämtade avsnitt"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        episode(&kommunbot_in(data.path(), &[], &["ask", "--json", q])),
        Value::Null
    );
    let status = stdout(&kommunbot_in(data.path(), &[], &["episodes", "status"]));
    assert!(status.contains("aldrig synkad"), "{status}");
}

/// The logged questions' texts, as staff list them (which also replays the spool).
fn logged_texts(data: &Path) -> Vec<String> {
    let out = kommunbot_in(data, &[], &["log", "--format", "json", "--since", "1d"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    rows.iter()
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect()
}

/// `ask` processes spooling (their database is unreachable), `log` processes replaying the
/// spool into the database and `kommunbot forget` rewriting it, all at once on one data
/// directory: every question ends up logged exactly once, and the forgotten asker's are
/// gone from the database and the spool.
#[test]
fn asks_replays_and_forget_at_once_lose_no_question() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    // A database `ask` cannot open: its folder would have to be where a file is.
    fs::write(d.join("blocker"), "").unwrap();
    let unreachable = format!("sqlite://{}/blocker/log.db", d.display());
    let spooling = |user: &str, question: &str| {
        let out = kommunbot_in(
            d,
            &[("DATABASE_URL", &unreachable), ("USER", user)],
            &["ask", question],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for i in 0..3 {
        spooling("spoke", &format!("glöm mig nummer {i}"));
    }
    assert_eq!(
        fs::read_to_string(d.join("question-log.spool"))
            .unwrap()
            .lines()
            .count(),
        3
    );
    let asking = std::sync::atomic::AtomicUsize::new(2);
    let asked: Vec<String> = std::thread::scope(|s| {
        let askers: Vec<_> = (0..2)
            .map(|t| {
                let (asking, spooling) = (&asking, &spooling);
                s.spawn(move || {
                    let mut asked = Vec::new();
                    for i in 0..12 {
                        let q = format!("fråga {t} nummer {i}");
                        spooling(&format!("invånare{t}"), &q);
                        asked.push(q);
                    }
                    asking.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    asked
                })
            })
            .collect();
        s.spawn(|| {
            while asking.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                logged_texts(d);
            }
        });
        s.spawn(|| {
            // At least once, however fast the askers are.
            loop {
                let out = kommunbot_in(d, &[], &["forget", "--user", "cli:spoke"]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                if asking.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                    break;
                }
            }
        });
        askers.into_iter().flat_map(|a| a.join().unwrap()).collect()
    });
    let mut logged = logged_texts(d);
    logged.sort();
    let mut expected = asked;
    expected.sort();
    assert_eq!(
        logged, expected,
        "each question once, none of the forgotten"
    );
    let left = fs::read_to_string(d.join("question-log.spool")).unwrap();
    assert!(left.trim().is_empty(), "the spool was not emptied: {left}");
}

/// `kommunbot ask` and `kommunbot log` started at once on a fresh data directory share
/// what the first of them makes there (the database, migrated once; the pseudonym key):
/// every command succeeds and every question is logged at once, none left in the spool.
#[test]
fn commands_at_once_on_a_fresh_data_directory_share_its_new_database() {
    const COMMANDS: usize = 6;
    // Each round is a fresh directory: the race is only on what the first command makes.
    for round in 0..5 {
        let data = tempfile::tempdir().unwrap();
        let d = data.path();
        let start = std::sync::Barrier::new(COMMANDS);
        let outs: Vec<(Option<String>, Output)> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..COMMANDS)
                .map(|i| {
                    let start = &start;
                    s.spawn(move || {
                        // Every other command asks; the rest list the log.
                        let question = (i % 2 == 0).then(|| format!("vad kostar bygglov {i}"));
                        let args = match &question {
                            Some(q) => vec!["ask", q.as_str()],
                            None => vec!["log", "--format", "json", "--since", "1d"],
                        };
                        start.wait();
                        let out = kommunbot_in(d, &[], &args);
                        (question, out)
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let mut asked = Vec::new();
        for (i, (question, out)) in outs.into_iter().enumerate() {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "round {round}, command {i}: {err}");
            // `ask` succeeds even without a database; it says so, and spools the question.
            assert!(
                !err.contains("question log unavailable"),
                "round {round}, command {i}: {err}"
            );
            asked.extend(question);
        }
        assert!(!d.join("question-log.spool").exists(), "round {round}");
        let mut logged = logged_texts(d);
        logged.sort();
        assert_eq!(logged, asked, "round {round}");
    }
}

/// A running service keeps questions in memory where `kommunbot forget` cannot reach them:
/// forget refuses, says what to do instead and touches nothing; once the service is
/// stopped it forgets.
#[test]
fn forget_refuses_while_serve_runs_and_forgets_once_it_is_stopped() {
    use std::io::BufRead;
    use std::time::{Duration, Instant};
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let out = kommunbot_in(d, &[("USER", "glomd")], &["ask", "vad kostar bygglov"]);
    assert!(out.status.success());
    let mut serve = Command::new(env!("CARGO_BIN_EXE_kommunbot"))
        .args(["serve", "--http", "127.0.0.1:0"])
        .env_remove("DISCORD_TOKEN")
        .env_remove("DATABASE_URL")
        .env_remove("KOMMUNBOT_FAQ")
        .env_remove("RUST_LOG")
        .env("KOMMUNBOT_DATA", d)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It listens once everything before, the lock on the data directory among it, is done.
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = serve.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if line.contains("http: listening") {
                let _ = tx.send(());
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while rx.try_recv().is_err() {
        assert!(Instant::now() < deadline, "serve never listened");
        assert!(serve.try_wait().unwrap().is_none(), "serve exited early");
        std::thread::sleep(Duration::from_millis(20));
    }

    let out = kommunbot_in(d, &[], &["forget", "--user", "cli:glomd"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("kommunbot serve is running"), "{err}");
    assert!(err.contains("/glöm-mig"), "{err}");
    assert!(err.contains("stop the service"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        logged_texts(d),
        ["vad kostar bygglov"],
        "nothing was deleted"
    );

    Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status()
        .unwrap();
    assert!(serve.wait().unwrap().success());
    reader.join().unwrap();
    let out = kommunbot_in(d, &[], &["forget", "--user", "cli:glomd"]);
    assert_eq!(
        stdout(&out).trim(),
        "forget: raderade 1 fråga från den användaren",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(logged_texts(d).is_empty());
}

/// A guide's work in progress with a problem in one file does not hide the staff views that
/// only read the FAQ: they name the problem on stderr and list what they can. Writing the
/// FAQ (accepting a suggestion) still needs it whole.
#[test]
fn staff_views_read_a_faq_with_a_problem_and_say_so() {
    let data = tempfile::tempdir().unwrap();
    let faq = data.path().join("faq");
    write(&faq, "snorojning/_theme.toml", THEME);
    write(
        &faq,
        "snorojning/plog.md",
        "+++\nquestion = \"När plogas min gata?\"\n+++\nHuvudgator först.\n",
    );
    // Half-edited: a typo in the key.
    write(
        &faq,
        "snorojning/sand.md",
        "+++\nqestion = \"När sandar ni?\"\n+++\nVid halka.\n",
    );
    let faq = faq.to_str().unwrap();
    for args in [
        vec!["topics", "--faq", faq],
        vec!["suggestions", "--faq", faq],
        vec!["episodes", "list", "--faq", faq],
    ] {
        let out = kommunbot_in(data.path(), &[], &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {err}");
        assert!(err.contains("Obs: 2 problem i"), "{args:?}: {err}");
    }
    let out = kommunbot_in(
        data.path(),
        &[],
        &["suggestions", "accept", "abc", "--faq", faq],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("problem i faq-mappen"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
