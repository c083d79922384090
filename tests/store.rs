//! The question log, the same suite against SQLite (always) and a real PostgreSQL
//! (a throwaway server per run; see `support/pg.rs`).

mod support;

use std::time::Duration;

use kommunbot::answer::Outcome;
use kommunbot::faq::{EntryId, ThemeId};
use kommunbot::privacy::Pseudonymizer;
use kommunbot::store::{
    Channel, Feedback, FeedbackRecord, Filter, LogWriter, Place, Record, Slot, Store, StoreError,
    TopicsChange,
};
use support::pg::Postgres;

fn answered() -> Outcome {
    Outcome::Answer {
        entry: EntryId::new(&ThemeId::parse("bygglov").unwrap(), "avgift").unwrap(),
        confidence: 0.8,
    }
}

fn record(q: &str, asker: &str, outcome: &Outcome) -> Record {
    let p = Pseudonymizer::new(b"test key for the question log suite");
    Record::new(
        q,
        Channel::Discord,
        Place {
            guild_id: Some("4000".into()),
            channel_id: Some("4001".into()),
        },
        Some(p.asker("discord", asker)),
        outcome,
        None,
    )
}

async fn stores_redacted_rows_and_lists_them(store: &Store) {
    let r = record(
        "vad kostar bygglov?\u{7} mitt pnr är 19900101\u{0}-9802, ring 070-174 06 05\0",
        "111",
        &answered(),
    );
    assert_eq!(store.insert(std::slice::from_ref(&r)).await.unwrap(), 1);
    // The same record again (a replay) is not a second row.
    assert_eq!(store.insert(&[r]).await.unwrap(), 0);
    let rows = store.list(&Filter::default()).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].text,
        "vad kostar bygglov? mitt pnr är [personnummer], ring [telefon]"
    );
    assert_eq!(rows[0].outcome, "answered");
    assert_eq!(rows[0].entry_id.as_deref(), Some("bygglov/avgift"));
    assert_eq!(rows[0].theme.as_deref(), Some("bygglov"));
    assert_eq!(rows[0].channel, "discord");
}

async fn filters_stats_and_feedback(store: &Store) {
    let none = Outcome::NoAnswer {
        chat: false,
        theme: ThemeId::parse("snorojning"),
    };
    let a = record("vad kostar bygglov", "1", &answered());
    let b = record("när sopar ni sanden", "2", &none);
    store.insert(&[a.clone(), b]).await.unwrap();
    let helpful = FeedbackRecord::new(&a.record_id, Feedback::Helpful, None);
    assert!(store.feedback(&helpful).await.unwrap());
    // The same feedback again (a replay) is not a second row; feedback on a question that is
    // not logged is not stored.
    assert!(!store.feedback(&helpful).await.unwrap());
    let orphan = FeedbackRecord::new("0123456789abcdef0123456789abcdef", Feedback::Helpful, None);
    assert!(!store.feedback(&orphan).await.unwrap());
    let only_none = store
        .list(&Filter {
            outcome: Some(kommunbot::store::Met::NoAnswer),
            ..Filter::default()
        })
        .await
        .unwrap();
    assert_eq!(only_none.len(), 1);
    assert_eq!(only_none[0].theme.as_deref(), Some("snorojning"));
    let by_theme = store
        .list(&Filter {
            theme: Some("bygglov".into()),
            ..Filter::default()
        })
        .await
        .unwrap();
    assert_eq!(by_theme.len(), 1);
    assert_eq!(by_theme[0].feedback.as_deref(), Some("helpful"));
    let st = store.stats(0).await.unwrap();
    assert_eq!(st.total, 2);
    assert_eq!(st.helpful, 1);
    assert_eq!(st.top_entries, vec![("bygglov/avgift".to_string(), 1)]);
}

