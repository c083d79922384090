//! The HTTP adapter (axum): the ask API for a web chat or another chat platform, feedback,
//! health checks, metrics and the staff endpoints. The only code that names axum types.
//!
//! Every error is JSON (`{"error": "…"}`) with a status that says what kind it is: 415 wrong
//! content type, 400 invalid JSON, 422 a missing or bad field, 413 a body over 64 KiB, 429
//! too many questions from one client, 401 a staff endpoint without the right bearer token.
//! `/readyz` says in its body what is wrong. Questions are answered inline: the engine takes
//! tens of microseconds, less than handing the work to another thread would.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::watch;

use crate::config::{HttpSettings, Secret};
use crate::ratelimit::{RateLimiter, Verdict};
use crate::reply::Reply;
use crate::service::{Asker, DiscordState, Service};
use crate::store::{Channel, Feedback, Filter, Place};

/// Requests larger than this are refused with 413.
pub const MAX_BODY: usize = 64 * 1024;
/// Questions longer than this (in characters) are refused with 422.
pub const MAX_QUESTION: usize = 2000;

const OPENAPI: &str = include_str!("openapi.json");
// The web chat, embedded at build time: no Node build step, nothing to install.
const CHAT_HTML: &str = include_str!("web/index.html");
const CHAT_CSS: &str = include_str!("web/chat.css");
const CHAT_JS: &str = include_str!("web/chat.js");
const WIDGET_JS: &str = include_str!("web/widget.js");
/// Only our own scripts, styles and API: an injected `<script>` or `onerror` would not run
/// even if something ever slipped past the chat's text-only rendering. Any site may embed
/// the chat (the widget's iframe).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors *";

struct AppState {
    service: Arc<Service>,
    staff_token: Secret,
    limiter: RateLimiter<IpAddr>,
    trusted_proxies: Vec<IpAddr>,
}

impl AppState {
    /// The client's address: the peer's, or, when the peer is a trusted reverse proxy, the
    /// right-most address in `X-Forwarded-For` that is not one of them (a client can put
    /// anything on the left of that list, but not on the right).
    fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        client_address(&self.trusted_proxies, peer, headers)
    }
}

/// See [`AppState::client`]. Addresses compare in their canonical form: on a `[::]`
/// listener an IPv4 proxy is `::ffff:127.0.0.1`. A hop may carry a port
/// ("198.51.100.7:4711").
fn client_address(trusted_proxies: &[IpAddr], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let peer = peer.to_canonical();
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|t| t.to_canonical() == *ip);
    if !trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let parse = |h: &str| {
        let h = h.trim();
        h.parse::<IpAddr>()
            .or_else(|_| h.parse::<SocketAddr>().map(|a| a.ip()))
            .ok()
            .map(|ip| ip.to_canonical())
    };
    hops.iter()
        .rev()
        .map_while(|h| parse(h))
        .find(|ip| !trusted(ip))
        .unwrap_or(peer)
}

/// A body over [`MAX_BODY`], however it was found out: while the accept loop reads it, or
/// by the router's own limit (`router()` also serves without that loop).
fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than {MAX_BODY} bytes"),
    )
}

/// A JSON error with its status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let (status, message) = match &r {
            JsonRejection::MissingJsonContentType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with `Content-Type: application/json`".to_owned(),
            ),
            JsonRejection::JsonSyntaxError(_) => (
                StatusCode::BAD_REQUEST,
                format!("invalid JSON: {}", r.body_text()),
            ),
            // serde's own words ("missing field `question`"), without axum's capitalised
            // preamble about Rust types.
            JsonRejection::JsonDataError(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "invalid request: {}",
                    r.body_text()
                        .trim_start_matches(
                            "Failed to deserialize the JSON body into the target type: "
                        )
                        .replace("struct AskRequest", "an object")
                        .replace("struct FeedbackRequest", "an object")
                        .replace("struct ForgetRequest", "an object")
                ),
            ),
            JsonRejection::BytesRejection(_) => return too_large(),
            _ => (r.status(), r.body_text()),
        };
        Self::new(status, message)
    }
}

