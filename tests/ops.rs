//! Operating the service: faults under load, as an IT department would meet them. The real
//! `serve` binary, a real PostgreSQL stopped and started under it, `kill -9` and a restart.
//! (A broken FAQ file under a running service is in `http.rs`: readyz says why.)

mod support;

use std::time::{Duration, Instant};

use kommunbot::store::{Filter, Store};
use serde_json::{Value, json};
use support::pg::Postgres;
use support::service::Service;

/// All load comes from one address: lift the per-client limit, it is not what is tested.
const UNLIMITED: &str = "[http]\nrate_limit_per_minute = 1000000\n";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Sends `n` questions one after another; returns how many got a 200 with an answer.
async fn ask_many(s: &Service, n: usize, tag: &str) -> usize {
    let c = client();
    let mut ok = 0;
    for i in 0..n {
        let r = c
            .post(format!("http://{}/api/v1/ask", s.http))
            .json(&json!({ "question": format!("När plogas min gata? {tag} {i}") }))
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => {
                if r.json::<Value>().await.is_ok_and(|v| v["kind"].is_string()) {
                    ok += 1;
                }
            }
            Ok(r) => eprintln!("question {tag} {i}: HTTP {}", r.status()),
            Err(e) => eprintln!("question {tag} {i}: {e}"),
        }
    }
    ok
}

async fn count(url: &str) -> i64 {
    try_count(url).await.expect("the database opens and counts")
}

async fn try_count(url: &str) -> Option<i64> {
    let store = Store::open(url).await.ok()?;
    let n = store.count().await.ok();
    store.close().await;
    n
}

/// Waits until the database holds at least `n` rows; a generous deadline, as under a loaded
/// machine's CI the writer's back-off (up to 5 s) and a busy PostgreSQL add up.
async fn wait_count(s: &Service, url: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows = try_count(url).await.unwrap_or(0);
        if rows >= n as i64 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{rows} of {n} rows in the database after 60 s; the service's log:\n{}",
            s.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stops_under_load_answers_go_on_and_no_row_is_lost() {
    let Some(mut pg) = Postgres::start() else {
        return;
    };
    let url = pg.database("kb_ops_outage");
    let mut s = Service::start_with_config(false, &[("DATABASE_URL", &url)], UNLIMITED).await;
    assert_eq!(ask_many(&s, 200, "före").await, 200);
    // Answers do not wait for the database: under load the service may still be opening it.
    // The outage is meant to hit a writer that has written.
    wait_count(&s, &url, 200).await;
    pg.stop();
    // The database is gone for longer than the pool waits for a connection (5 s), so the
    // writer gives up and spools: every question is still answered meanwhile.
    let down = Instant::now();
    let mut during = 0;
    while down.elapsed() < Duration::from_secs(7) {
        assert_eq!(ask_many(&s, 50, &format!("under {during}")).await, 50);
        during += 50;
    }
    pg.resume();
    assert_eq!(ask_many(&s, 200, "efter").await, 200);
    // The running service replays what it spooled, without a restart.
    wait_count(&s, &url, 400 + during).await;
    let status = s.stop();
    assert!(status.success(), "{}", s.log());
    let log = s.log();
    assert_eq!(
        count(&url).await,
        400 + during as i64,
        "every answered question is logged exactly once; the service's log:\n{log}"
    );
    assert!(
        log.contains("database unavailable"),
        "the outage was reported:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_leaves_a_consistent_log_and_the_spool_replays_on_restart() {
    let mut s = Service::start_with_config(false, &[], UNLIMITED).await;
    let url = format!("sqlite://{}/kommunbot.db", s.data.path().display());
    assert_eq!(ask_many(&s, 300, "före").await, 300);
    s.wait_rows(300).await;
    // Load from another task, and SIGKILL in the middle of it.
    let http = s.http;
    let load = tokio::spawn(async move {
        let c = client();
        for i in 0..2000 {
            let _ = c
                .post(format!("http://{http}/api/v1/ask"))
                .json(&json!({ "question": format!("Behöver jag bygglov för en altan? {i}") }))
                .send()
                .await;
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.kill();
    load.await.unwrap();

    // What was committed survives, and the file is a consistent database.
    let committed = count(&url).await;
    assert!(committed >= 300, "{committed}");
    // A spool left by a crash (here: written as the writer would) is replayed on start.
    let pseudo_outcome = kommunbot::answer::Outcome::NoAnswer {
        theme: None,
        chat: false,
    };
    let spooled: Vec<_> = (0..25)
        .map(|i| {
            kommunbot::store::Record::new(
                &format!("fråga i spoolen {i}"),
                kommunbot::store::Channel::Http,
                kommunbot::store::Place::default(),
                None,
                &pseudo_outcome,
                None,
            )
        })
        .collect();
    kommunbot::store::spool_records(s.data.path(), &spooled).unwrap();

    s.restart().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while count(&url).await < committed + 25 {
        assert!(
            Instant::now() < deadline,
            "the spool was not replayed:\n{}",
            s.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        ask_many(&s, 10, "sedan").await,
        10,
        "answers again after the restart"
    );
    let rows = s.stop_and_read_log().await;
    assert_eq!(rows.len() as i64, committed + 25 + 10);
    let store = Store::open(&url).await.unwrap();
    let spooled_rows = store
        .list(&Filter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.text.starts_with("fråga i spoolen"))
        .count();
    store.close().await;
    assert_eq!(spooled_rows, 25, "replayed exactly once");
    assert!(
        !s.data.path().join("question-log.spool").exists() || {
            std::fs::read_to_string(s.data.path().join("question-log.spool"))
                .unwrap()
                .is_empty()
        }
    );
}
