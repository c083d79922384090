//! Black-box tests of the HTTP API: the real `serve` binary on a random port, a real SQLite
//! file, requests as a web chat, an operator's monitoring or a careless client would send.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::service::Service;

const TOKEN: &str = "staff-token-for-tests";

async fn service() -> Service {
    Service::start_with(false, &[("KOMMUNBOT_STAFF_TOKEN", TOKEN)]).await
}

fn url(s: &Service, path: &str) -> String {
    format!("http://{}{path}", s.http)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Polls `/readyz` (with a deadline) until `done` holds; returns the last body.
async fn readyz_until(s: &Service, done: impl Fn(&Value) -> bool) -> Value {
    let c = client();
    let mut ready = Value::Null;
    for _ in 0..400 {
        ready = c
            .get(url(s, "/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if done(&ready) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    ready
}

/// A staff endpoint's JSON, with the bearer token.
async fn staff_get(s: &Service, path: &str) -> Value {
    client()
        .get(url(s, path))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A page's text, fetched without credentials.
async fn get_text(s: &Service, path: &str) -> String {
    client()
        .get(url(s, path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Asks a question over the API, as the web chat does.
/// Runs a CLI command as a guide would beside the running service: its configuration, data
/// folder and FAQ. Fails the test if the command does.
fn cli_beside(s: &Service, args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kommunbot"))
        .arg("--config")
        .arg(s.data.path().join("kommunbot.toml"))
        .args(args)
        .env("KOMMUNBOT_DATA", s.data.path())
        .env("KOMMUNBOT_FAQ", s.faq.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn ask_http(s: &Service, question: &str) -> (StatusCode, Value) {
    post(s, "/api/v1/ask", json!({ "question": question })).await
}

async fn post(s: &Service, path: &str, body: Value) -> (StatusCode, Value) {
    let r = client()
        .post(url(s, path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v = r.json().await.unwrap_or(Value::Null);
    (status, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_gives_the_same_reply_as_the_bot_and_logs_it_as_http() {
    let mut s = service().await;
    let (status, v) = post(
        &s,
        "/api/v1/ask",
        json!({ "question": "När plogas min gata?", "user": "invånare-1" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v:#}");
    assert_eq!(v["kind"], "answer");
    assert_eq!(v["question"], "När plogas min gata?");
    assert!(v["text"].as_str().unwrap().len() > 20);
    assert!(v["contact"].as_str().unwrap().contains("kommuncenter"));
    let rid = v["record_id"].as_str().unwrap().to_owned();
    assert_eq!(rid.len(), 32);

    let (status, v) = post(
        &s,
        "/api/v1/ask",
        json!({ "question": "Kan kommunens rymdraket ta mig till månen?", "channel": "web" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["kind"], "no_answer");

    let r = client()
        .post(url(&s, "/api/v1/feedback"))
        .json(&json!({ "record_id": rid, "kind": "helpful" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let rows = s.stop_and_read_log().await;
    assert_eq!(rows.len(), 2);
    let http = rows.iter().find(|r| r.channel == "http").unwrap();
    assert_eq!(http.outcome, "answered");
    assert_eq!(http.feedback.as_deref(), Some("helpful"));
    assert!(
        rows.iter()
            .any(|r| r.channel == "web" && r.outcome == "no_answer")
    );
}

/// The web chat's "Radera mina frågor": everything its visitor asked goes, and nothing of
/// anyone else's; the same id on another channel is another asker, and other channels'
/// askers are not erased here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_erases_their_own_questions() {
    let mut s = service().await;
    for (q, user, channel) in [
        (
            "Kan kommunens rymdraket ta mig till månen?",
            "web-abc",
            "web",
        ),
        ("När plogas min gata?", "web-abc", "web"),
        ("Vad kostar bygglov?", "web-other", "web"),
        ("Vad kostar bygglov för en altan?", "web-abc", "http"),
    ] {
        let (status, v) = post(
            &s,
            "/api/v1/ask",
            json!({ "question": q, "user": user, "channel": channel }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v:#}");
    }
    // The database opens in the background as the service starts: until it has, the
    // erasure cannot be completed and says so (503, try again), as a visitor would see.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (status, v) = post(
            &s,
            "/api/v1/forget",
            json!({ "user": "web-abc", "channel": "web" }),
        )
        .await;
        if status == StatusCode::SERVICE_UNAVAILABLE && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        }
        // The same answer whether anything was logged or not: no count to probe with.
        assert_eq!(status, StatusCode::NO_CONTENT, "{v:#}");
        assert_eq!(v, Value::Null);
        break;
    }
    for (body, want) in [
        (json!({ "user": "  " }), "`user` is empty"),
        (
            json!({ "user": "x", "channel": "http" }),
            "only the web chat",
        ),
        (json!({ "who": "x" }), "unknown field"),
    ] {
        let (status, v) = post(&s, "/api/v1/forget", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v:#}");
        assert!(v["error"].as_str().unwrap().contains(want), "{v:#}");
    }
    let rows = s.stop_and_read_log().await;
    let mut texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
    texts.sort_unstable();
    assert_eq!(
        texts,
        ["Vad kostar bygglov för en altan?", "Vad kostar bygglov?"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_json_error_that_says_what_is_wrong() {
    let s = service().await;
    let c = client();
    let ask = url(&s, "/api/v1/ask");
    // Wrong content type.
    let r = c
        .post(&ask)
        .body("{\"question\":\"x\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        r.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
    // Invalid JSON.
    let r = c
        .post(&ask)
        .header("content-type", "application/json")
        .body("{\"question\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("invalid JSON")
    );
    // A missing field, an unknown field, an empty question.
    for (body, needle) in [
        (json!({ "fråga": "x" }), "unknown field"),
        (json!({}), "invalid request: missing field `question`"),
        (json!({ "question": 42 }), "invalid type: integer `42`"),
        (json!({ "question": "   " }), "`question` is empty"),
        // Control characters alone would be logged as an empty question.
        (json!({ "question": "\u{0}\u{1}\t" }), "`question` is empty"),
        (
            json!({ "question": "x", "channel": "fax" }),
            "unknown `channel`",
        ),
    ] {
        let (status, v) = post(&s, "/api/v1/ask", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(v["error"].as_str().unwrap().contains(needle), "{body}: {v}");
    }
    // A 1 MB body is refused before it is read whole.
    let big = json!({ "question": "a".repeat(1 << 20) });
    let (status, v) = post(&s, "/api/v1/ask", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert!(v["error"].is_string());
    // Feedback on something that is not a record id.
    let (status, v) = post(
        &s,
        "/api/v1/feedback",
        json!({ "record_id": "1; DROP TABLE", "kind": "helpful" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"].as_str().unwrap().contains("record_id"));
    // Feedback naming an entry the FAQ does not have.
    let (status, v) = post(
        &s,
        "/api/v1/feedback",
        json!({ "record_id": "0123456789abcdef0123456789abcdef", "kind": "chosen", "entry": "bygglov/\u{0}finns-inte" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("not an entry of the FAQ"),
        "{v}"
    );
    // "Chosen" without the entry that was chosen.
    let (status, v) = post(
        &s,
        "/api/v1/feedback",
        json!({ "record_id": "0123456789abcdef0123456789abcdef", "kind": "chosen" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("`entry` is missing"),
        "{v}"
    );
    // An unknown path; a known one with the wrong method.
    let r = c.get(url(&s, "/api/v2/ask")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.json::<Value>().await.unwrap()["error"].is_string());
    let r = c.get(&ask).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let v: Value = r.json().await.unwrap();
    assert!(v["error"].as_str().unwrap().contains("method GET"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_questions_from_one_client_get_429() {
    let s = Service::start_with_config(false, &[], "[http]\nrate_limit_per_minute = 6\n").await;
    let mut codes = Vec::new();
    for _ in 0..8 {
        let (status, _) = ask_http(&s, "När plogas min gata?").await;
        codes.push(status.as_u16());
    }
    assert_eq!(codes, [200, 200, 200, 200, 200, 200, 429, 429]);
    let r = client()
        .post(url(&s, "/api/v1/ask"))
        .json(&json!({ "question": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["retry-after"], "60");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let ask = |s: &Service, forwarded: String| {
        client()
            .post(url(s, "/api/v1/ask"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({ "question": "När plogas min gata?" }))
            .send()
    };
    let config = "[http]\nrate_limit_per_minute = 2\ntrusted_proxies = [\"127.0.0.1\"]\n";
    let s = Service::start_with_config(false, &[], config).await;
    let mut codes = Vec::new();
    for i in 1..=4 {
        // A client may put anything on the left; the proxy appends the address it saw
        // (with its port, as some do).
        let forwarded = format!("203.0.113.99, 198.51.100.{i}:4711");
        for _ in 0..2 {
            codes.push(ask(&s, forwarded.clone()).await.unwrap().status().as_u16());
        }
    }
    assert_eq!(codes, [200; 8], "two each for four citizens");
    let r = ask(&s, "198.51.100.1".into()).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the third from one"
    );

    // Not trusted: the header is anybody's to write, and the peer's address counts.
    let s = Service::start_with_config(false, &[], "[http]\nrate_limit_per_minute = 2\n").await;
    let mut codes = Vec::new();
    for i in 1..=3 {
        let r = ask(&s, format!("198.51.100.{i}")).await.unwrap();
        codes.push(r.status().as_u16());
    }
    assert_eq!(codes, [200, 200, 429]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_endpoints_need_the_bearer_token_and_never_leak_data() {
    let s = service().await;
    ask_http(&s, "Kan kommunens rymdraket ta mig till månen?").await;
    s.wait_rows(1).await;
    let c = client();
    for path in ["/api/v1/log", "/api/v1/review"] {
        let r = c.get(url(&s, path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("månen"), "{body}");
        let r = c
            .get(url(&s, path))
            .bearer_auth("wrong-token-of-same-length!")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = c
            .get(url(&s, path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let rows: Value = r.json().await.unwrap();
        assert_eq!(rows[0]["outcome"], "no_answer", "{path}: {rows}");
    }
    let r = c
        .get(url(&s, "/api/v1/log?since=igår"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The CLI's spelling of an outcome works; a misspelt one is named, not an empty list.
    for (query, status) in [
        ("outcome=no-answer", StatusCode::OK),
        ("outcome=no_answer", StatusCode::OK),
        ("outcome=bogus", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = c
            .get(url(&s, &format!("/api/v1/log?{query}")))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{query}");
        let v: Value = r.json().await.unwrap();
        if status == StatusCode::OK {
            assert_eq!(v[0]["outcome"], "no_answer", "{query}: {v}");
        } else {
            assert!(v["error"].as_str().unwrap().contains("`bogus`"), "{v}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_metrics_and_openapi() {
    let s = service().await;
    let c = client();
    let r = c.get(url(&s, "/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.wait_rows(0).await;
    // Ready once the database is open; Discord is deliberately off.
    let mut ready = Value::Null;
    for _ in 0..100 {
        let r = c.get(url(&s, "/readyz")).send().await.unwrap();
        ready = r.json().await.unwrap();
        if ready["ready"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(ready["ready"], true, "{ready:#}");
    assert_eq!(ready["database"]["ok"], true);
    assert_eq!(ready["discord"]["state"], "off");
    assert!(ready["faq"]["entries"].as_u64().unwrap() >= 30);

    // A broken file on disk: the old FAQ stays live and readyz says why.
    std::fs::write(
        s.faq.path().join("bygglov/trasig.md"),
        "+++\nfråga = \"x\"\n+++\n",
    )
    .unwrap();
    let why = readyz_until(&s, |r| r["faq"]["ok"] == false).await;
    assert_eq!(why["faq"]["ok"], false, "{why:#}");
    assert!(
        why["faq"]["problems"][0]
            .as_str()
            .unwrap()
            .contains("trasig.md"),
        "{why:#}"
    );
    let (status, v) = ask_http(&s, "När plogas min gata?").await;
    assert_eq!(
        (status, v["kind"].as_str()),
        (StatusCode::OK, Some("answer"))
    );

    let text = get_text(&s, "/metrics").await;
    assert!(
        text.contains(
            "kommunbot_questions_total{channel=\"http\",outcome=\"answer\",theme=\"snorojning\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("kommunbot_answer_seconds_bucket"));
    assert!(
        text.contains("kommunbot_faq_reloads_total{kind=\"refused\"} 1"),
        "{text}"
    );
    assert!(text.contains("kommunbot_log_queue_depth"));

    let spec: Value = c
        .get(url(&s, "/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["openapi"], "3.0.3");
    assert!(spec["paths"]["/api/v1/ask"]["post"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_syncs_the_feed_and_answers_link_the_episode_at_the_minute() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("podd.xml");
    std::fs::write(
        &file,
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Kommuncenterpodden</title>\
         <item><guid>tag:soundcloud,2010:tracks/9</guid><title>Bygglov – vad gäller?</title>\
         <link>https://soundcloud.com/kommuncenterpodden/bygglov</link>\
         <description><![CDATA[<p>Vi reder ut bygglov.</p><p>03:10 Friggebod och attefallshus</p>]]></description>\
         </item></channel></rss>",
    )
    .unwrap();
    let s = Service::start_with(false, &[("KOMMUNBOT_FEED", file.to_str().unwrap())]).await;
    let ready = readyz_until(&s, |r| r["podcast"]["result"] == "updated").await;
    assert_eq!(ready["podcast"]["result"], "updated", "{ready:#}");
    assert_eq!(ready["podcast"]["episodes"], 1);
    let (status, v) = ask_http(&s, "Behöver jag bygglov för en friggebod?").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["kind"], "answer", "{v:#}");
    assert_eq!(
        v["episode"]["url"], "https://soundcloud.com/kommuncenterpodden/bygglov#t=3:10",
        "{v:#}"
    );
    assert_eq!(v["episode"]["at"], "03:10");
    let metrics = get_text(&s, "/metrics").await;
    assert!(
        metrics.contains("kommunbot_feed_syncs_total{kind=\"updated\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_faq_at_once() {
    // The watcher looks only once an hour here: the reload must come from the signal.
    let s = Service::start_with_config(false, &[], "[faq]\nreload_poll_seconds = 3600\n").await;
    let question = "Kan kommunens rymdraket ta mig till månen?";
    let (_, v) = ask_http(&s, question).await;
    assert_eq!(v["kind"], "no_answer");
    std::fs::write(
        s.faq.path().join("kommuncenter/manresor.md"),
        format!("+++\nquestion = \"{question}\"\n+++\nKommunen ordnar inga resor till månen.\n"),
    )
    .unwrap();
    s.signal("HUP");
    let mut kind = Value::Null;
    for _ in 0..200 {
        let (_, v) = ask_http(&s, question).await;
        kind = v["kind"].clone();
        if kind == "answer" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(kind, "answer", "SIGHUP did not reload:\n{}", s.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_also_reads_the_episodes_a_cli_sync_stored() {
    let s = Service::start_with_config(false, &[], "[faq]\nreload_poll_seconds = 3600\n").await;
    let question = "Behöver jag bygglov för en friggebod?";
    let (_, v) = ask_http(&s, question).await;
    assert_eq!(v["episode"], Value::Null, "{v}");
    let feed = s.data.path().join("feed.xml");
    std::fs::write(&feed, include_str!("data/friggebod-feed.xml")).unwrap();
    // A guide syncs by hand, beside the running service and its database.
    cli_beside(&s, &["episodes", "sync", "--feed", feed.to_str().unwrap()]);
    s.signal("HUP");
    let mut episode = Value::Null;
    for _ in 0..200 {
        let (_, v) = ask_http(&s, question).await;
        episode = v["episode"].clone();
        if !episode.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(episode["id"], "frigg-1", "{episode}\n{}", s.log());
}

#[tokio::test]
async fn a_client_that_sends_half_a_request_does_not_hold_up_the_stop() {
    use tokio::io::AsyncWriteExt;
    let mut s = service().await;
    let (status, _) = ask_http(&s, "När plogas min gata?").await;
    assert_eq!(status, StatusCode::OK);
    let mut half = tokio::net::TcpStream::connect(s.http).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A connection made after it has been served, so the half one has been accepted (in the
    // order they came): otherwise the stop may come first and find nothing to wait for.
    let r = client().get(url(&s, "/healthz")).send().await.unwrap();
    assert!(r.status().is_success());
    // `stop` fails the test when the service has not ended 20 s after SIGTERM.
    let rows = s.stop_and_read_log().await;
    assert_eq!(rows.len(), 1, "the question before the stop is logged");
    assert!(s.log().contains("no longer waiting"), "{}", s.log());
    drop(half);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stalls_mid_request_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = "[http]\nrequest_timeout_seconds = 1\n";
    let mut s = Service::start_with_config(false, &[], config).await;
    // What the service sends before it closes, read with a deadline of our own so that a
    // service that never cuts the client off fails the test instead of hanging it.
    async fn until_closed(mut c: tokio::net::TcpStream) -> String {
        let mut got = Vec::new();
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(15), c.read_to_end(&mut got));
        // Closed: at the end of what was sent, or reset with answers unread.
        assert!(read.await.is_ok(), "still open after 15 s");
        String::from_utf8_lossy(&got).into_owned()
    }
    // Headers that never end: the connection is closed.
    let mut headers = tokio::net::TcpStream::connect(s.http).await.unwrap();
    headers
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A body that stops coming: 408, and the connection is closed.
    let mut body = tokio::net::TcpStream::connect(s.http).await.unwrap();
    body.write_all(
        b"POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"question\": \"N",
    )
    .await
    .unwrap();
    // Requests that keep coming while their answers are never read: once the answers
    // stall, the connection is closed, before all of them are sent.
    let mut greedy = tokio::net::TcpStream::connect(s.http).await.unwrap();
    const ASKED: usize = 3000;
    greedy
        .write_all(&b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(ASKED))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let (headers, body, greedy) = tokio::join!(
        until_closed(headers),
        until_closed(body),
        until_closed(greedy)
    );
    assert!(!headers.contains("200 OK"), "{headers}");
    assert!(body.starts_with("HTTP/1.1 408"), "{body}");
    assert!(body.contains("within 1 s"), "{body}");
    let answered = greedy.matches("HTTP/1.1 200").count();
    assert!(answered < ASKED, "every answer was written: {answered}");
    // Everyone else is answered as before, and the stop does not wait for anyone.
    let (status, _) = ask_http(&s, "När plogas min gata?").await;
    assert_eq!(status, StatusCode::OK);
    let rows = s.stop_and_read_log().await;
    assert_eq!(rows.len(), 1);
    assert!(!s.log().contains("no longer waiting"), "{}", s.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_feed_server_holds_nothing_else_up() {
    // A "feed server" that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let feed = format!("http://{}/feed.xml", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming().flatten() {
            held.push(c);
        }
    });
    let s = Service::start_with_config(
        false,
        &[("KOMMUNBOT_FEED", &feed)],
        "[podcast]\ntimeout_seconds = 4\n",
    )
    .await;
    // Answers come at once while the sync hangs.
    let started = std::time::Instant::now();
    let (status, v) = ask_http(&s, "När plogas min gata?").await;
    assert_eq!(
        (status, v["kind"].as_str()),
        (StatusCode::OK, Some("answer"))
    );
    // Had it waited for the hanging sync, it would have taken the sync's 4 s timeout.
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // The sync gives up after its timeout and says so; the service stays ready.
    let ready = readyz_until(&s, |r| r["podcast"]["result"] == "failed").await;
    assert_eq!(ready["podcast"]["result"], "failed", "{ready:#}");
    assert!(
        ready["podcast"]["error"]
            .as_str()
            .unwrap()
            .contains("feed.xml"),
        "{ready:#}"
    );
    assert_eq!(ready["ready"], true);
}

#[tokio::test]
async fn the_chat_page_asks_for_a_human_once_with_the_default_contact() {
    let default = kommunbot::reply::Texts::default().contact;
    let s = Service::start_with(false, &[("KOMMUNBOT_CONTACT", &default)]).await;
    let html = get_text(&s, "/").await;
    assert_eq!(
        html.matches("Vill du prata med en människa?").count(),
        1,
        "{html}"
    );
    assert!(html.contains(">Kontakta kommuncenter"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_page_is_served_with_the_contact_escaped_and_a_strict_csp() {
    let s = Service::start_with_config(
        false,
        &[(
            "KOMMUNBOT_CONTACT",
            "Ring oss <script>alert(1)</script> på 0155-38 00 00.",
        )],
        "",
    )
    .await;
    let c = client();
    let r = c.get(url(&s, "/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"sv\">"));
    assert!(
        html.contains("Ring oss &lt;script&gt;alert(1)&lt;/script&gt; på 0155-38 00 00."),
        "{html}"
    );
    assert!(html.contains("role=\"log\"") && html.contains("aria-live=\"polite\""));
    for (path, kind) in [
        ("/chat.js", "text/javascript"),
        ("/chat.css", "text/css"),
        ("/widget.js", "text/javascript"),
    ] {
        let r = c.get(url(&s, path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
    }
    // A "Menade du…?" choice shows that entry's answer.
    let r = c
        .get(url(&s, "/api/v1/entries/snorojning/nar-plogas-min-gata"))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["question"], "När plogas min gata?");
    assert_eq!(v["ui_lang"], "sv");
    let contact = v["contact"].clone();
    // Offered to an English question: the words around the Swedish answer are English
    // (the contact text is the configured one: this service sets no English one).
    let r = c
        .get(url(
            &s,
            "/api/v1/entries/snorojning/nar-plogas-min-gata?lang=en",
        ))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (&v["ui_lang"], &v["lang"]),
        (&Value::from("en"), &Value::from("sv"))
    );
    assert_eq!(v["contact"], contact, "{v}");
    let r = c
        .get(url(
            &s,
            "/api/v1/entries/snorojning/nar-plogas-min-gata?lang=fi",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .get(url(&s, "/api/v1/entries/snorojning/finns-inte"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_and_suggestions_close_the_loop_from_citizen_to_faq() {
    let s = service().await;
    let c = client();
    for q in [
        "får man ha höns i villaområde",
        "can I keep chickens in my garden?",
    ] {
        ask_http(&s, q).await;
    }
    // A citizen picks an entry for a phrasing it does not know yet.
    let phrasing = "vart ska snön ta vägen när ni har plogat";
    let (_, v) = ask_http(&s, phrasing).await;
    let record = v["record_id"].as_str().unwrap().to_owned();
    s.wait_rows(3).await;
    let (status, _) = post(
        &s,
        "/api/v1/feedback",
        json!({ "record_id": record, "kind": "chosen", "entry": "snorojning/var-far-jag-lagga-sno" }),
    )
    .await;
    assert!(status.is_success(), "{status}");

    for path in ["/api/v1/topics", "/api/v1/suggestions"] {
        let r = c.get(url(&s, path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let topics: Value = staff_get(&s, "/api/v1/topics?since=7d&min_size=2").await;
    assert_eq!(topics["open"][0]["size"], 2, "{topics:#}");
    assert!(topics.to_string().contains("chickens"), "{topics:#}");

    let list: Value = staff_get(&s, "/api/v1/suggestions").await;
    assert_eq!(list[0]["phrasing"], phrasing, "{list:#}");
    assert_eq!(list[0]["entry"], "snorojning/var-far-jag-lagga-sno");
    let id = list[0]["id"].as_str().unwrap().to_owned();

    // A guide accepts it: the entry's file gets the phrasing and the bot answers with it.
    cli_beside(&s, &["suggestions", "accept", &id]);
    let file =
        std::fs::read_to_string(s.faq.path().join("snorojning/var-far-jag-lagga-sno.md")).unwrap();
    assert!(file.contains(phrasing), "{file}");
    let mut answered = false;
    for _ in 0..200 {
        let (_, v) = ask_http(&s, phrasing).await;
        if v["kind"] == "answer" && v["entry"] == "snorojning/var-far-jag-lagga-sno" {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        answered,
        "the accepted phrasing is served without a restart"
    );
    let list: Value = staff_get(&s, "/api/v1/suggestions").await;
    assert_eq!(
        list,
        json!([]),
        "an accepted suggestion is not proposed again"
    );
}