/// The router, for `serve` and for tests that drive it on a random port.
pub fn router(service: Arc<Service>, settings: &HttpSettings) -> Router {
    let state = Arc::new(AppState {
        service,
        staff_token: settings.staff_token.clone(),
        limiter: RateLimiter::new(settings.rate_limit_per_minute, Duration::from_secs(60)),
        trusted_proxies: settings.trusted_proxies.clone(),
    });
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/ask", post(ask))
        .route("/api/v1/feedback", post(feedback))
        .route("/api/v1/forget", post(forget))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/entries/{theme}/{slug}", get(entry))
        .route("/", get(chat_page))
        .route(
            "/chat.css",
            get(|| async { asset("text/css; charset=utf-8", CHAT_CSS) }),
        )
        .route(
            "/chat.js",
            get(|| async { asset("text/javascript; charset=utf-8", CHAT_JS) }),
        )
        .route(
            "/widget.js",
            get(|| async { asset("text/javascript; charset=utf-8", WIDGET_JS) }),
        )
        .route("/api/v1/log", get(staff_log))
        .route("/api/v1/review", get(staff_review))
        .route("/api/v1/topics", get(staff_topics))
        .route("/api/v1/suggestions", get(staff_suggestions))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no such endpoint; see /api/v1/openapi.json",
            )
        })
        .method_not_allowed_fallback(|method: axum::http::Method| async move {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("method {method} is not allowed here; see /api/v1/openapi.json"),
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// How long requests in flight may take to complete once the service stops. A client that
/// sends half a request and waits must not hold the stop until the service manager kills it
/// (Docker waits 10 s): the question log is flushed only after this.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves on `listener` until `shutdown` turns true; requests in flight complete, for at
/// most [`SHUTDOWN_GRACE`].
///
/// Our own accept loop rather than `axum::serve`, for the one thing that does not offer: a
/// deadline on reading a request (`http.request_timeout_seconds`). Without it a client that
/// sends a header line now and then holds its connection, and a socket, for ever.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
    settings: &HttpSettings,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let app = router(service, settings);
    let limit = settings.request_timeout;
    let shutdown_loop = shutdown.clone();
    // Every connection holds a receiver; the stop waits until the last one is dropped.
    let (open_tx, open_rx) = watch::channel(());
    let accepting = async move {
        loop {
            let (stream, peer) = tokio::select! {
                () = stopped(shutdown_loop.clone()) => break,
                accepted = listener.accept() => match accepted {
                    Ok(c) => c,
                    // One client's connection went wrong before it was accepted.
                    Err(e) if matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionAborted
                            | std::io::ErrorKind::ConnectionReset
                            | std::io::ErrorKind::ConnectionRefused
                    ) => {
                        tracing::debug!(error = %e, "http: a connection ended before it was accepted");
                        continue;
                    }
                    Err(e) => {
                        // Out of file descriptors, say: wait for some to close, don't spin.
                        tracing::warn!(error = %e, "http: accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            tokio::spawn(connection(
                stream,
                peer,
                app.clone(),
                limit,
                (shutdown_loop.clone(), open_rx.clone()),
            ));
        }
        // New connections are refused from now on, not left waiting in the backlog.
        drop(listener);
        drop(open_rx);
        open_tx.closed().await;
    };
    let deadline = async {
        stopped(shutdown.clone()).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        () = accepting => {}
        () = deadline => {
            tracing::warn!(
                grace_s = SHUTDOWN_GRACE.as_secs(),
                "http: requests still open after the grace period; no longer waiting for them"
            );
        }
    }
    Ok(())
}

/// A connection whose writes fail once they have made no progress for `limit`.
struct WriteDeadline {
    inner: tokio::net::TcpStream,
    limit: Duration,
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl WriteDeadline {
    fn new(inner: tokio::net::TcpStream, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            stalled: None,
        }
    }

    /// `Pending` from a write: start the clock (once), and fail when it has run out.
    fn check<T>(
        &mut self,
        polled: std::task::Poll<std::io::Result<T>>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<T>> {
        use std::task::Poll;
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let limit = self.limit;
        let timer = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl tokio::io::AsyncRead for WriteDeadline {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for WriteDeadline {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        self.check(polled, cx)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_flush(cx);
        self.check(polled, cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_shutdown(cx);
        self.check(polled, cx)
    }
}

/// Returns once `shutdown` turns true (or its sender is gone).
async fn stopped(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await;
}

/// One client connection (HTTP/1.1, keep-alive) until it closes or the service stops.
async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    limit: Duration,
    (shutdown, _open): (watch::Receiver<bool>, watch::Receiver<()>),
) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |req: axum::http::Request<_>| {
        let app = app.clone();
        async move {
            // The headers are in; the body gets as long again. It is read here, whole (at
            // most MAX_BODY), so that the deadline is the client's and not a handler's.
            let (mut parts, body) = req.into_parts();
            let read = http_body_util::Limited::new(body, MAX_BODY).collect();
            let body = match tokio::time::timeout(limit, read).await {
                Ok(Ok(b)) => b.to_bytes(),
                Ok(Err(e)) => {
                    let refused = if e.is::<http_body_util::LengthLimitError>() {
                        too_large()
                    } else {
                        ApiError::new(
                            StatusCode::BAD_REQUEST,
                            format!("cannot read the body: {e}"),
                        )
                    };
                    return Ok(refused.into_response());
                }
                Err(_) => {
                    return Ok(ApiError::new(
                        StatusCode::REQUEST_TIMEOUT,
                        format!("the request was not complete within {} s", limit.as_secs()),
                    )
                    .into_response());
                }
            };
            parts.extensions.insert(ConnectInfo(peer));
            let req = axum::http::Request::from_parts(parts, axum::body::Body::from(body));
            app.oneshot(req).await
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limit);
    // A client that sends requests but never reads the answers stalls our writes: it is cut
    // off after as long, as one that stops sending is.
    let io = WriteDeadline::new(stream, limit);
    let conn = http.serve_connection(hyper_util::rt::TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        served = conn.as_mut() => {
            if let Err(e) = served {
                tracing::debug!(error = %e, "http: connection ended with an error");
            }
        }
        () = stopped(shutdown) => {
            // Finish the request in flight, take no new one on this connection.
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

#[derive(Serialize)]
struct Readiness {
    ready: bool,
    faq: FaqHealth,
    database: Check,
    discord: DiscordState,
    /// The last feed sync, if a feed was ever synced (it never makes the service unready:
    /// answers go on with the last good episodes).
    podcast: Option<crate::store::FeedState>,
}

#[derive(Serialize)]
struct FaqHealth {
    ok: bool,
    entries: usize,
    /// Problems of an edit on disk that is not served (the previous FAQ is).
    problems: Vec<String>,
}

#[derive(Serialize)]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

async fn readyz(State(s): State<Arc<AppState>>) -> Response {
    let live = s.service.live();
    let problems: Vec<String> = s
        .service
        .reload_problems()
        .unwrap_or_default()
        .iter()
        .map(ToString::to_string)
        .collect();
    let database = match s.service.store() {
        Err(e) => Check {
            ok: false,
            error: Some(e.to_string()),
        },
        Ok(store) => match tokio::time::timeout(Duration::from_secs(2), store.ping()).await {
            Ok(true) => Check {
                ok: true,
                error: None,
            },
            Ok(false) => Check {
                ok: false,
                error: Some("the database does not answer; questions wait in the spool".into()),
            },
            Err(_) => Check {
                ok: false,
                error: Some("the database did not answer within 2 s".into()),
            },
        },
    };
    let podcast = match s.service.store() {
        Ok(store) => store.feed_state().await.ok().flatten(),
        Err(_) => None,
    }
    // `/readyz` is public: a private feed's secret stays out of it.
    .map(|mut f| {
        f.configured = crate::podcast::shown_url(&f.configured);
        f.url = crate::podcast::shown_url(&f.url);
        f
    });
    let discord = s.service.discord();
    let discord_ok = matches!(discord, DiscordState::Off | DiscordState::Connected);
    let body = Readiness {
        ready: database.ok && discord_ok,
        faq: FaqHealth {
            ok: problems.is_empty(),
            entries: live.engine.len(),
            problems,
        },
        database,
        discord,
        podcast,
    };
    let status = if body.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn metrics(State(s): State<Arc<AppState>>) -> Response {
    let text = s
        .service
        .metrics
        .render(s.service.log(), s.service.live().engine.len());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

/// The chat page, with the municipality's way to a person filled in (HTML-escaped).
async fn chat_page(State(s): State<Arc<AppState>>) -> Response {
    // The page asks "Vill du prata med en människa?" itself (in the reader's language); a
    // contact text that opens with the same question would ask it twice.
    let contact = &s.service.texts.contact;
    let contact = contact
        .strip_prefix(crate::reply::HUMAN)
        .map_or(contact.as_str(), str::trim_start);
    let page = CHAT_HTML.replace("{{CONTACT}}", &escape_html(contact));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        page,
    )
        .into_response()
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One entry's reply, as if it had been the answer: what a "Menade du…?" choice shows.
/// `?lang=en`: the entry was offered as a choice to an English question.
#[derive(Deserialize)]
struct EntryQuery {
    #[serde(default)]
    lang: Option<String>,
}

async fn entry(
    State(s): State<Arc<AppState>>,
    axum::extract::Path((theme, slug)): axum::extract::Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<EntryQuery>,
) -> Result<Json<Reply>, ApiError> {
    let id = format!("{theme}/{slug}");
    let english = match q.lang.as_deref() {
        None | Some("sv") => false,
        Some("en") => true,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("unknown `lang` \"{other}\": use sv or en"),
            ));
        }
    };
    s.service
        .show(&id, english)
        .map(Json)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no entry `{id}`")))
}

async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AskRequest {
    question: String,
    /// The asker on the calling platform; stored only as a pseudonym.
    #[serde(default)]
    user: Option<String>,
    /// `http` (default) or `web` (the web chat).
    #[serde(default)]
    channel: Option<String>,
}

#[derive(Serialize)]
struct AskResponse {
    /// Refer to it when sending feedback.
    record_id: String,
    #[serde(flatten)]
    reply: Reply,
}

async fn ask(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<AskRequest>, JsonRejection>,
) -> Result<Json<AskResponse>, Response> {
    let req = citizen_request(
        &s,
        peer,
        &headers,
        body,
        "too many questions from this address; wait a minute",
    )?;
    let question = required("question", &req.question).map_err(IntoResponse::into_response)?;
    let chars = question.chars().count();
    if chars > MAX_QUESTION {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`question` is {chars} characters; at most {MAX_QUESTION}"),
        )
        .into_response());
    }
    let channel = channel_of(req.channel.as_deref()).map_err(IntoResponse::into_response)?;
    let user = req.user.filter(|u| !u.trim().is_empty());
    let answered = s.service.ask(
        question,
        channel,
        Place::default(),
        user.as_deref().map(|u| Asker {
            platform: channel.as_str(),
            user: u,
        }),
    );
    Ok(Json(AskResponse {
        record_id: answered.record_id,
        reply: answered.reply,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackRequest {
    record_id: String,
    kind: String,
    #[serde(default)]
    entry: Option<String>,
}

async fn feedback(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<FeedbackRequest>, JsonRejection>,
) -> Result<StatusCode, Response> {
    // Feedback costs a database write (or a spool append): the same budget as questions.
    let req = citizen_request(&s, peer, &headers, body, TOO_MANY_REQUESTS)?;
    feedback_for(&s, req)
        .await
        .map_err(IntoResponse::into_response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForgetRequest {
    /// The `user` the web chat asked with.
    user: String,
    /// `web`, the only channel whose visitors erase through this endpoint: an app on the
    /// API chooses its own user ids, which others may guess, so its users' erasure goes
    /// through staff (`kommunbot forget`).
    #[serde(default)]
    channel: Option<String>,
}

/// A web visitor's own erasure request ("Radera mina frågor"): everything logged under the
/// id their tab asked with goes, as `/glöm-mig` does in Discord. The answer is the same
/// whether anything was logged or not, so an id tells nobody whether someone asked.
async fn forget(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<ForgetRequest>, JsonRejection>,
) -> Result<StatusCode, Response> {
    let req = citizen_request(&s, peer, &headers, body, TOO_MANY_REQUESTS)?;
    let user = required("user", &req.user).map_err(IntoResponse::into_response)?;
    if let Some(other) = req.channel.as_deref().filter(|c| *c != "web") {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`channel` \"{other}\": only the web chat's visitors erase here; other askers through staff (kommunbot forget)"),
        )
        .into_response());
    }
    s.service
        .forget(Asker {
            platform: Channel::Web.as_str(),
            user,
        })
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "http: an erasure could not be completed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the erasure could not be completed now; try again",
            )
            .into_response()
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// The 429's message for feedback and erasure (a question's says "questions").
const TOO_MANY_REQUESTS: &str = "too many requests from this address; wait a minute";

/// A citizen's request body, once it parses and the client is within its per-minute budget
/// (`limited` says why not, with the 429). The error is the handler's whole response, as
/// axum handlers return it.
#[allow(clippy::result_large_err)]
fn citizen_request<T>(
    s: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Result<Json<T>, JsonRejection>,
    limited: &str,
) -> Result<T, Response> {
    let Json(req) = body.map_err(|r| ApiError::from(r).into_response())?;
    match over_limit(s, s.client(peer.ip(), headers), limited) {
        Some(r) => Err(r),
        None => Ok(req),
    }
}

/// A text field that must hold more than spaces and control characters, trimmed.
fn required<'a>(field: &str, value: &'a str) -> Result<&'a str, ApiError> {
    let v = value.trim();
    if v.chars().all(|c| c.is_whitespace() || c.is_control()) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`{field}` is empty"),
        ));
    }
    Ok(v)
}

/// The channel a request names: `http` (the default) or `web`.
fn channel_of(channel: Option<&str>) -> Result<Channel, ApiError> {
    match channel {
        None | Some("http") => Ok(Channel::Http),
        Some("web") => Ok(Channel::Web),
        Some(other) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("unknown `channel` \"{other}\": use \"http\" or \"web\""),
        )),
    }
}

/// The 429 (with `Retry-After`) for a client over its per-minute budget, if it is.
fn over_limit(s: &AppState, ip: IpAddr, message: &str) -> Option<Response> {
    let Verdict::Limited { .. } = s.limiter.check(&ip, Instant::now()) else {
        return None;
    };
    let mut r = ApiError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    Some(r)
}

async fn feedback_for(s: &AppState, req: FeedbackRequest) -> Result<StatusCode, ApiError> {
    let kind = match req.kind.as_str() {
        "helpful" => Feedback::Helpful,
        "not_helpful" => Feedback::NotHelpful,
        "chosen" => Feedback::Chosen,
        "none_of_these" => Feedback::NoneOfThese,
        other => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "unknown `kind` \"{other}\": use helpful, not_helpful, chosen or none_of_these"
                ),
            ));
        }
    };
    if req.record_id.len() != 32 || !req.record_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "`record_id` \"{}\" is not a record id from /api/v1/ask",
                req.record_id
            ),
        ));
    }
    // "This one was what I meant" names which one; the others name none.
    if kind == Feedback::Chosen && req.entry.is_none() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "`entry` is missing: `chosen` names the entry that was chosen",
        ));
    }
    if let Some(entry) = &req.entry
        && s.service.live().faq.entry(entry).is_none()
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`entry` \"{entry}\" is not an entry of the FAQ"),
        ));
    }
    s.service
        .feedback(&req.record_id, kind, req.entry.as_deref())
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "http: feedback not stored");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "feedback could not be stored now; try again",
            )
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// Compares the bearer token in constant time (for equal lengths).
fn authorised(s: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if !s.staff_token.is_set() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "staff endpoints are off: set KOMMUNBOT_STAFF_TOKEN",
        ));
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let want = s.staff_token.expose().as_bytes();
    let ok = given.len() == want.len()
        && given
            .bytes()
            .zip(want)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "a staff endpoint: send `Authorization: Bearer <token>`",
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    theme: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

