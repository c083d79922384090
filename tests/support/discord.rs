//! A fake Discord on 127.0.0.1 for end-to-end tests: the REST API and the gateway
//! websocket, enough for serenity's real client (see ../shared/notes/discord-fake.md).
//!
//! The fake records every REST call the bot makes; tests push gateway dispatches
//! (`MESSAGE_CREATE`, `INTERACTION_CREATE`) and wait, with a deadline, for the calls they
//! expect. The JSON factories for events live here, in one place: serenity drops an event
//! with a missing required field without a word.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::mpsc;

pub const BOT_ID: u64 = 1000;
pub const APP_ID: u64 = 2000;
pub const GUILD: u64 = 3000;
pub const QUESTION_CHANNEL: u64 = 4000;
pub const OTHER_CHANNEL: u64 = 4001;
pub const DM_CHANNEL: u64 = 4002;
/// A channel where the bot may read but not write: posting there answers 403.
pub const FORBIDDEN_CHANNEL: u64 = 4003;
pub const STAFF_ROLE: u64 = 7000;
pub const CITIZEN: u64 = 5001;
pub const GUIDE: u64 = 5002;

/// One REST call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub body: Value,
}

#[derive(Clone)]
struct Shared {
    calls: Arc<Mutex<Vec<Call>>>,
    gateway_frames: Arc<Mutex<Vec<Value>>>,
    dispatch_rx: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Value>>>,
    addr: SocketAddr,
    next_id: Arc<AtomicU64>,
}

pub struct FakeDiscord {
    pub addr: SocketAddr,
    shared: Shared,
    dispatch_tx: mpsc::UnboundedSender<Value>,
    next_id: Arc<AtomicU64>,
}