/// What staff review: unanswered questions and answers marked "not helpful"; and the audit.
async fn review_list_and_audit(store: &Store) {
    let none = Outcome::NoAnswer {
        chat: false,
        theme: ThemeId::parse("snorojning"),
    };
    let unanswered = record("när sopar ni sanden", "1", &none);
    let unhelpful = record("vad kostar bygglov", "2", &answered());
    let fine = record("vad kostar ett bygglov", "3", &answered());
    store
        .insert(&[unanswered, unhelpful.clone(), fine.clone()])
        .await
        .unwrap();
    store
        .feedback(&FeedbackRecord::new(
            &unhelpful.record_id,
            Feedback::NotHelpful,
            None,
        ))
        .await
        .unwrap();
    store
        .feedback(&FeedbackRecord::new(
            &fine.record_id,
            Feedback::Helpful,
            None,
        ))
        .await
        .unwrap();
    let review = store.needs_review(0, 10).await.unwrap();
    let texts: Vec<&str> = review.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(review.len(), 2, "{texts:?}");
    assert!(texts.contains(&"när sopar ni sanden"));
    assert!(texts.contains(&"vad kostar bygglov"));

    store
        .audit(
            "pseudonym-1",
            "faq.create",
            Some("bygglov/altan"),
            "faq/bygglov/altan.md",
        )
        .await
        .unwrap();
    store
        .audit("pseudonym-1", "faq.reload", None, "35 entries")
        .await
        .unwrap();
    let trail = store.audit_trail(10).await.unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0].action, "faq.reload");
    assert_eq!(trail[1].target.as_deref(), Some("bygglov/altan"));
}

async fn purge_and_forget_report_rows(store: &Store) {
    let mut old = record("gammal fråga", "7", &answered());
    old.asked_at -= 200 * 86_400_000;
    let new = record("ny fråga", "7", &answered());
    let other = record("annans fråga", "8", &answered());
    store.insert(&[old, new, other]).await.unwrap();
    let cutoff = kommunbot::store::now_ms() - 180 * 86_400_000;
    assert_eq!(store.purge(cutoff).await.unwrap(), 1);
    let p = Pseudonymizer::new(b"test key for the question log suite");
    assert_eq!(store.forget(&p.asker("discord", "7")).await.unwrap(), 1);
    assert_eq!(store.count().await.unwrap(), 1);
}