fn since(q: &Option<String>) -> Result<i64, ApiError> {
    let given = q.as_deref().unwrap_or("7d");
    // The API speaks English; the parser's words are for staff at the command line.
    let age = crate::logview::parse_age(given).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`since` \"{given}\" is not an age like 7d, 12h or 4w"),
        )
    })?;
    Ok(crate::store::now_ms() - age)
}

/// The bearer token checked first, then the query: no data, not even an error about the
/// query, reaches a caller without the token.
fn staff_query(
    s: &AppState,
    headers: &HeaderMap,
    q: Result<Query<LogQuery>, QueryRejection>,
) -> Result<LogQuery, ApiError> {
    authorised(s, headers)?;
    let Query(q) = q.map_err(|r| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, r.body_text()))?;
    Ok(q)
}

async fn staff_log(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<LogQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = staff_query(&s, &headers, q)?;
    // An unknown spelling is refused: it would list nothing.
    let outcome = match q.outcome.as_deref() {
        None | Some("") => None,
        Some(o) => Some(
            o.parse::<crate::store::Met>()
                .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e))?,
        ),
    };
    let filter = Filter {
        since_ms: Some(since(&q.since)?),
        outcome,
        theme: q.theme,
        limit: Some(q.limit.unwrap_or(100).clamp(1, 1000)),
    };
    let store = s.service.store().map_err(unavailable)?;
    let rows = store.list(&filter).await.map_err(unavailable)?;
    Ok(Json(rows).into_response())
}

