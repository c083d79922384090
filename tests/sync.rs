//! Feed sync against a feed server the test serves on 127.0.0.1: what a real host does
//! (ETag and 304, pages, errors, hangs, broken XML, huge bodies, moves), and what is stored
//! afterwards. Feeds here are made by the test: real fixture feeds point their chapters at
//! hosts on the internet, which a test must never call.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kommunbot::podcast::{Catalogue, Fetcher, SyncError, sync_once};
use kommunbot::store::Store;

#[derive(Clone, Default)]
struct Server {
    hits: Arc<Mutex<HashMap<String, usize>>>,
    addr: Arc<Mutex<Option<SocketAddr>>>,
}

impl Server {
    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

fn feed(base: &str, items: &[(&str, &str, &str)], extra_channel: &str) -> String {
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\" \
         xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"><channel>\
         <title>Kommuncenterpodden</title><ttl>60</ttl>{extra_channel}"
    );
    for (guid, title, extra) in items {
        x.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
             <link>{base}/track/{guid}</link><itunes:duration>00:21:30</itunes:duration>\
             <description>Om {title}.</description>{extra}</item>"
        ));
    }
    x.push_str("</channel></rss>");
    x
}

async fn handle(State(s): State<Server>, headers: HeaderMap, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let n = {
        let mut h = s.hits.lock().unwrap();
        let n = h.entry(path.clone()).or_default();
        *n += 1;
        *n
    };
    let base = format!("http://{}", s.addr.lock().unwrap().unwrap());
    let xml =
        |body: String| ([(header::CONTENT_TYPE, "application/rss+xml")], body).into_response();
    match path.as_str() {
        "/feed.xml" => {
            if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v == "\"v1\"") {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            let sidecars = format!(
                "<podcast:chapters url=\"{base}/chapters.json\" type=\"application/json+chapters\"/>\
                 <podcast:transcript url=\"{base}/t.vtt\" type=\"text/vtt\"/>"
            );
            let body = feed(
                &base,
                &[("snow", "Snöröjning", &sidecars), ("bygg", "Bygglov", "")],
                "",
            );
            ([(header::ETAG, "\"v1\"")], xml(body)).into_response()
        }
        "/chapters.json" => (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"version":"1.2.0","chapters":[{"startTime":0,"title":"Intro"},{"startTime":270,"title":"Plogvallar vid infarten"}]}"#,
        )
            .into_response(),
        "/t.vtt" => "WEBVTT\n\n00:10.000 --> 00:14.000\nVälkommen\n\n12:10.000 --> 12:15.000\nNu pratar vi om sandning mot halka\n".into_response(),
        "/paged/1.xml" => xml(feed(
            &base,
            &[("p1", "Första", "")],
            &format!("<atom:link rel=\"next\" href=\"{base}/paged/2.xml\"/>"),
        )),
        "/paged/2.xml" => xml(feed(&base, &[("p2", "Andra", ""), ("p1", "Första igen", "")], "")),
        "/flaky.xml" if n == 1 => {
            ([(header::RETRY_AFTER, "7")], StatusCode::SERVICE_UNAVAILABLE).into_response()
        }
        "/flaky.xml" => xml(feed(&base, &[("f1", "Efter felet", "")], "")),
        "/slow.xml" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            xml(feed(&base, &[("s1", "För sent", "")], ""))
        }
        "/broken.xml" => xml(feed(&base, &[("b1", "Trasig", "")], "")[..150].to_owned()),
        "/big.xml" => xml(feed(&base, &[("big", &"x".repeat(50_000), "")], "")),
        "/old.xml" => (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, "/feed.xml")],
        )
            .into_response(),
        "/elsewhere.xml" => xml(feed(
            &base,
            &[("e1", "Flyttat", "")],
            &format!("<itunes:new-feed-url>{base}/feed.xml</itunes:new-feed-url>"),
        )),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn server() -> (Server, String) {
    let s = Server::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    *s.addr.lock().unwrap() = Some(addr);
    let app = Router::new().fallback(handle).with_state(s.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (s, format!("http://{addr}"))
}

async fn new_store() -> (Store, tempfile::TempDir) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(&format!("sqlite://{}/kb.db", d.path().display()))
        .await
        .unwrap();
    (s, d)
}

fn fetcher() -> Fetcher {
    Fetcher::new(Duration::from_secs(1))
}

