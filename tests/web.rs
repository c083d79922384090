//! The web chat in a real browser (Debian's headless Chromium) against the real service on a
//! random port: a citizen types a question and reads the answer, picks a "Menade du…?"
//! choice with the keyboard, says an answer did not help, tries to inject HTML; the axe-core
//! checker finds no serious or critical accessibility violation; screenshots at 320 px and
//! 1280 px are saved under target/web-artifacts/.

mod support;

use std::path::PathBuf;

use serde_json::Value;
use support::browser::Browser;
use support::service::Service;

const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

fn artifacts() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/web-artifacts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// axe-core from npm (`.ci/run` installs it into target/axe); `None` outside CI if missing.
fn axe_source() -> Option<String> {
    let candidates = [
        std::env::var("KOMMUNBOT_AXE").ok().map(PathBuf::from),
        Some(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe/node_modules/axe-core/axe.min.js"),
        ),
    ];
    for c in candidates.into_iter().flatten() {
        if let Ok(s) = std::fs::read_to_string(&c) {
            return Some(s);
        }
    }
    assert!(
        std::env::var("CI").is_err(),
        "axe-core is missing under CI: .ci/run must npm-install it into target/axe"
    );
    eprintln!(
        "\n*** SKIPPED: accessibility check (npm install --prefix target/axe axe-core) ***\n"
    );
    None
}

async fn ask(b: &Browser, q: &str) {
    let input = b.find("#kb-q").await;
    b.keys(&input, &format!("{q}{ENTER}")).await;
}

/// The number of bot messages shown so far.
async fn bot_messages(b: &Browser) -> u64 {
    b.js("return document.querySelectorAll('.kb-bot').length;")
        .await
        .as_u64()
        .unwrap()
}

