//! Fetching the feed: the only outbound HTTP in the crate (reqwest).
//!
//! Done as a well-behaved client: a descriptive User-Agent, gzip, timeouts, a conditional
//! GET (ETag / Last-Modified: a 304 does nothing), a cap on every body, `Retry-After` on
//! 429/5xx, `atom:link rel="next"` pages, and the stored URL updated on a 301/308 or an
//! `itunes:new-feed-url`. A failed or malformed fetch stores nothing but the error: the last
//! good episodes stay, and a sync is written in one transaction (whole or not at all).

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};

use super::feed::{self, FeedEpisode, ParseError};
use crate::privacy::shown_url;
use crate::store::{FeedState, Store, StoreError, now_ms};

/// A feed larger than this is refused (a podcast feed with thousands of items is ~10 MB).
pub const MAX_FEED_BYTES: usize = 32 << 20;
/// Chapters and transcripts larger than this are skipped.
pub const MAX_SIDECAR_BYTES: usize = 4 << 20;
const MAX_PAGES: usize = 100;
const MAX_REDIRECTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the feed {} answered {status}", shown_url(.url))]
    Status {
        url: String,
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("cannot fetch {}: {source}", shown_url(.url))]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the feed {} is larger than {max} bytes", shown_url(.url))]
    TooLarge { url: String, max: usize },
    #[error("the feed {} redirects more than {MAX_REDIRECTS} times", shown_url(.url))]
    Redirects { url: String },
    #[error("{}: {source}", shown_url(.url))]
    Parse {
        url: String,
        #[source]
        source: ParseError,
    },
    #[error("cannot read the feed file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no feed given: an http(s) address or a file path")]
    NoFeed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// How long the server asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// `updated` or `not_modified`.
    pub result: &'static str,
    pub episodes: usize,
    pub pages: usize,
    /// Where the feed is now (after a 301 or `itunes:new-feed-url`).
    pub url: String,
    /// The feed's `<ttl>`, in minutes.
    pub ttl_minutes: Option<u32>,
}

/// The HTTP client for feeds, chapters and transcripts.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_feed_bytes: usize,
}

enum Fetched {
    NotModified,
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
        /// The URL after redirects, and whether every hop was permanent.
        url: String,
        moved: bool,
    },
}

impl Fetcher {
    /// `timeout` bounds each request as a whole, so a hanging server cannot hold a sync.
    pub fn new(timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .user_agent(concat!(
                "kommunbot/",
                env!("CARGO_PKG_VERSION"),
                " (podcast feed sync for a municipal service centre)"
            ))
            .gzip(true)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            // Redirects are followed by hand, to tell a permanent move from a temporary one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with these settings always builds");
        Self {
            client,
            max_feed_bytes: MAX_FEED_BYTES,
        }
    }

    /// Another cap on a feed page's size (the default is [`MAX_FEED_BYTES`]).
    pub fn with_max_bytes(mut self, max: usize) -> Self {
        self.max_feed_bytes = max;
        self
    }

    async fn get(
        &self,
        start: &str,
        validators: Option<(&Option<String>, &Option<String>)>,
        max: usize,
    ) -> Result<Fetched, SyncError> {
        let mut url = start.to_owned();
        let mut moved = true;
        for _ in 0..=MAX_REDIRECTS {
            let mut headers = HeaderMap::new();
            if let Some((etag, lm)) = validators {
                if let Some(v) = etag.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    headers.insert(header::IF_NONE_MATCH, v);
                }
                if let Some(v) = lm.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    headers.insert(header::IF_MODIFIED_SINCE, v);
                }
            }
            let mut resp = self
                .client
                .get(&url)
                .headers(headers)
                .send()
                .await
                .map_err(|source| SyncError::Http {
                    url: url.clone(),
                    source: source.without_url(),
                })?;
            let status = resp.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let Some(next) = resp
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| reqwest::Url::parse(&url).ok()?.join(l).ok())
                else {
                    return Err(SyncError::Status {
                        url,
                        status: status.as_u16(),
                        retry_after: None,
                    });
                };
                moved &= matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                url = next.to_string();
                continue;
            }
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified);
            }
            if !status.is_success() {
                let retry_after = resp
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                return Err(SyncError::Status {
                    url,
                    status: status.as_u16(),
                    retry_after,
                });
            }
            let text = |h: header::HeaderName| {
                resp.headers()
                    .get(h)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let (etag, last_modified) = (text(header::ETAG), text(header::LAST_MODIFIED));
            if resp.content_length().is_some_and(|n| n as usize > max) {
                return Err(SyncError::TooLarge { url, max });
            }
            // Read in chunks and stop at the cap: a lying or missing Content-Length must not
            // make us hold an unbounded body.
            let mut bytes = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|source| SyncError::Http {
                url: url.clone(),
                source: source.without_url(),
            })? {
                if bytes.len() + chunk.len() > max {
                    return Err(SyncError::TooLarge { url, max });
                }
                bytes.extend_from_slice(&chunk);
            }
            return Ok(Fetched::Body {
                bytes,
                etag,
                last_modified,
                moved: moved && url != start,
                url,
            });
        }
        Err(SyncError::Redirects { url })
    }

    /// A chapters file or transcript: the body, or `None` (logged) when it cannot be had.
    async fn sidecar(&self, url: &str) -> Option<Vec<u8>> {
        match self.get(url, None, MAX_SIDECAR_BYTES).await {
            Ok(Fetched::Body { bytes, .. }) => Some(bytes),
            Ok(Fetched::NotModified) => None,
            Err(e) => {
                tracing::warn!(error = %e, "podcast: chapters or transcript skipped");
                None
            }
        }
    }
}