async fn staff_review(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<LogQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = staff_query(&s, &headers, q)?;
    let store = s.service.store().map_err(unavailable)?;
    let rows = store
        .needs_review(since(&q.since)?, q.limit.unwrap_or(100).clamp(1, 1000))
        .await
        .map_err(unavailable)?;
    Ok(Json(rows).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicsQuery {
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    min_size: Option<usize>,
    #[serde(default)]
    theme: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

/// Candidate topics, as `kommunbot topics --format json` prints them.
async fn staff_topics(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<TopicsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    authorised(&s, &headers)?;
    let Query(q) = q.map_err(|r| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, r.body_text()))?;
    let query = crate::topics::Query {
        since_ms: since(&Some(q.since.unwrap_or_else(|| "90d".into())))?,
        min_size: q.min_size.unwrap_or(2),
        theme: q.theme,
        limit: q.limit.unwrap_or(50).clamp(1, 500),
        regroup: false,
        status: None,
    };
    let report = s.service.topics(&query).await.map_err(unavailable)?;
    Ok(Json(report).into_response())
}

/// Open phrasing suggestions, as `kommunbot suggestions --json` prints them.
async fn staff_suggestions(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorised(&s, &headers)?;
    let list = s.service.suggestions().await.map_err(unavailable)?;
    Ok(Json(list).into_response())
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "http: the question log is unavailable");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the question log is not reachable now; try again",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_right_most_untrusted_hop() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let trusted = [ip("127.0.0.1"), ip("10.0.0.2")];
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.7:4711, 10.0.0.2"),
        );
        let at = |peer: &str| client_address(&trusted, ip(peer), &headers);
        assert_eq!(at("127.0.0.1"), ip("198.51.100.7"));
        // An IPv4 proxy as a `[::]` listener sees it.
        assert_eq!(at("::ffff:127.0.0.1"), ip("198.51.100.7"));
        // Anyone else's header is theirs to write: their own address counts.
        assert_eq!(at("192.0.2.1"), ip("192.0.2.1"));
        // Nothing usable forwarded: the proxy's address.
        let mut unknown = HeaderMap::new();
        unknown.insert("x-forwarded-for", HeaderValue::from_static("unknown"));
        let peer = ip("127.0.0.1");
        assert_eq!(client_address(&trusted, peer, &unknown), peer);
    }
}