async fn wait_bot_messages(b: &Browser, n: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while bot_messages(b).await < n {
        assert!(std::time::Instant::now() < deadline, "reply {n} never came");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_asks_picks_a_suggestion_by_keyboard_and_says_it_did_not_help() {
    let Some(b) = Browser::start("sv-SE").await else {
        return;
    };
    let mut s = Service::start_with(false, &[]).await;
    b.goto(&format!("http://{}/", s.http)).await;
    let title = b.text(&b.find("h1").await).await;
    assert_eq!(title, "Fråga kommunbot");
    let notice = b.text(&b.find(".kb-human").await).await;
    assert!(
        notice.contains("Ring kommuncenter"),
        "the configured contact: {notice}"
    );

    // A question with a direct answer.
    ask(&b, "När plogas min gata?").await;
    wait_bot_messages(&b, 1).await;
    let answer = b.text(&b.find(".kb-bot .kb-q").await).await;
    assert_eq!(answer, "Fråga: När plogas min gata?");
    assert!(!b.text(&b.find(".kb-bot .kb-answer").await).await.is_empty());

    // "Not helpful": thanks, and the way to a person.
    let no = b.find(".kb-bot .kb-feedback button:nth-child(2)").await;
    b.click(&no).await;
    let thanks = b.text(&b.find(".kb-thanks").await).await;
    assert!(thanks.contains("markeras"), "{thanks}");

    // Unsure: "Menade du…?" choices as buttons; picked with the keyboard.
    ask(&b, "snöröjning").await;
    wait_bot_messages(&b, 2).await;
    let choice = b.find(".kb-choice").await;
    b.keys(&choice, ENTER).await;
    wait_bot_messages(&b, 3).await;
    let picked = b
        .js("var q = document.querySelectorAll('.kb-bot .kb-q'); return q[q.length - 1].textContent;")
        .await;
    assert!(picked.as_str().unwrap().starts_with("Fråga: "), "{picked}");

    // The log is a live region, every control has a name.
    let a11y = b
        .js(
            "var log = document.getElementById('kb-log');\
             var unnamed = Array.from(document.querySelectorAll('button, input')).filter(function (e) {\
               return !(e.labels && e.labels.length) && !e.textContent.trim() && !e.getAttribute('aria-label'); });\
             return [log.getAttribute('role'), log.getAttribute('aria-live'), unnamed.length];",
        )
        .await;
    assert_eq!(a11y, serde_json::json!(["log", "polite", 0]));

    let rows = s.stop_and_read_log().await;
    assert!(rows.iter().all(|r| r.channel == "web"), "{rows:#?}");
    assert_eq!(rows.len(), 2);
    let feedback: Vec<Option<&str>> = rows.iter().map(|r| r.feedback.as_deref()).collect();
    assert!(
        feedback.contains(&Some("not_helpful")) && feedback.contains(&Some("chosen")),
        "{feedback:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_erases_their_questions_from_the_chat() {
    let Some(b) = Browser::start("sv-SE").await else {
        return;
    };
    let mut s = Service::start_with(false, &[]).await;
    b.goto(&format!("http://{}/", s.http)).await;
    ask(&b, "När plogas min gata?").await;
    wait_bot_messages(&b, 1).await;
    // The confirmation dialog, answered yes.
    b.js("window.confirm = function () { return true; }; return null;")
        .await;
    let erase = b.find("#kb-forget").await;
    assert_eq!(b.text(&erase).await, "Radera mina frågor");
    b.click(&erase).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let said = b.text(&b.find("#kb-forgotten").await).await;
        if !said.is_empty() {
            assert_eq!(said, "Det du har frågat i den här fliken är raderat.");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "nothing said");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The conversation is gone from the screen too (a shared computer).
    let left = b
        .js("return document.querySelectorAll('#kb-log .kb-msg').length;")
        .await;
    assert_eq!(left.as_u64(), Some(0), "{left:?}");
    // A new question after the erasure is kept: the tab has a new id now.
    ask(&b, "Vad kostar bygglov?").await;
    wait_bot_messages(&b, 1).await;
    let rows = s.stop_and_read_log().await;
    let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, ["Vad kostar bygglov?"], "{rows:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_in_a_question_is_shown_as_text_and_never_runs() {
    let Some(b) = Browser::start("sv-SE").await else {
        return;
    };
    let s = Service::start_with(false, &[]).await;
    b.goto(&format!("http://{}/", s.http)).await;
    let attack = "<img src=x onerror=\"window.__pwned=1\"> När plogas min gata?";
    ask(&b, attack).await;
    wait_bot_messages(&b, 1).await;
    let shown = b.text(&b.find(".kb-you .kb-asked").await).await;
    assert_eq!(shown, attack, "the question is shown as typed");
    let state = b
        .js("return [window.__pwned === undefined, document.querySelectorAll('.kb-log img').length];")
        .await;
    assert_eq!(state, serde_json::json!([true, 0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_browsers_get_english_controls_and_the_page_passes_axe_at_320_and_1280_px() {
    let Some(b) = Browser::start("en-US").await else {
        return;
    };
    let axe = axe_source();
    let s = Service::start_with(false, &[]).await;
    b.goto(&format!("http://{}/", s.http)).await;
    assert_eq!(b.text(&b.find("h1").await).await, "Ask kommunbot");
    assert_eq!(b.js("return document.documentElement.lang;").await, "en");
    ask(&b, "When is my street ploughed?").await;
    wait_bot_messages(&b, 1).await;

    for (width, name) in [(1280u32, "chat-1280.png"), (320, "chat-320.png")] {
        b.viewport(width, 900).await;
        // No sideways scrolling at this width (WCAG 1.4.10 reflow).
        let fits = b
            .js("return document.documentElement.scrollWidth <= window.innerWidth;")
            .await;
        assert_eq!(fits, true, "horizontal scroll at {width} px");
        let png = b.screenshot().await;
        assert_eq!(&png[1..4], b"PNG");
        std::fs::write(artifacts().join(name), png).unwrap();
    }

    if let Some(axe) = axe {
        b.js(&format!("{axe}\nreturn true;")).await;
        let result = b
            .js_async(
                "var done = arguments[arguments.length - 1];\
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })\
                   .then(function (r) { done(r.violations.map(function (v) {\
                     return { id: v.id, impact: v.impact, nodes: v.nodes.length }; })); })\
                   .catch(function (e) { done({ error: String(e) }); });",
            )
            .await;
        let violations = result
            .as_array()
            .unwrap_or_else(|| panic!("axe failed: {result}"));
        let serious: Vec<&Value> = violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(serious.is_empty(), "axe: {serious:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_snippet_opens_the_chat_on_another_page() {
    let Some(b) = Browser::start("sv-SE").await else {
        return;
    };
    let s = Service::start_with(false, &[]).await;
    // Another site (another origin) with the one-line snippet in its page.
    let host_page = format!(
        "<!doctype html><html lang=sv><title>Kommunen</title><body><h1>Kommunen</h1>\
         <script src=\"http://{}/widget.js\" defer></script></body></html>",
        s.http
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = host_page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    b.goto(&format!("http://{site}/")).await;
    let button = b.find("button[aria-controls=kommunbot-chat]").await;
    assert_eq!(b.text(&button).await, "Fråga kommunbot");
    b.keys(&button, ENTER).await;
    let state = b
        .js("var f = document.getElementById('kommunbot-chat'); return [f.hidden, f.title, f.src];")
        .await;
    assert_eq!(state[0], false, "{state}");
    assert_eq!(state[1], "Chatt med kommunbot");
    assert_eq!(state[2], format!("http://{}/", s.http));

    // Escape closes it also with focus inside the chat, and focus returns to the button.
    let frame = b.find("#kommunbot-chat").await;
    b.frame(Some(&frame)).await;
    let input = b.find("#kb-q").await;
    b.click(&input).await;
    b.keys(&input, ESCAPE).await;
    b.frame(None).await;
    let mut state = Value::Null;
    for _ in 0..100 {
        state = b
            .js("return [document.getElementById('kommunbot-chat').hidden, \
                 document.activeElement.getAttribute('aria-controls')];")
            .await;
        if state[0] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(state[0], true, "Escape in the chat closes it: {state}");
    assert_eq!(state[1], "kommunbot-chat", "focus is back on the button");
}