fn is_http(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// Where a feed is, as it is stored and shown: an http(s) address as given; a file as an
/// absolute path, also when given as a `file://` URL or relative to where the command ran
/// (the service may run elsewhere). A blank one is refused before anything is recorded.
pub fn feed_location(given: &str) -> Result<String, SyncError> {
    let given = given.trim();
    if given.is_empty() {
        return Err(SyncError::NoFeed);
    }
    if is_http(given) {
        return Ok(given.to_owned());
    }
    let path = match url::Url::parse(given) {
        Ok(u) if u.scheme() == "file" => u.to_file_path().map_err(|()| SyncError::Io {
            path: given.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a local file"),
        })?,
        _ => std::path::PathBuf::from(given),
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    Ok(path.display().to_string())
}

/// Syncs once from `configured` (an http(s) URL, or a local file: read as it is, no pages
/// followed, nothing fetched). Stores the episodes and the feed state, or only the error
/// (the episodes stay as they were).
pub async fn sync_once(
    store: &Store,
    fetcher: &Fetcher,
    configured: &str,
) -> Result<SyncReport, SyncError> {
    let configured = feed_location(configured)?;
    let configured = configured.as_str();
    let stored = store.feed_state().await?;
    // Another feed than the one last synced with success: its episodes replace those, not
    // join them. (A failed first try of a new feed is stored too, with no success.)
    let other_feed = stored
        .as_ref()
        .is_some_and(|f| f.configured != configured || f.succeeded_at.is_none());
    let previous = stored.filter(|f| f.configured == configured);
    let mut state = previous.clone().unwrap_or_else(|| FeedState {
        configured: configured.to_owned(),
        url: configured.to_owned(),
        ..FeedState::default()
    });
    state.attempted_at = Some(now_ms());
    match fetch_all(fetcher, &state).await {
        Ok(Outcome::NotModified) => {
            state.result = Some("not_modified".into());
            state.error = None;
            state.succeeded_at = Some(now_ms());
            store.save_feed_state(&state).await?;
            tracing::info!(url = %shown_url(&state.url), "podcast: feed not modified");
            Ok(SyncReport {
                result: "not_modified",
                episodes: 0,
                pages: 0,
                url: state.url,
                ttl_minutes: None,
            })
        }
        Ok(Outcome::Updated(u)) => {
            if u.url != state.url {
                tracing::warn!(from = %shown_url(&state.url), to = %shown_url(&u.url), "podcast: the feed has moved; using the new address from now on");
            }
            state.url = u.url.clone();
            state.etag = u.etag;
            state.last_modified = u.last_modified;
            state.result = Some("updated".into());
            state.error = None;
            state.succeeded_at = Some(now_ms());
            store.save_sync(&u.episodes, &state, other_feed).await?;
            tracing::info!(
                episodes = u.episodes.len(),
                pages = u.pages,
                "podcast: feed synced"
            );
            Ok(SyncReport {
                result: "updated",
                episodes: u.episodes.len(),
                pages: u.pages,
                url: u.url,
                ttl_minutes: u.ttl,
            })
        }
        Err(e) => {
            state.result = Some("failed".into());
            state.error = Some(e.to_string());
            // The episodes stay as they were; only the attempt is recorded.
            if let Err(se) = store.save_feed_state(&state).await {
                tracing::error!(error = %se, "podcast: cannot record the failed sync");
            }
            // Said by the caller: the service's loop logs it, the CLI prints it once.
            Err(e)
        }
    }
}

enum Outcome {
    NotModified,
    Updated(Update),
}

struct Update {
    episodes: Vec<FeedEpisode>,
    pages: usize,
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    ttl: Option<u32>,
}

async fn fetch_all(fetcher: &Fetcher, state: &FeedState) -> Result<Outcome, SyncError> {
    if !is_http(&state.url) {
        let path = Path::new(&state.url);
        let bytes = std::fs::read(path).map_err(|source| SyncError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let parsed = feed::parse(&bytes).map_err(|source| SyncError::Parse {
            url: state.url.clone(),
            source,
        })?;
        return Ok(Outcome::Updated(Update {
            episodes: dedup(parsed.episodes),
            pages: 1,
            url: state.url.clone(),
            etag: None,
            last_modified: None,
            ttl: parsed.ttl_minutes,
        }));
    }
    let validators = (&state.etag, &state.last_modified);
    let (bytes, etag, last_modified, mut url) = match fetcher
        .get(&state.url, Some(validators), fetcher.max_feed_bytes)
        .await?
    {
        Fetched::NotModified => return Ok(Outcome::NotModified),
        Fetched::Body {
            bytes,
            etag,
            last_modified,
            url,
            moved,
        } => {
            let keep = if moved { url } else { state.url.clone() };
            (bytes, etag, last_modified, keep)
        }
    };
    let parse = |bytes: &[u8], url: &str| {
        feed::parse(bytes).map_err(|source| SyncError::Parse {
            url: url.to_owned(),
            source,
        })
    };
    let first = parse(&bytes, &url)?;
    let ttl = first.ttl_minutes;
    if let Some(new) = first
        .new_feed_url
        .as_ref()
        .filter(|n| is_http(n) && **n != url)
    {
        url = new.clone();
    }
    let mut episodes = first.episodes;
    let mut next = first.next_page;
    let mut pages = 1;
    let mut seen = vec![state.url.clone()];
    while let Some(page) = next.take() {
        if pages >= MAX_PAGES || seen.contains(&page) {
            break;
        }
        seen.push(page.clone());
        let Fetched::Body { bytes, .. } = fetcher.get(&page, None, fetcher.max_feed_bytes).await?
        else {
            break;
        };
        let parsed = parse(&bytes, &page)?;
        episodes.extend(parsed.episodes);
        next = parsed.next_page;
        pages += 1;
    }
    let mut episodes = dedup(episodes);
    for e in &mut episodes {
        if let Some(u) = e.chapters_url.clone()
            && let Some(ch) = fetcher
                .sidecar(&u)
                .await
                .and_then(|b| feed::parse_chapters_json(&b))
            && !ch.is_empty()
        {
            e.chapters = ch;
        }
        // One transcript is enough: prefer the timed formats.
        let mut urls = e.transcript_urls.clone();
        urls.sort_by_key(|(_, kind)| {
            let k = kind.to_ascii_lowercase();
            if k.contains("vtt") || k.contains("srt") || k.contains("subrip") {
                0
            } else if k.contains("json") {
                1
            } else {
                2
            }
        });
        for (u, kind) in urls.iter().take(2) {
            if let Some(t) = fetcher
                .sidecar(u)
                .await
                .and_then(|b| feed::parse_transcript(kind, &b))
                && !t.is_empty()
            {
                e.transcript = t;
                break;
            }
        }
    }
    Ok(Outcome::Updated(Update {
        episodes,
        pages,
        url,
        etag,
        last_modified,
        ttl,
    }))
}

/// A guid seen twice (a paged feed repeating an item) is kept once, the first time.
fn dedup(mut episodes: Vec<FeedEpisode>) -> Vec<FeedEpisode> {
    let mut seen = std::collections::HashSet::new();
    episodes.retain(|e| seen.insert(e.guid.clone()));
    episodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_is_stored_where_any_process_finds_it() {
        assert!(matches!(feed_location("  "), Err(SyncError::NoFeed)));
        assert_eq!(
            feed_location(" https://example.se/feed.xml ").unwrap(),
            "https://example.se/feed.xml"
        );
        assert_eq!(
            feed_location("file:///srv/feeds/kommun.xml").unwrap(),
            "/srv/feeds/kommun.xml"
        );
        let relative = feed_location("feeds/kommun.xml").unwrap();
        assert!(Path::new(&relative).is_absolute(), "{relative}");
        assert!(relative.ends_with("feeds/kommun.xml"), "{relative}");
    }
}