#[tokio::test]
async fn etag_then_304_does_nothing_and_chapters_and_transcript_are_kept() {
    let (srv, base) = server().await;
    let (store, _d) = new_store().await;
    let url = format!("{base}/feed.xml");
    let r = sync_once(&store, &fetcher(), &url).await.unwrap();
    assert_eq!(
        (r.result, r.episodes, r.ttl_minutes),
        ("updated", 2, Some(60))
    );
    let eps = store.episodes().await.unwrap();
    let snow = eps.iter().find(|e| e.guid == "snow").unwrap();
    assert_eq!(snow.duration, Some(1290));
    assert_eq!(snow.chapters[1].start, 270, "chapters from the JSON file");
    assert_eq!(snow.transcript[1].start, 730, "the transcript, timed");
    let st = store.feed_state().await.unwrap().unwrap();
    assert_eq!(st.etag.as_deref(), Some("\"v1\""));

    let r = sync_once(&store, &fetcher(), &url).await.unwrap();
    assert_eq!(r.result, "not_modified");
    assert_eq!(srv.hits("/chapters.json"), 1, "a 304 fetches nothing more");
    assert_eq!(store.episodes().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_paged_feed_is_followed_and_upserted_by_guid() {
    let (_srv, base) = server().await;
    let (store, _d) = new_store().await;
    let r = sync_once(&store, &fetcher(), &format!("{base}/paged/1.xml"))
        .await
        .unwrap();
    assert_eq!((r.pages, r.episodes), (2, 2));
    // Again: the same guids are updated, never duplicated.
    sync_once(&store, &fetcher(), &format!("{base}/paged/1.xml"))
        .await
        .unwrap();
    let eps = store.episodes().await.unwrap();
    assert_eq!(eps.len(), 2);
}

#[tokio::test]
async fn a_failure_keeps_the_last_good_episodes_and_says_why_then_recovers() {
    let (_srv, base) = server().await;
    let (store, _d) = new_store().await;
    sync_once(&store, &fetcher(), &format!("{base}/paged/1.xml"))
        .await
        .unwrap();
    // Switching to a flaky feed: 503 with Retry-After first.
    let flaky = format!("{base}/flaky.xml");
    let e = sync_once(&store, &fetcher(), &flaky).await.unwrap_err();
    assert!(matches!(e, SyncError::Status { status: 503, .. }), "{e}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(store.episodes().await.unwrap().len(), 2, "nothing lost");
    let st = store.feed_state().await.unwrap().unwrap();
    assert_eq!(st.result.as_deref(), Some("failed"));
    assert!(st.error.unwrap().contains("503"));
    // The next attempt works.
    let r = sync_once(&store, &fetcher(), &flaky).await.unwrap();
    assert_eq!(r.result, "updated");
    assert_eq!(store.feed_state().await.unwrap().unwrap().error, None);
}

#[tokio::test]
async fn a_private_feeds_secret_stays_out_of_errors_and_the_stored_state() {
    let (_srv, base) = server().await;
    let (store, _d) = new_store().await;
    let port = base.rsplit(':').next().unwrap();
    for path in ["flaky.xml", "broken.xml"] {
        let secret = format!("http://podd:hemligt@127.0.0.1:{port}/{path}?token=s3cr3t");
        let e = sync_once(&store, &fetcher(), &secret).await.unwrap_err();
        let stored = store.feed_state().await.unwrap().unwrap().error.unwrap();
        for text in [e.to_string(), stored] {
            assert!(
                !text.contains("hemligt") && !text.contains("s3cr3t"),
                "{text}"
            );
            assert!(
                text.contains(&format!("127.0.0.1:{port}/{path}?…")),
                "{text}"
            );
        }
    }
    // Nobody listens here: reqwest's own message names the URL too.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let secret = format!("http://podd:hemligt@127.0.0.1:{port}/feed.xml?token=s3cr3t");
    let e = sync_once(&store, &fetcher(), &secret).await.unwrap_err();
    let text = format!("{:#}", anyhow::Error::from(e));
    assert!(
        !text.contains("hemligt") && !text.contains("s3cr3t"),
        "{text}"
    );
}

#[tokio::test]
async fn a_hanging_server_times_out_and_broken_or_huge_feeds_store_nothing() {
    let (_srv, base) = server().await;
    let (store, _d) = new_store().await;
    sync_once(&store, &fetcher(), &format!("{base}/paged/1.xml"))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let e = sync_once(&store, &fetcher(), &format!("{base}/slow.xml"))
        .await
        .unwrap_err();
    assert!(matches!(e, SyncError::Http { .. }), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the timeout held"
    );

    let e = sync_once(&store, &fetcher(), &format!("{base}/broken.xml"))
        .await
        .unwrap_err();
    assert!(matches!(e, SyncError::Parse { .. }), "{e}");
    assert!(e.to_string().contains("broken.xml"), "{e}");

    let small = fetcher().with_max_bytes(10_000);
    let e = sync_once(&store, &small, &format!("{base}/big.xml"))
        .await
        .unwrap_err();
    assert!(matches!(e, SyncError::TooLarge { .. }), "{e}");

    let eps = store.episodes().await.unwrap();
    assert_eq!(eps.len(), 2, "the last good episodes stay");
}

#[tokio::test]
async fn a_301_or_new_feed_url_updates_the_stored_address() {
    let (_srv, base) = server().await;
    let (store, _d) = new_store().await;
    let old = format!("{base}/old.xml");
    let r = sync_once(&store, &fetcher(), &old).await.unwrap();
    assert_eq!(r.url, format!("{base}/feed.xml"));
    let st = store.feed_state().await.unwrap().unwrap();
    assert_eq!(
        (st.configured.as_str(), st.url.as_str()),
        (old.as_str(), r.url.as_str())
    );
    // Next time it goes straight to the new address (and gets a 304 there).
    assert_eq!(
        sync_once(&store, &fetcher(), &old).await.unwrap().result,
        "not_modified"
    );

    let (store2, _d2) = new_store().await;
    let r = sync_once(&store2, &fetcher(), &format!("{base}/elsewhere.xml"))
        .await
        .unwrap();
    assert_eq!(r.url, format!("{base}/feed.xml"), "itunes:new-feed-url");
}

#[tokio::test]
async fn a_local_file_works_offline_and_answers_link_the_synced_episode_at_the_minute() {
    let (store, d) = new_store().await;
    let file = d.path().join("podd.xml");
    std::fs::write(
        &file,
        feed(
            "https://soundcloud.com/kommuncenterpodden",
            &[(
                "tag:soundcloud,2010:tracks/9",
                "Bygglov – vad gäller?",
                "<description><![CDATA[<p>Vi reder ut bygglov.</p><p>03:10 Friggebod och attefallshus</p><p>15:40 Altan och staket</p>]]></description>",
            )],
            "",
        ),
    )
    .unwrap();
    let r = sync_once(&store, &fetcher(), file.to_str().unwrap())
        .await
        .unwrap();
    assert_eq!(r.episodes, 1);
    let faq = kommunbot::faq::load_strict(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq"),
    )
    .unwrap();
    let cat = Catalogue::build(&faq, &store.episodes().await.unwrap());
    // (question, expected second)
    for (q, at) in [
        ("Behöver jag bygglov för en friggebod?", 190),
        ("Behöver jag bygglov för ett staket runt altanen?", 940),
    ] {
        let f = cat
            .find(q, Some("bygglov"))
            .unwrap_or_else(|| panic!("{q}"));
        assert_eq!(f.id, "tag:soundcloud,2010:tracks/9", "{q}");
        assert_eq!(f.at, Some(at), "{q}");
    }
}

/// Syncing another feed than before replaces the episodes: two podcasts' episodes are no
/// catalogue (a one-off `--feed` to try another host must not leave its episodes mixed in).
/// The same feed synced again keeps upserting.
#[tokio::test]
async fn another_feed_replaces_the_episodes_of_the_one_before() {
    let (store, d) = new_store().await;
    let write = |name: &str, items: &[(&str, &str, &str)]| {
        let file = d.path().join(name);
        std::fs::write(&file, feed("https://example.se", items, "")).unwrap();
        file.to_str().unwrap().to_owned()
    };
    let a = write(
        "a.xml",
        &[("a-1", "Snöröjning", ""), ("a-2", "Bygglov", "")],
    );
    let b = write("b.xml", &[("b-1", "Livsmedel", "")]);
    let guids = async |store: &Store| -> Vec<String> {
        let mut g: Vec<String> = store
            .episodes()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.guid)
            .collect();
        g.sort();
        g
    };
    sync_once(&store, &fetcher(), &a).await.unwrap();
    sync_once(&store, &fetcher(), &a).await.unwrap();
    assert_eq!(guids(&store).await, ["a-1", "a-2"]);
    sync_once(&store, &fetcher(), &b).await.unwrap();
    assert_eq!(guids(&store).await, ["b-1"]);
    // A new feed that fails at first, then works: still no mix.
    let c = d.path().join("c.xml").to_str().unwrap().to_owned();
    sync_once(&store, &fetcher(), &c).await.unwrap_err();
    assert_eq!(
        guids(&store).await,
        ["b-1"],
        "a failure keeps what there was"
    );
    std::fs::write(
        &c,
        feed("https://example.se", &[("c-1", "Bygglov", "")], ""),
    )
    .unwrap();
    sync_once(&store, &fetcher(), &c).await.unwrap();
    assert_eq!(guids(&store).await, ["c-1"]);
}