/// Candidate topics and phrasing decisions: ids, moves, status, evidence, forgetting.
async fn topics_and_phrasing(store: &Store) {
    let none = Outcome::NoAnswer {
        theme: None,
        chat: false,
    };
    let suggest = Outcome::Suggest {
        entries: vec![(
            EntryId::new(&ThemeId::parse("bygglov").unwrap(), "avgift").unwrap(),
            0.4,
        )],
    };
    let r1 = record("får man ha höns", "1", &none);
    let r2 = record("hönsgård regler", "2", &none);
    let r3 = record("vad kostar bygglovet", "3", &answered());
    let r4 = record("priset för lovet", "4", &suggest);
    // A bare mention in Discord: nothing asked, so no topic.
    let blank = record(" \t\n ", "5", &none);
    store
        .insert(&[r1.clone(), r2.clone(), r3.clone(), r4.clone(), blank])
        .await
        .unwrap();
    store
        .feedback(&FeedbackRecord::new(
            &r4.record_id,
            Feedback::Chosen,
            Some("bygglov/avgift"),
        ))
        .await
        .unwrap();
    store
        .feedback(&FeedbackRecord::new(&r3.record_id, Feedback::Helpful, None))
        .await
        .unwrap();

    // Unanswered ones only: the answered, the picked suggestion and the blank are not topics.
    let review = store.review_questions(0).await.unwrap();
    let ids: Vec<&str> = review.iter().map(|q| q.record_id.as_str()).collect();
    assert_eq!(ids, [r1.record_id.as_str(), r2.record_id.as_str()]);
    assert!(review.iter().all(|q| q.topic_id.is_none()));

    // A refresh's write: new topics, and questions put into them.
    let snap = store.topics_snapshot(0).await.unwrap();
    assert!(snap.topics.is_empty());
    let change = TopicsChange {
        create: vec!["får man ha höns".into(), "x".into()],
        assign: vec![
            (r1.record_id.clone(), Slot::New(0)),
            (r2.record_id.clone(), Slot::New(1)),
        ],
        relabel: Vec::new(),
        unlink: Vec::new(),
    };
    let t = store
        .save_topics(snap.version, &change)
        .await
        .unwrap()
        .expect("nothing was written since the read");
    assert_eq!(t.len(), 2);
    assert_ne!(t[0], t[1]);
    // The same plan again is from a stale read now: nothing is written.
    assert_eq!(
        store.save_topics(snap.version, &change).await.unwrap(),
        None
    );
    assert_eq!(store.topics().await.unwrap().len(), 2);
    // With nothing to write, a read stands only while it is current.
    let nothing = TopicsChange::default();
    assert_eq!(
        store.save_topics(snap.version, &nothing).await.unwrap(),
        None
    );
    let snap = store.topics_snapshot(0).await.unwrap();
    assert_eq!(snap.topics.len(), 2);
    assert_eq!(
        store.save_topics(snap.version, &nothing).await.unwrap(),
        Some(Vec::new())
    );
    let bad = TopicsChange {
        assign: vec![(r1.record_id.clone(), Slot::New(0))],
        ..TopicsChange::default()
    };
    let err = store.save_topics(snap.version, &bad).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TopicSlot {
                slot: 0,
                created: 0
            }
        ),
        "{err}"
    );
    // Moving a question to another topic replaces its link, and the topic it leaves empty
    // goes: it is not listed and cannot be marked.
    let moved = TopicsChange {
        assign: vec![(r2.record_id.clone(), Slot::Existing(t[0]))],
        relabel: vec![(t[0], "hönsgård regler".into())],
        ..TopicsChange::default()
    };
    assert_eq!(
        store.save_topics(snap.version, &moved).await.unwrap(),
        Some(Vec::new())
    );
    let review = store.review_questions(0).await.unwrap();
    assert!(
        review.iter().all(|q| q.topic_id == Some(t[0])),
        "{review:?}"
    );
    let rows = store.topics().await.unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [t[0]]);
    assert!(
        !store
            .mark_topic(t[1], "planned", None, &[], None)
            .await
            .unwrap()
    );

    assert!(
        store
            .mark_topic(
                t[0],
                "covered",
                Some("honsavsnittet"),
                &["bygglov/avgift".into()],
                None
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_topic(999_999, "planned", None, &[], None)
            .await
            .unwrap()
    );
    let rows = store.topics().await.unwrap();
    let row = rows.iter().find(|r| r.id == t[0]).unwrap();
    assert_eq!(row.status, "covered");
    assert_eq!(row.label, "hönsgård regler");
    assert_eq!(row.episode.as_deref(), Some("honsavsnittet"));
    assert_eq!(row.entries, ["bygglov/avgift"]);
    assert!(row.status_at.is_some());
    // A later mark keeps what it does not say.
    store
        .mark_topic(t[0], "planned", None, &[], Some("våren"))
        .await
        .unwrap();
    let rows = store.topics().await.unwrap();
    let row = rows.iter().find(|r| r.id == t[0]).unwrap();
    assert_eq!(row.episode.as_deref(), Some("honsavsnittet"));
    assert_eq!(row.note.as_deref(), Some("våren"));
    // Notes are typed by hand, and redacted like questions.
    store
        .mark_topic(
            t[0],
            "planned",
            None,
            &[],
            Some("ring Anna på 070-174 06 07"),
        )
        .await
        .unwrap();
    let rows = store.topics().await.unwrap();
    let row = rows.iter().find(|r| r.id == t[0]).unwrap();
    assert_eq!(row.note.as_deref(), Some("ring Anna på [telefon]"));

    // Evidence: the pick; not the confident helpful answer (0.8 is not low).
    let ev = store.phrasing_evidence(0, 0.6).await.unwrap();
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].entry_id, "bygglov/avgift");
    assert_eq!(ev[0].kind, "chosen");
    assert_eq!(ev[0].redactions, 0);
    let ev = store.phrasing_evidence(0, 0.9).await.unwrap();
    assert_eq!(ev.len(), 2, "{ev:?}");
    store
        .decide_phrasing(
            "abcd0123",
            "bygglov/avgift",
            "priset för lovet",
            "rejected",
            "a",
        )
        .await
        .unwrap();
    store
        .decide_phrasing(
            "abcd0123",
            "bygglov/avgift",
            "priset för lovet",
            "accepted",
            "b",
        )
        .await
        .unwrap();
    assert_eq!(
        store.phrasing_decisions().await.unwrap(),
        [("abcd0123".to_owned(), "accepted".to_owned())]
    );

    // Forgetting an asker takes their topic links too, and a refresh that read before the
    // forgetting writes nothing; the topic its last question leaves goes.
    let p = Pseudonymizer::new(b"test key for the question log suite");
    // The topic is labelled with the first asker's words; they go with the asker.
    let relabel = TopicsChange {
        relabel: vec![(t[0], "får man ha höns".into())],
        ..TopicsChange::default()
    };
    let snap = store.topics_snapshot(0).await.unwrap();
    assert!(
        store
            .save_topics(snap.version, &relabel)
            .await
            .unwrap()
            .is_some()
    );
    let snap = store.topics_snapshot(0).await.unwrap();
    store.forget(&p.asker("discord", "1")).await.unwrap();
    let review = store.review_questions(0).await.unwrap();
    assert_eq!(review.len(), 1);
    assert_eq!(review[0].record_id, r2.record_id);
    let rows = store.topics().await.unwrap();
    assert_eq!(rows[0].label, "hönsgård regler", "{rows:?}");
    let relink = TopicsChange {
        assign: vec![(r1.record_id.clone(), Slot::Existing(t[0]))],
        ..TopicsChange::default()
    };
    assert_eq!(
        store.save_topics(snap.version, &relink).await.unwrap(),
        None
    );
    assert_eq!(store.topics().await.unwrap().len(), 1);
    store.forget(&p.asker("discord", "2")).await.unwrap();
    assert!(store.topics().await.unwrap().is_empty());
    assert!(
        !store
            .mark_topic(t[0], "planned", None, &[], None)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn sqlite_topics_and_phrasing() {
    let (s, d) = sqlite().await;
    topics_and_phrasing(&s).await;
    // A rejected wording is known by its id alone; an accepted one is in the FAQ anyway.
    s.decide_phrasing(
        "eeee0000",
        "bygglov/avgift",
        "en medborgares ord",
        "rejected",
        "a",
    )
    .await
    .unwrap();
    s.close().await;
    let url = format!("sqlite://{}/log.db", d.path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let kept: Vec<(String, String)> =
        sqlx::query_as("SELECT id, phrasing FROM phrasing_decisions ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        kept,
        [
            ("abcd0123".to_owned(), "priset för lovet".to_owned()),
            ("eeee0000".to_owned(), String::new()),
        ]
    );
}

/// The writer keeps every record while the database is away and replays them exactly once.
async fn outage(
    store: Store,
    data: &std::path::Path,
    down: impl AsyncFnOnce(),
    up: impl AsyncFnOnce(),
) {
    let (writer, log) = LogWriter::new(store.clone(), data);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(writer.run(stopped));
    for i in 0..100 {
        log.record(record(&format!("före avbrottet {i}"), "9", &answered()));
    }
    wait_for(&store, 100).await;
    down().await;
    for i in 0..1000 {
        log.record(record(&format!("under avbrottet {i}"), "9", &answered()));
        if i % 100 == 0 {
            tokio::task::yield_now().await;
        }
    }
    // The database stays away until the writer has had to spool.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while log.stats.spooled.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the writer never spooled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    up().await;
    wait_for(&store, 1100).await;
    stop.send(true).unwrap();
    task.await.unwrap();
    assert_eq!(store.count().await.unwrap(), 1100, "every row exactly once");
    assert!(log.stats.spooled.load(std::sync::atomic::Ordering::Relaxed) > 0);
}

/// Forgetting an asker reaches the rows, the spool and the queue: nothing they asked
/// before comes back when the queue drains or the spool replays; what they ask after stays.
async fn forget_reaches_queue_and_spool(store: Store, data: &std::path::Path) {
    let p = Pseudonymizer::new(b"test key for the question log suite");
    store
        .insert(&[record("glöm i databasen", "A", &answered())])
        .await
        .unwrap();
    kommunbot::store::spool_records(
        data,
        &[
            record("glöm i spoolen", "A", &answered()),
            record("behåll i spoolen", "B", &answered()),
        ],
    )
    .unwrap();
    // The writer is not running yet: these wait in the queue.
    let (pending, log) = kommunbot::store::PendingLog::new(data);
    log.record(record("glöm i kön", "A", &answered()));
    log.record(record("behåll i kön", "B", &answered()));

    let n = log.forget(&store, &p.asker("discord", "A")).await.unwrap();
    assert_eq!(n, 2, "the database row and the spooled record");
    tokio::time::sleep(Duration::from_millis(5)).await;
    log.record(record("ny fråga efteråt", "A", &answered()));

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(pending.attach(store.clone()).run(stopped));
    wait_for(&store, 3).await;
    stop.send(true).unwrap();
    task.await.unwrap();
    let mut texts: Vec<String> = store
        .list(&Filter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.text)
        .collect();
    texts.sort();
    assert_eq!(
        texts,
        ["behåll i kön", "behåll i spoolen", "ny fråga efteråt"]
    );
}

/// Feedback the database could not take waits in its own spool and is stored once its
/// question is in, whether that question waited in the queue or in the spool; feedback on a
/// question that never comes is dropped.
async fn spooled_feedback_finds_its_question(store: Store, data: &std::path::Path) {
    let spooled = record("frågan i spoolen", "C", &answered());
    kommunbot::store::spool_records(data, std::slice::from_ref(&spooled)).unwrap();
    let (pending, log) = kommunbot::store::PendingLog::new(data);
    let queued = record("frågan i kön", "C", &answered());
    log.record(queued.clone());
    for f in [
        FeedbackRecord::new(&queued.record_id, Feedback::Helpful, None),
        FeedbackRecord::new(&spooled.record_id, Feedback::NotHelpful, None),
        FeedbackRecord::new("0123456789abcdef0123456789abcdef", Feedback::Helpful, None),
    ] {
        log.spool_feedback(f).unwrap();
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(pending.attach(store.clone()).run(stopped));
    let feedback = eventually(async || {
        let mut got: Vec<(String, Option<String>)> = store
            .list(&Filter::default())
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.text, r.feedback))
            .collect();
        got.sort();
        if got.iter().all(|(_, f)| f.is_some()) && got.len() == 2 {
            Ok(got)
        } else {
            Err(format!("feedback never stored: {got:?}"))
        }
    })
    .await;
    stop.send(true).unwrap();
    task.await.unwrap();
    assert_eq!(
        feedback,
        [
            ("frågan i kön".to_owned(), Some("helpful".to_owned())),
            (
                "frågan i spoolen".to_owned(),
                Some("not_helpful".to_owned())
            ),
        ]
    );
    let left = std::fs::read_to_string(data.join("feedback.spool")).unwrap_or_default();
    assert!(
        left.trim().is_empty(),
        "the feedback spool was not emptied: {left}"
    );
}

/// A row the database refuses (PostgreSQL takes no NUL byte in text) is dropped, and the
/// rows and feedback behind it are stored: one bad item never holds a spool up.
async fn a_refused_row_holds_nothing_up(store: Store, data: &std::path::Path) {
    let mut bad = record("trasig", "D", &answered());
    bad.text = "en NUL \0 i texten".into();
    let good = record("efter den trasiga", "D", &answered());
    kommunbot::store::spool_records(data, &[bad, good.clone()]).unwrap();
    let (pending, log) = kommunbot::store::PendingLog::new(data);
    let mut odd = FeedbackRecord::new(&good.record_id, Feedback::Chosen, None);
    odd.entry_id = Some("bygglov/\0x".into());
    log.spool_feedback(odd).unwrap();
    log.spool_feedback(FeedbackRecord::new(
        &good.record_id,
        Feedback::Helpful,
        None,
    ))
    .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(pending.attach(store.clone()).run(stopped));
    eventually(async || {
        let rows = store.list(&Filter::default()).await.unwrap();
        let spools_empty = ["question-log.spool", "feedback.spool"]
            .iter()
            .all(|f| std::fs::read_to_string(data.join(f)).map_or(true, |t| t.trim().is_empty()));
        let stored = rows
            .iter()
            .any(|r| r.text == "efter den trasiga" && r.feedback.is_some());
        if spools_empty && stored {
            Ok(())
        } else {
            Err(format!("a refused row held the log up: {rows:?}"))
        }
    })
    .await;
    stop.send(true).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn sqlite_a_refused_row_holds_nothing_up() {
    let (s, dir) = sqlite().await;
    a_refused_row_holds_nothing_up(s, dir.path()).await;
}

#[tokio::test]
async fn sqlite_spooled_feedback_finds_its_question() {
    let (s, dir) = sqlite().await;
    spooled_feedback_finds_its_question(s, dir.path()).await;
}

#[tokio::test]
async fn sqlite_forget_reaches_queue_and_spool() {
    let (s, dir) = sqlite().await;
    forget_reaches_queue_and_spool(s, dir.path()).await;
}

async fn wait_for(store: &Store, n: i64) {
    eventually(async || match store.count().await.unwrap_or(-1) {
        c if c == n => Ok(()),
        c => Err(format!("rows never reached {n} (at {c})")),
    })
    .await;
}

/// Polls `check` every 50 ms until it gives a value; fails with what it last saw after a
/// minute (a loaded CI machine is slow, a wedged writer never gets there).
async fn eventually<T>(mut check: impl AsyncFnMut() -> Result<T, String>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match check().await {
            Ok(v) => return v,
            Err(seen) => assert!(tokio::time::Instant::now() < deadline, "{seen}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/log.db", dir.path().display());
    (Store::open(&url).await.unwrap(), dir)
}

/// A question taken out of its topic (a greeting grouped before greetings were left out):
/// the topic it leaves empty goes.
#[tokio::test]
async fn sqlite_an_unlinked_question_leaves_its_topic() {
    let (s, _d) = sqlite().await;
    let none = Outcome::NoAnswer {
        theme: None,
        chat: true,
    };
    let hej = record("hej", "1", &none);
    s.insert(std::slice::from_ref(&hej)).await.unwrap();
    let snap = s.topics_snapshot(0).await.unwrap();
    let linked = TopicsChange {
        create: vec!["hej".into()],
        assign: vec![(hej.record_id.clone(), Slot::New(0))],
        ..TopicsChange::default()
    };
    s.save_topics(snap.version, &linked).await.unwrap().unwrap();
    assert_eq!(s.topics().await.unwrap().len(), 1);
    let snap = s.topics_snapshot(0).await.unwrap();
    let unlink = TopicsChange {
        unlink: vec![hej.record_id.clone()],
        ..TopicsChange::default()
    };
    s.save_topics(snap.version, &unlink).await.unwrap().unwrap();
    assert!(s.topics().await.unwrap().is_empty());
    let review = s.review_questions(0).await.unwrap();
    assert!(review.iter().all(|q| q.topic_id.is_none()), "{review:?}");
}

#[tokio::test]
async fn sqlite_stores_redacted_rows() {
    let (s, _d) = sqlite().await;
    stores_redacted_rows_and_lists_them(&s).await;
}

#[tokio::test]
async fn sqlite_filters_stats_and_feedback() {
    let (s, _d) = sqlite().await;
    filters_stats_and_feedback(&s).await;
}

#[tokio::test]
async fn sqlite_review_list_and_audit() {
    let (s, _d) = sqlite().await;
    review_list_and_audit(&s).await;
}

#[tokio::test]
async fn sqlite_purge_and_forget() {
    let (s, d) = sqlite().await;
    purge_and_forget_report_rows(&s).await;
    // Erased from the file too, not only from the tables: no free page, no write-ahead log
    // frame still holds the words.
    let mut bytes = Vec::new();
    for f in std::fs::read_dir(d.path()).unwrap() {
        bytes.extend(std::fs::read(f.unwrap().path()).unwrap_or_default());
    }
    let holds = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(holds("annans fråga"), "the kept question is in the file");
    assert!(
        !holds("gammal fråga") && !holds("ny fråga"),
        "erased words remain on disk"
    );
}

#[tokio::test]
async fn sqlite_creates_the_file_and_its_folder_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ny/mapp/log.db");
    let _s = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert!(path.is_file());
    assert!(dir.path().join("ny/mapp/log.db-wal").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_outage_loses_nothing() {
    let (s, dir) = sqlite().await;
    let db = dir.path().join("log.db");
    // "Down": another process holds an exclusive lock on the file.
    let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel::<()>();
    let locker = std::thread::spawn(move || {
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg(format!(
                "import sqlite3,sys\nc=sqlite3.connect({:?},isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nprint('locked',flush=True)\nsys.stdin.readline()\nc.execute('COMMIT')",
                db.display().to_string()
            ))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut child = out;
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        locked_tx.send(()).unwrap();
        hold_rx.recv().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"\n").unwrap();
        child.wait().unwrap();
    });
    outage(
        s,
        dir.path(),
        async || locked_rx.recv().unwrap(),
        async || hold_tx.send(()).unwrap(),
    )
    .await;
    locker.join().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_suite_and_outage() {
    let Some(mut pg) = Postgres::start() else {
        return;
    };
    // A fresh database opened by several at once: sqlx's advisory lock makes the openers
    // take turns on the migrations, as the lock file does on SQLite.
    let url = pg.database("kb_fresh");
    let mut opening = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let url = url.clone();
        opening.spawn(async move { Store::open(&url).await });
    }
    while let Some(opened) = opening.join_next().await {
        opened.unwrap().unwrap().close().await;
    }
    for (i, name) in [
        "redacted", "filters", "review", "purge", "topics", "forget", "feedback", "refused",
        "outage",
    ]
    .iter()
    .enumerate()
    {
        let url = pg.database(&format!("kb_{name}_{i}"));
        let store = Store::open(&url).await.unwrap();
        match *name {
            "redacted" => stores_redacted_rows_and_lists_them(&store).await,
            "filters" => filters_stats_and_feedback(&store).await,
            "review" => review_list_and_audit(&store).await,
            "purge" => purge_and_forget_report_rows(&store).await,
            "topics" => topics_and_phrasing(&store).await,
            "refused" => {
                let dir = tempfile::tempdir().unwrap();
                a_refused_row_holds_nothing_up(store, dir.path()).await;
            }
            "feedback" => {
                let dir = tempfile::tempdir().unwrap();
                spooled_feedback_finds_its_question(store, dir.path()).await;
            }
            "forget" => {
                let dir = tempfile::tempdir().unwrap();
                forget_reaches_queue_and_spool(store, dir.path()).await;
            }
            _ => {
                let dir = tempfile::tempdir().unwrap();
                let pg_ref = std::sync::Arc::new(std::sync::Mutex::new(&mut pg));
                let (a, b) = (pg_ref.clone(), pg_ref.clone());
                outage(
                    store,
                    dir.path(),
                    async move || a.lock().unwrap().stop(),
                    async move || b.lock().unwrap().resume(),
                )
                .await;
            }
        }
    }
}

#[tokio::test]
async fn retention_runs_at_start_and_then_daily() {
    let (s, _d) = sqlite().await;
    let mut old = record("gammal", "1", &answered());
    old.asked_at -= 181 * 86_400_000;
    s.insert(&[old]).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(kommunbot::store::retention::run(
        s.clone(),
        180,
        Duration::from_millis(50),
        stopped,
    ));
    wait_for(&s, 0).await;
    // A question that ages past the limit later goes at a later tick.
    let mut later = record("blir gammal", "1", &answered());
    later.asked_at -= 200 * 86_400_000;
    s.insert(&[later, record("ny", "1", &answered())])
        .await
        .unwrap();
    wait_for(&s, 1).await;
    stop.send(true).unwrap();
    task.await.unwrap();
    assert_eq!(
        kommunbot::store::retention::run_once(&s, 180)
            .await
            .unwrap(),
        0
    );
}

/// Several processes opening one brand-new SQLite file at once — `serve` starting while a
/// `kommunbot ask` logs, two staff commands on a fresh data directory — all open it, and
/// the schema is the migrations' once: each opener here has a pool and a runtime of its
/// own, as a process would.
#[test]
fn sqlite_fresh_file_opened_by_several_at_once() {
    const OPENERS: usize = 6;
    // Each round is a fresh file: the race is only on the first migration.
    for round in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/log.db", dir.path().display());
        let start = std::sync::Barrier::new(OPENERS);
        let opened: Vec<Result<(), StoreError>> = std::thread::scope(|s| {
            let openers: Vec<_> = (0..OPENERS)
                .map(|i| {
                    let (url, start) = (&url, &start);
                    s.spawn(move || {
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .unwrap();
                        start.wait();
                        rt.block_on(async {
                            let store = Store::open(url).await?;
                            let q = format!("öppnare {i}");
                            store.insert(&[record(&q, "1", &answered())]).await?;
                            store.audit("personal", "opened", Some(&q), "").await?;
                            store.close().await;
                            Ok(())
                        })
                    })
                })
                .collect();
            openers.into_iter().map(|o| o.join().unwrap()).collect()
        });
        for (i, result) in opened.into_iter().enumerate() {
            if let Err(e) = result {
                panic!("round {round}: opener {i} failed: {e}");
            }
        }
        // Opening again checks every applied migration (none failed half-way, none
        // differs from the embedded one) and applies none.
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let store = Store::open(&url).await.unwrap();
            let mut logged: Vec<_> = store
                .list(&Filter::default())
                .await
                .unwrap()
                .into_iter()
                .map(|q| q.text)
                .collect();
            logged.sort();
            let expected: Vec<_> = (0..OPENERS).map(|i| format!("öppnare {i}")).collect();
            assert_eq!(logged, expected, "round {round}");
            assert_eq!(store.audit_trail(100).await.unwrap().len(), OPENERS);
        });
    }
}
