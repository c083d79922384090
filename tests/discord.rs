//! End-to-end: the real `kommunbot serve` binary, with serenity's real client, against a fake
//! Discord on 127.0.0.1 (HTTP API + gateway). Each test is a user story: what a citizen or a
//! guide does in Discord, and what the bot sends back (asserted on the REST calls it makes)
//! and logs (asserted on the SQLite file after a graceful shutdown).

mod support;

use std::time::{Duration, Instant};

use kommunbot::store::Store;
use serde_json::Value;
use support::discord::*;
use support::service::Service;

const ANSWERED: &str = "När plogas min gata?";
const UNKNOWN: &str = "Kan kommunens rymdraket ta mig till månen?";

fn button_ids(body: &Value) -> Vec<String> {
    body["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
        .collect()
}

fn assert_no_mentions(body: &Value) {
    let m = &body["allowed_mentions"];
    assert_eq!(m["parse"], serde_json::json!([]), "{body:#}");
    assert_eq!(m["users"], serde_json::json!([]), "{body:#}");
    assert_eq!(m["roles"], serde_json::json!([]), "{body:#}");
    assert_eq!(m["replied_user"], false, "{body:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_in_a_question_channel_gets_an_answer_embed_with_buttons_and_pings_nobody() {
    let s = Service::start().await;
    let msg = s.fake.message(
        QUESTION_CHANNEL,
        CITIZEN,
        &format!("{ANSWERED} @everyone"),
        true,
    );
    let msg_id = msg["id"].as_str().unwrap().to_owned();
    s.fake.dispatch("MESSAGE_CREATE", msg);
    let body = s.fake.messages(QUESTION_CHANNEL, 1).await.remove(0);
    let embed = &body["embeds"][0];
    assert_eq!(embed["title"], format!("Fråga: {ANSWERED}"), "{body:#}");
    assert!(!embed["description"].as_str().unwrap().is_empty());
    assert!(
        embed["author"]["name"]
            .as_str()
            .unwrap()
            .contains("kommunbot")
    );
    let fields: Vec<&str> = embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"Tema"), "{fields:?}");
    assert!(
        embed["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("Ring kommuncenter"),
        "the configured way to a person is shown"
    );
    let buttons = button_ids(&body);
    assert_eq!(buttons.len(), 2, "{buttons:?}");
    assert!(buttons[0].starts_with("kb:yes:") && buttons[1].starts_with("kb:no:"));
    assert_eq!(body["message_reference"]["message_id"], msg_id.as_str());
    assert_no_mentions(&body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_answers_dms_and_mentions_and_ignores_bots_and_other_channels() {
    let mut s = Service::start().await;
    let f = &s.fake;
    // Ignored: a message in another channel without a mention, a bot, a webhook, itself.
    f.dispatch(
        "MESSAGE_CREATE",
        f.message(OTHER_CHANNEL, CITIZEN, ANSWERED, true),
    );
    let mut from_bot = f.message(QUESTION_CHANNEL, 6000, ANSWERED, true);
    from_bot["author"]["bot"] = true.into();
    f.dispatch("MESSAGE_CREATE", from_bot);
    let mut hook = f.message(QUESTION_CHANNEL, 6001, ANSWERED, true);
    hook["webhook_id"] = "6002".into();
    f.dispatch("MESSAGE_CREATE", hook);
    f.dispatch(
        "MESSAGE_CREATE",
        f.message(QUESTION_CHANNEL, BOT_ID, ANSWERED, true),
    );
    // Answered: a mention anywhere, and a direct message.
    f.dispatch(
        "MESSAGE_CREATE",
        f.message(
            OTHER_CHANNEL,
            CITIZEN,
            &format!("<@{BOT_ID}> {ANSWERED}"),
            true,
        ),
    );
    f.dispatch(
        "MESSAGE_CREATE",
        f.message(DM_CHANNEL, CITIZEN, ANSWERED, false),
    );
    let mention = f.messages(OTHER_CHANNEL, 1).await.remove(0);
    assert_eq!(mention["embeds"][0]["title"], format!("Fråga: {ANSWERED}"));
    f.messages(DM_CHANNEL, 1).await;
    // On a loaded machine the first questions can reach the log before the database is
    // open; they are spooled and written once it is. Wait for them, then check that the
    // ignored messages added none.
    s.wait_rows(2).await;
    let rows = s.stop_and_read_log().await;
    assert_eq!(
        rows.len(),
        2,
        "only the mention and the DM were questions: {rows:#?}"
    );
    let posts = s
        .fake
        .calls()
        .into_iter()
        .filter(|c| c.method == "POST" && c.path.contains("/messages"))
        .count();
    assert_eq!(posts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_question_gets_an_honest_reply_and_is_logged_redacted_after_shutdown() {
    let mut s = Service::start().await;
    let question = format!("{UNKNOWN} Jag är 19900101-9802 och nås på 070-174 06 05.");
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(QUESTION_CHANNEL, CITIZEN, &question, true),
    );
    let body = s.fake.messages(QUESTION_CHANNEL, 1).await.remove(0);
    let embed = &body["embeds"][0];
    assert_eq!(embed["title"], "Det vet jag inte ännu", "{body:#}");
    assert!(embed["description"].as_str().unwrap().contains("sparas"));
    assert!(
        embed["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("Ring kommuncenter")
    );
    assert!(button_ids(&body).is_empty());
    // SIGTERM flushes the queue: the row is there after a clean exit.
    let rows = s.stop_and_read_log().await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let row = &rows[0];
    assert_eq!(row.outcome, "no_answer");
    assert_eq!(row.channel, "discord");
    assert!(
        row.text.contains("[personnummer]") && row.text.contains("[telefon]"),
        "{}",
        row.text
    );
    assert!(!row.text.contains("9802"));
    let log = s.log();
    assert!(
        !log.contains("9802") && !log.contains("månen"),
        "raw text in the log:\n{log}"
    );
    assert!(
        !log.contains("fake-token-for-tests"),
        "the token leaked into the log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_fraga_answers_and_feedback_buttons_are_stored() {
    let mut s = Service::start().await;
    let question = format!("{ANSWERED} Jag är 19900101-9802.");
    let id = s.fake.slash("fråga", &[("fråga", &question)], CITIZEN, &[]);
    let cb = s.fake.callback(id).await;
    assert_eq!(cb["type"], 4, "{cb:#}");
    let data = &cb["data"];
    assert_eq!(data["embeds"][0]["title"], format!("Fråga: {ANSWERED}"));
    // The question is echoed for the channel, redacted.
    let echo = data["content"].as_str().unwrap();
    assert!(echo.contains(ANSWERED), "{echo}");
    assert!(
        echo.contains("[personnummer]") && !echo.contains("9802"),
        "{echo}"
    );
    assert_no_mentions(data);
    let buttons = button_ids(data);
    assert_eq!(buttons.len(), 2);

    // "Not helpful": the human route, privately, and the question marked for review.
    let click = s.fake.click(&buttons[1], CITIZEN);
    let cb = s.fake.callback(click).await;
    assert_eq!(cb["type"], 4);
    assert_eq!(cb["data"]["flags"], 64, "ephemeral: {cb:#}");
    assert!(
        cb["data"]["content"]
            .as_str()
            .unwrap()
            .contains("Ring kommuncenter")
    );
    // A button with a custom id that is not ours is left alone.
    let junk = s.fake.click("someone-else:button", CITIZEN);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !s.fake
            .calls()
            .iter()
            .any(|c| c.path.contains(&format!("/interactions/{junk}/")))
    );

    let rows = s.stop_and_read_log().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].feedback.as_deref(), Some("not_helpful"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_menade_du_choice_shows_that_answer_and_is_stored_as_feedback() {
    let mut s = Service::start().await;
    // A one-word question matches several entries: the engine asks which one was meant.
    let question = "snöröjning";
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(QUESTION_CHANNEL, CITIZEN, question, true),
    );
    let body = s.fake.messages(QUESTION_CHANNEL, 1).await.remove(0);
    assert_eq!(body["embeds"][0]["title"], "Menade du…?", "{body:#}");
    let buttons = button_ids(&body);
    assert!(
        buttons.len() >= 3,
        "two or three choices and 'Inget av dessa': {buttons:?}"
    );
    assert!(buttons.last().unwrap().starts_with("kb:none:"));
    assert_no_mentions(&body);

    let click = s.fake.click(&buttons[0], CITIZEN);
    let cb = s.fake.callback(click).await;
    assert_eq!(cb["type"], 7, "the suggestions become the answer: {cb:#}");
    let title = cb["data"]["embeds"][0]["title"].as_str().unwrap();
    assert!(title.starts_with("Fråga: "), "{title}");
    assert!(button_ids(&cb["data"])[0].starts_with("kb:yes:"));

    let rows = s.stop_and_read_log().await;
    assert_eq!(rows[0].outcome, "suggested");
    assert_eq!(rows[0].feedback.as_deref(), Some("chosen"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_from_one_user_is_rate_limited_with_one_friendly_notice() {
    let s = Service::start().await;
    for _ in 0..5 {
        s.fake.dispatch(
            "MESSAGE_CREATE",
            s.fake.message(QUESTION_CHANNEL, CITIZEN, ANSWERED, true),
        );
    }
    s.fake.messages(QUESTION_CHANNEL, 4).await;
    // Someone else is not affected.
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(QUESTION_CHANNEL, GUIDE, ANSWERED, true),
    );
    s.fake.messages(QUESTION_CHANNEL, 5).await;
    // Nothing more comes: the fifth question of the burst is ignored, not answered late.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bodies = s.fake.messages(QUESTION_CHANNEL, 5).await;
    assert_eq!(
        bodies.len(),
        5,
        "three answers, one notice, the other user's answer"
    );
    let notices: Vec<&Value> = bodies
        .iter()
        .filter(|b| {
            b["content"]
                .as_str()
                .is_some_and(|c| c.contains("många frågor"))
        })
        .collect();
    assert_eq!(notices.len(), 1);
    assert_no_mentions(notices[0]);
    let answers = bodies
        .iter()
        .filter(|b| b["embeds"][0]["title"].is_string())
        .count();
    assert_eq!(answers, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_commands_are_refused_to_citizens_and_work_for_staff() {
    let s = Service::start().await;
    let refused = s.fake.slash("faq-ladda-om", &[], CITIZEN, &[]);
    let cb = s.fake.callback(refused).await;
    assert_eq!(cb["data"]["flags"], 64);
    assert!(
        cb["data"]["content"]
            .as_str()
            .unwrap()
            .contains("kommunvägledare")
    );

    let ok = s.fake.slash("faq-ladda-om", &[], GUIDE, &[STAFF_ROLE]);
    let cb = s.fake.callback(ok).await;
    assert_eq!(cb["data"]["flags"], 64);
    assert!(
        cb["data"]["content"]
            .as_str()
            .unwrap()
            .contains("FAQ:n är inläst"),
        "{cb:#}"
    );

    let search = s
        .fake
        .slash("faq-sök", &[("fråga", ANSWERED)], GUIDE, &[STAFF_ROLE]);
    let cb = s.fake.callback(search).await;
    assert!(
        cb["data"]["content"]
            .as_str()
            .unwrap()
            .contains("snorojning/"),
        "{cb:#}"
    );

    let form = s
        .fake
        .slash("faq-ny", &[("tema", "bygglov")], GUIDE, &[STAFF_ROLE]);
    let cb = s.fake.callback(form).await;
    assert_eq!(cb["type"], 9, "a modal: {cb:#}");
    assert_eq!(cb["data"]["custom_id"], "kb:faq:new");

    let form = s.fake.slash("faq-ny", &[], CITIZEN, &[]);
    let cb = s.fake.callback(form).await;
    assert_eq!(cb["type"], 4, "no form for a citizen: {cb:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guide_adds_an_entry_through_the_form_and_the_bot_answers_with_it() {
    let mut s = Service::start().await;
    let question = "Får jag ha en bikupa i villaträdgården?";
    let fields = [
        ("theme", "bygglov"),
        ("question", question),
        ("alternates", "bikupa på tomten\nfår man ha bin i stan"),
        (
            "answer",
            "Ja, oftast. Kontakta miljöförvaltningen om du är osäker.",
        ),
    ];
    // A citizen's submission is refused and writes nothing.
    let refused = s.fake.submit("kb:faq:new", &fields, CITIZEN, &[]);
    let cb = s.fake.callback(refused).await;
    assert!(
        cb["data"]["content"]
            .as_str()
            .unwrap()
            .contains("kommunvägledare")
    );
    let file = s
        .faq
        .path()
        .join("bygglov/far-jag-ha-en-bikupa-i-villatradgarden.md");
    assert!(!file.exists());

    let ok = s.fake.submit("kb:faq:new", &fields, GUIDE, &[STAFF_ROLE]);
    let cb = s.fake.callback(ok).await;
    let text = cb["data"]["content"].as_str().unwrap();
    assert!(text.contains("har lagts till"), "{text}");
    assert!(file.exists());
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.contains("alternates = [\"bikupa på tomten\", \"får man ha bin i stan\"]"),
        "{written}"
    );

    // A broken edit (empty answer) is refused with the reason, and changes nothing.
    let broken = s.fake.submit(
        "kb:faq:edit:bygglov/far-jag-ha-en-bikupa-i-villatradgarden",
        &[
            ("theme", "bygglov"),
            ("question", question),
            ("answer", "  "),
        ],
        GUIDE,
        &[STAFF_ROLE],
    );
    let cb = s.fake.callback(broken).await;
    let text = cb["data"]["content"].as_str().unwrap();
    assert!(
        text.contains("sparades inte") && text.contains("svaret är tomt"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);

    // The new entry answers at once.
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(QUESTION_CHANNEL, CITIZEN, question, true),
    );
    let body = s.fake.messages(QUESTION_CHANNEL, 1).await.remove(0);
    assert_eq!(body["embeds"][0]["title"], format!("Fråga: {question}"));

    s.stop_and_read_log().await;
    let url = format!("sqlite://{}/kommunbot.db", s.data.path().display());
    let store = Store::open(&url).await.unwrap();
    let audit = store.audit_trail(10).await.unwrap();
    store.close().await;
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["faq.edit.refused", "faq.create"], "{audit:#?}");
    assert_eq!(
        audit[1].target.as_deref(),
        Some("bygglov/far-jag-ha-en-bikupa-i-villatradgarden")
    );
    assert!(
        !audit[1].actor.contains(&GUIDE.to_string()),
        "the actor is a pseudonym"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_me_deletes_what_the_user_asked() {
    let mut s = Service::start().await;
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(QUESTION_CHANNEL, CITIZEN, ANSWERED, true),
    );
    s.fake.messages(QUESTION_CHANNEL, 1).await;
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(QUESTION_CHANNEL, GUIDE, ANSWERED, true),
    );
    s.fake.messages(QUESTION_CHANNEL, 2).await;
    s.wait_rows(2).await;
    let id = s.fake.slash("glöm-mig", &[], CITIZEN, &[]);
    // Deferred at once (only the citizen sees it), then filled in: forgetting can wait on
    // the log writer longer than Discord's three seconds for a first response.
    let cb = s.fake.callback(id).await;
    assert_eq!(cb["type"], 5, "{cb:#}");
    assert_eq!(cb["data"]["flags"], 64);
    let reply = s.fake.deferred_reply().await;
    assert_eq!(reply["flags"], 64, "only the citizen sees it: {reply:#}");
    assert!(
        reply["content"]
            .as_str()
            .unwrap()
            .contains("raderat 1 fråga"),
        "{reply:#}"
    );
    let rows = s.stop_and_read_log().await;
    assert_eq!(rows.len(), 1, "only the other user's question is left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_error_is_logged_and_survived() {
    let s = Service::start().await;
    // The bot may not write in this channel: Discord answers 403 Missing Permissions.
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(
            FORBIDDEN_CHANNEL,
            CITIZEN,
            &format!("<@{BOT_ID}> {ANSWERED}"),
            true,
        ),
    );
    s.fake.messages(FORBIDDEN_CHANNEL, 1).await;
    // …and goes on answering elsewhere.
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(QUESTION_CHANNEL, CITIZEN, ANSWERED, true),
    );
    s.fake.messages(QUESTION_CHANNEL, 1).await;
    let log = s.log();
    assert!(log.contains("cannot send a reply"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_unanswered_questions_and_statistics_and_edits_on_disk_are_served() {
    let s = Service::start().await;
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(QUESTION_CHANNEL, CITIZEN, UNKNOWN, true),
    );
    s.fake.messages(QUESTION_CHANNEL, 1).await;
    s.wait_rows(1).await;
    let id = s.fake.slash("obesvarade", &[], GUIDE, &[STAFF_ROLE]);
    let text = s.fake.callback(id).await["data"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.contains("inget svar") && text.contains("rymdraket"),
        "{text}"
    );
    let id = s.fake.slash("statistik", &[], GUIDE, &[STAFF_ROLE]);
    let text = s.fake.callback(id).await["data"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("no_answer"), "{text}");
    let id = s.fake.slash("obesvarade", &[], CITIZEN, &[]);
    let text = s.fake.callback(id).await["data"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !text.contains("rymdraket"),
        "a citizen sees nobody's questions: {text}"
    );

    // A guide adds an entry with their editor (or git pull): served without a restart.
    std::fs::write(
        s.faq.path().join("kommuncenter/rymdresor.md"),
        format!("+++\nquestion = \"{UNKNOWN}\"\n+++\nKommunen har ingen rymdraket.\n"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n: usize = 1;
    loop {
        // A new asker each time, so the rate limit does not get in the way.
        s.fake.dispatch(
            "MESSAGE_CREATE",
            s.fake
                .message(QUESTION_CHANNEL, 6000 + n as u64, UNKNOWN, true),
        );
        n += 1;
        let body = s.fake.messages(QUESTION_CHANNEL, n).await.pop().unwrap();
        if body["embeds"][0]["title"] == format!("Fråga: {UNKNOWN}") {
            break;
        }
        assert!(Instant::now() < deadline, "the new file was never served");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_candidate_topics_and_plan_one_with_a_button() {
    let s = Service::start().await;
    let questions = [
        "får man ha höns i villaområde",
        "can I keep chickens in my garden?",
        "hönsgård på tomten, vad gäller?",
    ];
    for (n, q) in questions.iter().enumerate() {
        s.fake.dispatch(
            "MESSAGE_CREATE",
            s.fake.message(QUESTION_CHANNEL, 8000 + n as u64, q, true),
        );
        s.fake.messages(QUESTION_CHANNEL, n + 1).await;
    }
    s.wait_rows(3).await;

    let id = s.fake.slash("ämnen", &[], GUIDE, &[STAFF_ROLE]);
    let body = s.fake.callback(id).await;
    let text = body["data"]["content"].as_str().unwrap().to_owned();
    assert!(
        text.contains("Kandidatämnen") && text.contains("3 frågor, 3 personer"),
        "{body:#}"
    );
    assert_eq!(body["data"]["flags"], 64, "ephemeral: {body:#}");
    let plan = button_ids(&body["data"])
        .into_iter()
        .find(|b| b.starts_with("kb:topic:") && b.ends_with(":planned"))
        .expect("a plan button");

    // The button is for staff only, also if someone else gets hold of it.
    let click = s.fake.click_as(&plan, CITIZEN, &[]);
    let text = s.fake.callback(click).await["data"]["content"].to_string();
    assert!(text.contains("bara för kommuncenters personal"), "{text}");

    let click = s.fake.click_as(&plan, GUIDE, &[STAFF_ROLE]);
    let text = s.fake.callback(click).await["data"]["content"].to_string();
    assert!(text.contains("planerat"), "{text}");
    let id = s.fake.slash("ämnen", &[], GUIDE, &[STAFF_ROLE]);
    let text = s.fake.callback(id).await["data"]["content"].to_string();
    assert!(text.contains("planerat"), "{text}");

    // "Covered" asks by what, in a form; the answer names the episode.
    let cover = plan.replace(":planned", ":covered");
    let click = s.fake.click_as(&cover, GUIDE, &[STAFF_ROLE]);
    let form = s.fake.callback(click).await;
    assert_eq!(form["type"], 9, "a modal: {form:#}");
    let form_id = form["data"]["custom_id"].as_str().unwrap().to_owned();
    assert!(form_id.starts_with("kb:topicform:"), "{form:#}");
    let done = s.fake.submit(
        &form_id,
        &[("episode", ""), ("entries", "")],
        GUIDE,
        &[STAFF_ROLE],
    );
    let text = s.fake.callback(done).await["data"]["content"].to_string();
    assert!(text.contains("Skriv avsnittets id"), "nothing said: {text}");
    let done = s.fake.submit(
        &form_id,
        &[("episode", "hons-i-stan"), ("entries", "finns/inte")],
        GUIDE,
        &[STAFF_ROLE],
    );
    let text = s.fake.callback(done).await["data"]["content"].to_string();
    assert!(
        text.contains("finns/inte"),
        "an unknown entry is named: {text}"
    );
    let done = s.fake.submit(
        &form_id,
        &[("episode", "hons-i-stan")],
        GUIDE,
        &[STAFF_ROLE],
    );
    let text = s.fake.callback(done).await["data"]["content"].to_string();
    assert!(
        text.contains("`hons-i-stan` finns inte"),
        "an unknown episode: {text}"
    );
    // Once the episode is known (here: curated in episodes.toml), it covers the topic.
    support::curate_episode(s.faq.path(), "hons-i-stan", "Höns i stan", "bygglov");
    let mut text = String::new();
    for _ in 0..100 {
        let done = s.fake.submit(
            &form_id,
            &[("episode", "hons-i-stan")],
            GUIDE,
            &[STAFF_ROLE],
        );
        text = s.fake.callback(done).await["data"]["content"].to_string();
        if text.contains("är nu täckt") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(text.contains("är nu täckt"), "{text}");
    let done = s.fake.submit(&form_id, &[("episode", "x")], CITIZEN, &[]);
    let text = s.fake.callback(done).await["data"]["content"].to_string();
    assert!(!text.contains("täckt"), "a citizen cannot: {text}");

    // A citizen is refused the command itself.
    let id = s.fake.slash("ämnen", &[], CITIZEN, &[]);
    let text = s.fake.callback(id).await["data"]["content"].to_string();
    assert!(!text.contains("höns"), "{text}");

    let url = format!("sqlite://{}/kommunbot.db", s.data.path().display());
    let store = Store::open(&url).await.unwrap();
    let trail = store.audit_trail(10).await.unwrap();
    store.close().await;
    assert!(
        trail
            .iter()
            .any(|a| a.action == "topic.mark" && a.detail.as_deref() == Some("planned")),
        "{trail:?}"
    );
    assert!(
        trail.iter().any(|a| a.action == "topic.mark"
            && a.detail.as_deref() == Some("covered episode hons-i-stan")),
        "{trail:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_get_the_digest_on_demand() {
    let s = Service::start().await;
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(QUESTION_CHANNEL, CITIZEN, ANSWERED, true),
    );
    s.fake.messages(QUESTION_CHANNEL, 1).await;
    s.fake.dispatch(
        "MESSAGE_CREATE",
        s.fake.message(QUESTION_CHANNEL, GUIDE, UNKNOWN, true),
    );
    s.fake.messages(QUESTION_CHANNEL, 2).await;
    s.wait_rows(2).await;
    let id = s.fake.slash("sammanfattning", &[], GUIDE, &[STAFF_ROLE]);
    let body = s.fake.callback(id).await;
    let text = body["data"]["content"].as_str().unwrap();
    assert!(text.contains("Veckans sammanfattning"), "{body:#}");
    assert!(
        text.contains("Frågor: 2 · besvarade direkt 50 %") && text.contains("utan svar 50 %"),
        "{text}"
    );
    assert_eq!(body["data"]["flags"], 64, "only the staff member sees it");
    let id = s.fake.slash("sammanfattning", &[], CITIZEN, &[]);
    let text = s.fake.callback(id).await["data"]["content"].to_string();
    assert!(!text.contains("Veckans"), "{text}");
}