impl FakeDiscord {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        let next_id = Arc::new(AtomicU64::new(900_000));
        let shared = Shared {
            calls: Arc::default(),
            gateway_frames: Arc::default(),
            dispatch_rx: Arc::new(tokio::sync::Mutex::new(rx)),
            addr,
            next_id: next_id.clone(),
        };
        let app = Router::new()
            .route("/gateway", get(gateway))
            .fallback(rest)
            .with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            shared,
            dispatch_tx: tx,
            next_id,
        }
    }

    pub fn api_base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Queues a gateway dispatch (`t`, `d`); sent once the bot has identified.
    pub fn dispatch(&self, t: &str, d: Value) {
        self.dispatch_tx.send(json!({ "t": t, "d": d })).unwrap();
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.calls.lock().unwrap().clone()
    }

    /// Waits until `n` calls match, or fails the test printing every call seen.
    pub async fn wait_for(&self, what: &str, n: usize, pred: impl Fn(&Call) -> bool) -> Vec<Call> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found: Vec<Call> = self.calls().into_iter().filter(|c| pred(c)).collect();
            if found.len() >= n {
                return found;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {n} × {what}; calls seen:\n{:#?}\ngateway frames from the bot:\n{:#?}",
                    self.calls(),
                    self.shared.gateway_frames.lock().unwrap()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until the bot is connected and has registered its commands (setup done).
    pub async fn wait_ready(&self) -> Call {
        self.wait_for("command registration", 1, |c| {
            c.method == "PUT" && c.path == format!("/api/v10/applications/{APP_ID}/commands")
        })
        .await
        .remove(0)
    }

    /// Messages the bot posted to `channel`.
    pub async fn messages(&self, channel: u64, n: usize) -> Vec<Value> {
        let path = format!("/api/v10/channels/{channel}/messages");
        self.wait_for(&format!("POST {path}"), n, |c| {
            c.method == "POST" && c.path == path
        })
        .await
        .into_iter()
        .map(|c| c.body)
        .collect()
    }

    /// The bot's response to interaction `id`.
    pub async fn callback(&self, id: u64) -> Value {
        let prefix = format!("/api/v10/interactions/{id}/");
        self.wait_for(&format!("callback of interaction {id}"), 1, |c| {
            c.method == "POST" && c.path.starts_with(&prefix)
        })
        .await
        .remove(0)
        .body
    }

    /// The response the bot filled in after deferring (its one deferred reply in the test).
    pub async fn deferred_reply(&self) -> Value {
        self.wait_for("the follow-up to a deferred response", 1, |c| {
            c.method == "POST" && c.path.starts_with("/api/v10/webhooks/")
        })
        .await
        .remove(0)
        .body
    }

    /// A user as Discord sends it.
    pub fn user(id: u64, bot: bool) -> Value {
        json!({ "id": id.to_string(), "username": format!("user{id}"), "discriminator": "0", "bot": bot, "global_name": null, "avatar": null })
    }

    fn member(user: u64, roles: &[u64]) -> Value {
        json!({
            "user": Self::user(user, false),
            "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            "joined_at": "2026-01-01T00:00:00.000000+00:00",
            "deaf": false, "mute": false, "flags": 0
        })
    }

    /// A message as the bot would receive it. `guild: false` makes it a DM.
    pub fn message(&self, channel: u64, author: u64, content: &str, guild: bool) -> Value {
        let mentions: Vec<Value> = if content.contains(&format!("<@{BOT_ID}>")) {
            vec![Self::user(BOT_ID, true)]
        } else {
            vec![]
        };
        let mut m = json!({
            "id": self.id().to_string(),
            "channel_id": channel.to_string(),
            "content": content,
            "timestamp": "2026-11-23T10:00:00.000000+00:00",
            "edited_timestamp": null,
            "tts": false, "pinned": false, "type": 0,
            "author": Self::user(author, false),
            "mention_everyone": content.contains("@everyone"),
            "mentions": mentions, "mention_roles": [], "attachments": [], "embeds": []
        });
        if guild {
            m["guild_id"] = json!(GUILD.to_string());
            m["member"] = json!({ "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0 });
        }
        m
    }

    fn interaction_base(&self, id: u64, kind: u8, user: u64, roles: &[u64]) -> Value {
        json!({
            "id": id.to_string(),
            "application_id": APP_ID.to_string(),
            "type": kind,
            "guild_id": GUILD.to_string(),
            "channel_id": QUESTION_CHANNEL.to_string(),
            "member": Self::member(user, roles),
            "token": format!("tok{id}"),
            "version": 1,
            "locale": "sv-SE",
            "guild_locale": "sv-SE",
            "app_permissions": "0",
            "entitlements": [],
            "attachment_size_limit": 8_388_608
        })
    }

    /// A slash command; `options` are (name, string value) pairs. Returns the interaction id.
    pub fn slash(&self, name: &str, options: &[(&str, &str)], user: u64, roles: &[u64]) -> u64 {
        let id = self.id();
        let mut i = self.interaction_base(id, 2, user, roles);
        let opts: Vec<Value> = options
            .iter()
            .map(|(n, v)| json!({ "name": n, "type": 3, "value": v }))
            .collect();
        i["data"] =
            json!({ "id": self.id().to_string(), "name": name, "type": 1, "options": opts });
        self.dispatch("INTERACTION_CREATE", i);
        id
    }

    /// A click on a button of a message the bot sent. Returns the interaction id.
    pub fn click(&self, custom_id: &str, user: u64) -> u64 {
        self.click_as(custom_id, user, &[])
    }

    /// A click by a member with these roles (staff buttons).
    pub fn click_as(&self, custom_id: &str, user: u64, roles: &[u64]) -> u64 {
        let id = self.id();
        let mut i = self.interaction_base(id, 3, user, roles);
        i["data"] = json!({ "custom_id": custom_id, "component_type": 2 });
        let mut m = self.message(QUESTION_CHANNEL, BOT_ID, "", true);
        m["author"] = Self::user(BOT_ID, true);
        i["message"] = m;
        self.dispatch("INTERACTION_CREATE", i);
        id
    }

    /// A submitted form (modal); `fields` are (custom id, value). Returns the interaction id.
    pub fn submit(
        &self,
        custom_id: &str,
        fields: &[(&str, &str)],
        user: u64,
        roles: &[u64],
    ) -> u64 {
        let id = self.id();
        let mut i = self.interaction_base(id, 5, user, roles);
        let rows: Vec<Value> = fields
            .iter()
            .map(|(f, v)| json!({ "type": 1, "components": [{ "type": 4, "custom_id": f, "value": v }] }))
            .collect();
        i["data"] = json!({ "custom_id": custom_id, "components": rows });
        self.dispatch("INTERACTION_CREATE", i);
        id
    }
}

async fn gateway(ws: WebSocketUpgrade, State(s): State<Shared>) -> Response {
    ws.on_upgrade(move |socket| run_gateway(socket, s))
}

async fn run_gateway(mut socket: WebSocket, s: Shared) {
    let hello = json!({ "op": 10, "s": null, "t": null, "d": { "heartbeat_interval": 41250 } });
    if socket
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut seq = 1u64;
    let mut ready = false;
    let mut rx = s.dispatch_rx.lock().await;
    loop {
        tokio::select! {
            frame = socket.recv() => {
                let Some(Ok(frame)) = frame else { return };
                let WsMessage::Text(text) = frame else { continue };
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                s.gateway_frames.lock().unwrap().push(v.clone());
                match v["op"].as_u64() {
                    Some(2) => {
                        let ready_event = json!({ "op": 0, "s": seq, "t": "READY", "d": {
                            "v": 10,
                            "user": FakeDiscord::user(BOT_ID, true),
                            "guilds": [],
                            "session_id": "s",
                            "resume_gateway_url": format!("ws://{}/gateway", s.addr),
                            "application": { "id": APP_ID.to_string(), "flags": 0 }
                        }});
                        seq += 1;
                        let _ = socket.send(WsMessage::Text(ready_event.to_string().into())).await;
                        ready = true;
                    }
                    Some(1) => {
                        let _ = socket.send(WsMessage::Text(json!({ "op": 11 }).to_string().into())).await;
                    }
                    _ => {}
                }
            }
            ev = rx.recv(), if ready => {
                let Some(ev) = ev else { return };
                let frame = json!({ "op": 0, "s": seq, "t": ev["t"], "d": ev["d"] });
                seq += 1;
                if socket.send(WsMessage::Text(frame.to_string().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn rest(State(s): State<Shared>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let bytes: Bytes = axum::body::to_bytes(req.into_body(), 16 << 20)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    s.calls.lock().unwrap().push(Call {
        method: method.to_string(),
        path: path.clone(),
        body: body.clone(),
    });
    let parts: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let gateway_url = format!("ws://{}/gateway", s.addr);
    match (&method, parts.as_slice()) {
        (&Method::GET, ["gateway"]) => axum::Json(json!({ "url": gateway_url })).into_response(),
        (&Method::GET, ["gateway", "bot"]) => axum::Json(json!({
            "url": gateway_url, "shards": 1,
            "session_start_limit": { "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1 }
        }))
        .into_response(),
        (&Method::PUT, ["applications", _, "commands"]) => axum::Json(json!([])).into_response(),
        (&Method::POST, ["channels", channel, "messages"])
            if *channel == FORBIDDEN_CHANNEL.to_string() =>
        {
            (
                StatusCode::FORBIDDEN,
                axum::Json(json!({ "message": "Missing Permissions", "code": 50013 })),
            )
                .into_response()
        }
        // The reply to a deferred interaction: a follow-up message on its webhook.
        (&Method::POST, ["webhooks", _, _]) => {
            let id = s.next_id.fetch_add(1, Ordering::Relaxed);
            axum::Json(json!({
                "id": id.to_string(),
                "channel_id": "1",
                "content": body["content"].as_str().unwrap_or(""),
                "timestamp": "2026-11-23T10:00:01.000000+00:00",
                "edited_timestamp": null,
                "tts": false, "pinned": false, "type": 20, "flags": 64,
                "author": FakeDiscord::user(BOT_ID, true),
                "mention_everyone": false, "mentions": [], "mention_roles": [],
                "attachments": [], "embeds": body["embeds"].clone()
            }))
            .into_response()
        }
        (&Method::POST, ["channels", channel, "messages"]) => {
            let id = s.next_id.fetch_add(1, Ordering::Relaxed);
            axum::Json(json!({
                "id": id.to_string(),
                "channel_id": channel,
                "content": body["content"].as_str().unwrap_or(""),
                "timestamp": "2026-11-23T10:00:01.000000+00:00",
                "edited_timestamp": null,
                "tts": false, "pinned": false, "type": 19,
                "author": FakeDiscord::user(BOT_ID, true),
                "mention_everyone": false, "mentions": [], "mention_roles": [],
                "attachments": [], "embeds": body["embeds"].clone()
            }))
            .into_response()
        }
        (&Method::POST, ["interactions", _, _, "callback"]) => StatusCode::NO_CONTENT.into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": "Unknown", "code": 0 })),
        )
            .into_response(),
    }
}
