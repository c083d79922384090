//! Configuration: one typed [`Config`] from `kommunbot.toml` (every key optional, safe
//! defaults), overridden by environment variables, validated once at start-up.
//!
//! Secrets (the Discord token, the pseudonym key) live in [`Secret`], which never prints its
//! value, and come from the environment only: a config file is easy to commit by mistake.
//! Every problem is reported at once, each naming its key, so an operator fixes them in one go.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::answer::AnswerMode;
use crate::reply::Texts;

/// The file `serve` and the staff commands read when no `--config` is given.
pub const DEFAULT_FILE: &str = "kommunbot.toml";

/// A value that must never reach a log line or an error message.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_set(&self) -> bool {
        !self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "<unset>"
        } else {
            "<secret>"
        })
    }
}

/// Where the question log lives and how long it keeps questions.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://…` (default: a file in the data directory) or `postgres://…`.
    pub database_url: String,
    /// Where the SQLite file, the spool and the pseudonym key live.
    pub data_dir: PathBuf,
    /// Key for pseudonymising askers; generated into the data directory when unset.
    pub asker_secret: Secret,
    /// Questions older than this many days are deleted.
    pub retention_days: u32,
}

/// The Discord adapter's settings.
#[derive(Debug, Clone)]
pub struct DiscordSettings {
    /// From `DISCORD_TOKEN`; without it `serve` runs everything but Discord.
    pub token: Secret,
    /// Another base URL for Discord's API (a fake Discord in tests). The gateway URL is
    /// whatever that API answers.
    pub api_base: Option<String>,
    /// Channels where every message is a question.
    pub question_channels: Vec<u64>,
    /// Roles whose members may use the staff commands.
    pub staff_roles: Vec<u64>,
    /// At most this many questions per user…
    pub rate_limit_questions: u32,
    /// …within this window.
    pub rate_limit_window: Duration,
    /// Register the slash commands with Discord at start-up.
    pub register_commands: bool,
    /// Where the weekly digest for staff goes; `None`: no digest.
    pub digest_channel: Option<u64>,
    /// When it goes: weekday (0 = Monday) and hour, Swedish time.
    pub digest_weekday: u8,
    pub digest_hour: u8,
}

/// The HTTP API's settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Where the API, health checks and metrics listen.
    pub address: std::net::SocketAddr,
    /// Bearer token for the staff endpoints (`KOMMUNBOT_STAFF_TOKEN`); unset: they answer 401.
    pub staff_token: Secret,
    /// Questions per client address and minute on `/api/v1/ask`.
    pub rate_limit_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client: behind one, every citizen
    /// would otherwise share the proxy's address and its rate limit.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a client may take to send a request's headers, then its body, and to take
    /// its answer: a slow client ("slowloris") must not hold a connection open for as long
    /// as it likes. Also how long an idle keep-alive connection stays open: longer than a
    /// reverse proxy's own idle timeout (nginx: 60 s), so the proxy is the one to close.
    pub request_timeout: Duration,
}

/// The podcast feed.
#[derive(Debug, Clone)]
pub struct PodcastSettings {
    /// The feed's URL (or a local file); unset: no sync, curated episodes only.
    pub feed: Option<String>,
    /// How often to sync when the feed gives no `<ttl>`.
    pub sync_every: Duration,
    /// How long one request may take before the sync gives up.
    pub timeout: Duration,
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The FAQ folder.
    pub faq_dir: PathBuf,
    /// How often the FAQ folder is checked for edits made on disk.
    pub faq_poll: Duration,
    /// How readily questions are answered directly.
    pub answer_mode: AnswerMode,
    pub storage: Settings,
    pub discord: DiscordSettings,
    pub http: HttpSettings,
    pub podcast: PodcastSettings,
    pub texts: Texts,
}

/// One bad setting, naming its key (`section.key` in the file, or the variable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub key: String,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            // A file that does not parse: `file:line: reason`, like `check` prints.
            write!(f, "{}: {}", self.key, self.reason)
        } else {
            write!(
                f,
                "invalid setting {} = \"{}\": {}",
                self.key, self.value, self.reason
            )
        }
    }
}

/// Every problem found in the configuration, one a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ConfigErrors(pub Vec<ConfigError>);

// The file's shape. `deny_unknown_fields` so a typo is an error, not a silent default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    faq: FaqFile,
    #[serde(default)]
    storage: StorageFile,
    #[serde(default)]
    discord: DiscordFile,
    #[serde(default)]
    http: HttpFile,
    #[serde(default)]
    podcast: PodcastFile,
    #[serde(default)]
    texts: TextsFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PodcastFile {
    feed: Option<String>,
    sync_minutes: Option<i64>,
    timeout_seconds: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpFile {
    address: Option<String>,
    rate_limit_per_minute: Option<i64>,
    trusted_proxies: Option<Vec<String>>,
    request_timeout_seconds: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqFile {
    dir: Option<PathBuf>,
    reload_poll_seconds: Option<u64>,
    answer_mode: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageFile {
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    retention_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiscordFile {
    api_base: Option<String>,
    question_channels: Option<Vec<Id>>,
    staff_roles: Option<Vec<Id>>,
    rate_limit_questions: Option<i64>,
    rate_limit_seconds: Option<i64>,
    register_commands: Option<bool>,
    digest_channel: Option<Id>,
    digest_weekday: Option<String>,
    digest_hour: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TextsFile {
    contact: Option<String>,
    contact_en: Option<String>,
}

/// The keys each section of the file takes, as the `*File` structs read them (the shipped
/// file documents every one; a test uncomments them all).
const KEYS: &[(&str, &[&str])] = &[
    ("faq", &["dir", "reload_poll_seconds", "answer_mode"]),
    ("storage", &["database_url", "data_dir", "retention_days"]),
    (
        "discord",
        &[
            "api_base",
            "question_channels",
            "staff_roles",
            "rate_limit_questions",
            "rate_limit_seconds",
            "register_commands",
            "digest_channel",
            "digest_weekday",
            "digest_hour",
        ],
    ),
    (
        "http",
        &[
            "address",
            "rate_limit_per_minute",
            "trusted_proxies",
            "request_timeout_seconds",
        ],
    ),
    ("podcast", &["feed", "sync_minutes", "timeout_seconds"]),
    ("texts", &["contact", "contact_en"]),
];

/// Every section and key of `text` the file does not take, each with its line and the
/// closest known name. Empty when there are none or the text does not parse (then the
/// parser's own error says where).
fn unknown_keys(file_name: &str, text: &str) -> Vec<ConfigError> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let lines: Vec<&str> = text.lines().collect();
    // `[name]`, maybe with a comment after it.
    let header = |s: &str| {
        lines.iter().position(|l| {
            let l = l.split('#').next().unwrap_or_default().trim();
            l.starts_with('[') && l.trim_start_matches('[').trim_end_matches(']').trim() == s
        })
    };
    let at = |line: Option<usize>| match line {
        Some(i) => format!("{file_name}:{}", i + 1),
        None => file_name.to_owned(),
    };
    let closest = |name: &str, known: &[&str]| {
        crate::answer::closest(name, known, 2)
            .map(|k| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default()
    };
    let sections: Vec<&str> = KEYS.iter().map(|(s, _)| *s).collect();
    // (line, error): reported in the file's order.
    let mut errs: Vec<(Option<usize>, ConfigError)> = Vec::new();
    for (name, value) in &table {
        let Some((_, known)) = KEYS.iter().find(|(s, _)| s == name) else {
            errs.push((
                header(name),
                ConfigError {
                    key: at(header(name)),
                    value: String::new(),
                    reason: format!(
                        "unknown section `[{name}]`{}; the sections are {}",
                        closest(name, &sections),
                        sections.join(", ")
                    ),
                },
            ));
            continue;
        };
        let Some(keys) = value.as_table() else {
            continue;
        };
        let start = header(name).unwrap_or(0);
        for key in keys.keys().filter(|k| !known.contains(&k.as_str())) {
            let line = lines
                .iter()
                .enumerate()
                .skip(start)
                .find(|(_, l)| {
                    l.trim_start()
                        .strip_prefix(key.as_str())
                        .is_some_and(|r| r.trim_start().starts_with('='))
                })
                .map(|(i, _)| i);
            errs.push((
                line,
                ConfigError {
                    key: at(line),
                    value: String::new(),
                    reason: format!(
                        "unknown key `{name}.{key}`{}; [{name}] takes {}",
                        closest(key, known),
                        known.join(", ")
                    ),
                },
            ));
        }
    }
    errs.sort_by_key(|(line, _)| *line);
    errs.into_iter().map(|(_, e)| e).collect()
}

/// Discord ids are written as numbers or, as Discord's own UI copies them, as strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Id {
    Num(i64),
    Text(String),
}

impl Config {
    /// Reads `path` (or [`DEFAULT_FILE`] if it exists when `path` is `None`), then the
    /// environment. A file named explicitly must exist.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigErrors> {
        let (file, name) = match path {
            Some(p) => (Some(p.to_path_buf()), p.display().to_string()),
            None => {
                let p = PathBuf::from(DEFAULT_FILE);
                (p.exists().then_some(p), DEFAULT_FILE.to_owned())
            }
        };
        let text = match file {
            None => String::new(),
            Some(p) => std::fs::read_to_string(&p).map_err(|e| {
                ConfigErrors(vec![ConfigError {
                    key: "--config".into(),
                    value: name.clone(),
                    reason: format!("cannot read the file: {e}"),
                }])
            })?,
        };
        Self::from_parts(&name, &text, |k| std::env::var(k).ok())
    }

    /// The pure core of [`Config::load`]: file text and an environment lookup in, a
    /// validated config or every problem out.
    pub fn from_parts(
        file_name: &str,
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigErrors> {
        let mut errs = Vec::new();
        // Every misspelt key at once (serde stops at the first), when the file parses.
        let unknown = unknown_keys(file_name, text);
        if !unknown.is_empty() {
            return Err(ConfigErrors(unknown));
        }
        let file: File = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                let at = line
                    .map(|l| format!("{file_name}:{l}"))
                    .unwrap_or(file_name.into());
                return Err(ConfigErrors(vec![ConfigError {
                    key: at,
                    value: String::new(),
                    reason: e.message().to_owned(),
                }]));
            }
        };
        let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());

        let data_dir = env("KOMMUNBOT_DATA")
            .map(PathBuf::from)
            .or(file.storage.data_dir)
            .unwrap_or_else(|| "data".into());
        let database_url = env("DATABASE_URL")
            .or(file.storage.database_url.filter(|s| !s.is_empty()))
            .unwrap_or_else(|| format!("sqlite://{}/kommunbot.db", data_dir.display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            errs.push(bad(
                "storage.database_url (DATABASE_URL)",
                &crate::privacy::database_url_shown(&database_url),
                "use sqlite://… or postgres://…",
            ));
        }
        let retention_days = positive(
            &mut errs,
            "storage.retention_days (KOMMUNBOT_RETENTION_DAYS)",
            env("KOMMUNBOT_RETENTION_DAYS"),
            file.storage.retention_days,
            180,
            "must be a whole number of days, at least 1",
        );
        let poll = positive(
            &mut errs,
            "faq.reload_poll_seconds",
            None,
            file.faq.reload_poll_seconds.map(|v| v as i64),
            2,
            "must be a whole number of seconds, at least 1",
        );
        let answer_mode = match env("KOMMUNBOT_ANSWER_MODE").or(file.faq.answer_mode) {
            None => AnswerMode::default(),
            Some(m) => m.parse().unwrap_or_else(|_| {
                errs.push(bad(
                    "faq.answer_mode (KOMMUNBOT_ANSWER_MODE)",
                    &m,
                    "must be \"balanced\" or \"cautious\"",
                ));
                AnswerMode::default()
            }),
        };
        let rate_q = positive(
            &mut errs,
            "discord.rate_limit_questions",
            None,
            file.discord.rate_limit_questions,
            5,
            "must be a whole number, at least 1",
        );
        let rate_s = positive(
            &mut errs,
            "discord.rate_limit_seconds",
            None,
            file.discord.rate_limit_seconds,
            60,
            "must be a whole number of seconds, at least 1",
        );
        let digest_channel = ids(
            &mut errs,
            "discord.digest_channel (KOMMUNBOT_DIGEST_CHANNEL)",
            env("KOMMUNBOT_DIGEST_CHANNEL"),
            file.discord.digest_channel.map(|id| vec![id]),
        )
        .first()
        .copied();
        let digest_weekday = match file.discord.digest_weekday.as_deref() {
            None => 0,
            Some(day) => weekday(day).unwrap_or_else(|| {
                errs.push(bad(
                    "discord.digest_weekday",
                    day,
                    "must be a weekday: monday … sunday (or måndag … söndag)",
                ));
                0
            }),
        };
        let digest_hour = match file.discord.digest_hour {
            None => 7,
            Some(h) if (0..24).contains(&h) => h as u8,
            Some(h) => {
                errs.push(bad(
                    "discord.digest_hour",
                    &h.to_string(),
                    "must be an hour 0–23 (Swedish time)",
                ));
                7
            }
        };
        let question_channels = ids(
            &mut errs,
            "discord.question_channels (KOMMUNBOT_QUESTION_CHANNELS)",
            env("KOMMUNBOT_QUESTION_CHANNELS"),
            file.discord.question_channels,
        );
        let staff_roles = ids(
            &mut errs,
            "discord.staff_roles (KOMMUNBOT_STAFF_ROLES)",
            env("KOMMUNBOT_STAFF_ROLES"),
            file.discord.staff_roles,
        );
        let api_base = env("KOMMUNBOT_DISCORD_API_BASE").or(file.discord.api_base);
        if let Some(base) = &api_base
            && !matches!(url::Url::parse(base), Ok(u) if u.scheme() == "http" || u.scheme() == "https")
        {
            errs.push(bad(
                "discord.api_base (KOMMUNBOT_DISCORD_API_BASE)",
                base,
                "must be an absolute http(s) URL",
            ));
        }
        let address_text = env("KOMMUNBOT_HTTP")
            .or(file.http.address)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let address = match address_text.trim().parse::<std::net::SocketAddr>() {
            Ok(a) => Some(a),
            Err(_) => {
                errs.push(bad(
                    "http.address (KOMMUNBOT_HTTP)",
                    &address_text,
                    "must be an address and port, e.g. 127.0.0.1:8080",
                ));
                None
            }
        };
        let http_rate = positive(
            &mut errs,
            "http.rate_limit_per_minute",
            None,
            file.http.rate_limit_per_minute,
            600,
            "must be a whole number, at least 1",
        );
        let request_timeout = positive(
            &mut errs,
            "http.request_timeout_seconds",
            None,
            file.http.request_timeout_seconds,
            75,
            "must be a whole number of seconds, at least 1",
        );
        let mut trusted_proxies = Vec::new();
        for p in file.http.trusted_proxies.iter().flatten() {
            match p.trim().parse() {
                Ok(ip) => trusted_proxies.push(ip),
                Err(_) => errs.push(bad(
                    "http.trusted_proxies",
                    p,
                    "must be IP addresses, e.g. [\"127.0.0.1\"]",
                )),
            }
        }
        let feed = env("KOMMUNBOT_FEED").or(file.podcast.feed.filter(|f| !f.trim().is_empty()));
        if let Some(f) = &feed
            && (f.contains("://") && !(f.starts_with("http://") || f.starts_with("https://")))
        {
            errs.push(bad(
                "podcast.feed (KOMMUNBOT_FEED)",
                &crate::podcast::shown_url(f),
                "must be an http(s) URL or a file path",
            ));
        }
        let sync_minutes = positive(
            &mut errs,
            "podcast.sync_minutes",
            None,
            file.podcast.sync_minutes,
            60,
            "must be a whole number of minutes, at least 1",
        );
        let feed_timeout = positive(
            &mut errs,
            "podcast.timeout_seconds",
            None,
            file.podcast.timeout_seconds,
            20,
            "must be a whole number of seconds, at least 1",
        );
        let mut texts = Texts::default();
        for (value, field, key) in [
            (
                env("KOMMUNBOT_CONTACT").or(file.texts.contact),
                &mut texts.contact,
                "texts.contact (KOMMUNBOT_CONTACT)",
            ),
            (
                env("KOMMUNBOT_CONTACT_EN").or(file.texts.contact_en),
                &mut texts.contact_en,
                "texts.contact_en (KOMMUNBOT_CONTACT_EN)",
            ),
        ] {
            match value {
                Some(c) if c.trim().is_empty() => {
                    errs.push(bad(key, &c, "must say how to reach a person"))
                }
                Some(c) => *field = c,
                None => {}
            }
        }
        // A municipality that set only its Swedish contact text has real details in it (a
        // number, an address): English askers get that rather than the built-in sentence
        // that names none.
        let default = Texts::default();
        if texts.contact != default.contact && texts.contact_en == default.contact_en {
            texts.contact_en = texts.contact.clone();
        }
        if !errs.is_empty() {
            return Err(ConfigErrors(errs));
        }
        Ok(Config {
            faq_dir: env("KOMMUNBOT_FAQ")
                .map(PathBuf::from)
                .or(file.faq.dir)
                .unwrap_or_else(|| "faq".into()),
            faq_poll: Duration::from_secs(poll),
            answer_mode,
            storage: Settings {
                database_url,
                data_dir,
                asker_secret: Secret::new(env("KOMMUNBOT_SECRET").unwrap_or_default()),
                retention_days: retention_days as u32,
            },
            discord: DiscordSettings {
                token: Secret::new(env("DISCORD_TOKEN").unwrap_or_default().trim()),
                api_base,
                question_channels,
                staff_roles,
                rate_limit_questions: rate_q as u32,
                rate_limit_window: Duration::from_secs(rate_s),
                register_commands: file.discord.register_commands.unwrap_or(true),
                digest_channel,
                digest_weekday,
                digest_hour,
            },
            http: HttpSettings {
                address: address.unwrap_or_else(|| ([127, 0, 0, 1], 8080).into()),
                staff_token: Secret::new(env("KOMMUNBOT_STAFF_TOKEN").unwrap_or_default().trim()),
                rate_limit_per_minute: http_rate as u32,
                trusted_proxies,
                request_timeout: Duration::from_secs(request_timeout),
            },
            podcast: PodcastSettings {
                feed,
                sync_every: Duration::from_secs(sync_minutes * 60),
                timeout: Duration::from_secs(feed_timeout),
            },
            texts,
        })
    }
}

fn bad(key: &str, value: &str, reason: &str) -> ConfigError {
    ConfigError {
        key: key.into(),
        value: value.into(),
        reason: reason.into(),
    }
}

/// A positive whole number from the environment (text) or the file (a number).
fn positive(
    errs: &mut Vec<ConfigError>,
    key: &str,
    env: Option<String>,
    file: Option<i64>,
    default: u64,
    reason: &str,
) -> u64 {
    let (value, parsed) = match (env, file) {
        (Some(v), _) => (v.clone(), v.trim().parse::<i64>().ok()),
        (None, Some(n)) => (n.to_string(), Some(n)),
        (None, None) => return default,
    };
    match parsed {
        Some(n) if n >= 1 && n <= u32::MAX as i64 => n as u64,
        _ => {
            errs.push(bad(key, &value, reason));
            default
        }
    }
}

/// A weekday by its English or Swedish name, 0 = Monday.
fn weekday(name: &str) -> Option<u8> {
    const DAYS: [[&str; 2]; 7] = [
        ["monday", "måndag"],
        ["tuesday", "tisdag"],
        ["wednesday", "onsdag"],
        ["thursday", "torsdag"],
        ["friday", "fredag"],
        ["saturday", "lördag"],
        ["sunday", "söndag"],
    ];
    let name = name.trim().to_lowercase();
    DAYS.iter()
        .position(|d| d.contains(&name.as_str()))
        .map(|i| i as u8)
}

/// Discord ids: a comma-separated list from the environment, or a list in the file.
fn ids(
    errs: &mut Vec<ConfigError>,
    key: &str,
    env: Option<String>,
    file: Option<Vec<Id>>,
) -> Vec<u64> {
    let raw: Vec<String> = match (env, file) {
        (Some(v), _) => v.split(',').map(|s| s.trim().to_owned()).collect(),
        (None, Some(list)) => list
            .into_iter()
            .map(|id| match id {
                Id::Num(n) => n.to_string(),
                Id::Text(s) => s.trim().to_owned(),
            })
            .collect(),
        (None, None) => return Vec::new(),
    };
    let mut out = Vec::new();
    for s in raw.into_iter().filter(|s| !s.is_empty()) {
        match s.parse::<u64>() {
            Ok(n) if n > 0 => out.push(n),
            _ => errs.push(bad(key, &s, "must be a Discord id (a number)")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_parts("kommunbot.toml", text, |k| {
            env.iter().find(|(ek, _)| ek == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_are_safe() {
        let c = cfg("", &[]).unwrap();
        assert_eq!(c.storage.database_url, "sqlite://data/kommunbot.db");
        assert_eq!(c.storage.retention_days, 180);
        assert_eq!(c.faq_dir, PathBuf::from("faq"));
        assert!(!c.discord.token.is_set());
        assert!(c.discord.question_channels.is_empty());
        assert!(c.discord.staff_roles.is_empty());
        assert_eq!(c.discord.rate_limit_questions, 5);
        assert!(c.texts.contact.contains("kommuncenter"));
    }

    #[test]
    fn the_file_is_read_and_the_environment_wins() {
        let text = r#"
            [storage]
            retention_days = 30
            [discord]
            question_channels = [123, "456"]
            staff_roles = ["789"]
            [texts]
            contact = "Ring kommuncenter."
        "#;
        let c = cfg(
            text,
            &[
                ("KOMMUNBOT_RETENTION_DAYS", "90"),
                ("DISCORD_TOKEN", "hemlig-token"),
            ],
        )
        .unwrap();
        assert_eq!(c.storage.retention_days, 90);
        assert_eq!(c.discord.question_channels, vec![123, 456]);
        assert_eq!(c.discord.staff_roles, vec![789]);
        assert_eq!(c.texts.contact, "Ring kommuncenter.");
        // Its real details reach English askers too, while no English text is set.
        assert_eq!(c.texts.contact_en, "Ring kommuncenter.");
        assert_eq!(c.discord.token.expose(), "hemlig-token");
        // The token never shows in a debug print of the whole config.
        assert!(!format!("{c:?}").contains("hemlig-token"));
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let text = r#"
            [storage]
            retention_days = 0
            [discord]
            question_channels = ["kanalen"]
            rate_limit_seconds = -1
            api_base = "ftp://x"
            [http]
            trusted_proxies = ["127.0.0.1", "proxyn"]
            request_timeout_seconds = 0
        "#;
        let errs = cfg(text, &[("DATABASE_URL", "mysql://u:pw@h/db")])
            .unwrap_err()
            .0;
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(errs.len(), 7, "{text:#?}");
        assert!(text[0].contains("DATABASE_URL") && !text[0].contains("pw"));
        assert!(text.iter().any(|t| t.contains("storage.retention_days")));
        assert!(text.iter().any(|t| t.contains("\"kanalen\"")));
        assert!(
            text.iter()
                .any(|t| t.contains("discord.rate_limit_seconds"))
        );
        assert!(text.iter().any(|t| t.contains("discord.api_base")));
        assert!(
            text.iter()
                .any(|t| t.contains("http.trusted_proxies") && t.contains("\"proxyn\""))
        );
        assert!(
            text.iter()
                .any(|t| t.contains("http.request_timeout_seconds") && t.contains("0"))
        );
    }

    #[test]
    fn the_answer_mode_is_balanced_unless_chosen() {
        assert_eq!(cfg("", &[]).unwrap().answer_mode, AnswerMode::Balanced);
        let c = cfg("[faq]\nanswer_mode = \"cautious\"\n", &[]).unwrap();
        assert_eq!(c.answer_mode, AnswerMode::Cautious);
        let c = cfg("", &[("KOMMUNBOT_ANSWER_MODE", "Cautious")]).unwrap();
        assert_eq!(c.answer_mode, AnswerMode::Cautious);
        let e = cfg("[faq]\nanswer_mode = \"bold\"\n", &[]).unwrap_err();
        assert!(e.to_string().contains("faq.answer_mode"), "{e}");
        assert!(e.to_string().contains("\"bold\""), "{e}");
    }

    #[test]
    fn every_unknown_key_and_section_is_named_at_once() {
        let text = "[faq] # svar\nanswer_mod = \"cautious\"\n[http]\nadress = \"127.0.0.1:1\"\n[bogus]\nx = 1\n";
        let errs = cfg(text, &[]).unwrap_err().0;
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(errs.len(), 3, "{text:#?}");
        assert!(
            text[0].contains("kommunbot.toml:2")
                && text[0].contains("faq.answer_mod")
                && text[0].contains("did you mean `answer_mode`"),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("kommunbot.toml:4") && t.contains("did you mean `address`")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("kommunbot.toml:5") && t.contains("unknown section `[bogus]`")),
            "{text:#?}"
        );
    }

    #[test]
    fn a_typo_in_the_file_names_the_line() {
        let e = cfg("[discord]\n\nstaf_roles = [1]\n", &[]).unwrap_err();
        let t = e.to_string();
        assert!(t.contains("kommunbot.toml:3"), "{t}");
        assert!(t.contains("staf_roles"), "{t}");
    }

    #[test]
    fn the_digest_schedule_takes_swedish_or_english_days_and_refuses_nonsense() {
        let c = cfg(
            "[discord]\ndigest_weekday = \"Fredag\"\ndigest_hour = 16\n",
            &[],
        )
        .unwrap();
        assert_eq!((c.discord.digest_weekday, c.discord.digest_hour), (4, 16));
        let c = cfg("[discord]\ndigest_weekday = \"sunday\"\n", &[]).unwrap();
        assert_eq!(c.discord.digest_weekday, 6);
        let e = cfg(
            "[discord]\ndigest_weekday = \"someday\"\ndigest_hour = 24\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("discord.digest_weekday") && e.contains("someday"),
            "{e}"
        );
        assert!(e.contains("discord.digest_hour") && e.contains("24"), "{e}");
    }

    #[test]
    fn the_shipped_file_documents_valid_defaults() {
        let shipped = include_str!("../kommunbot.toml");
        assert!(cfg(shipped, &[]).is_ok());
        // Uncommenting every documented key gives a valid file with the same defaults.
        let uncommented: String = shipped
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.split_once(" = ").is_some_and(|(k, _)| {
                        !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    }) =>
                {
                    rest
                }
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let c = cfg(&uncommented, &[]).unwrap();
        let d = cfg("", &[]).unwrap();
        assert_eq!(c.storage.database_url, d.storage.database_url);
        assert_eq!(c.storage.retention_days, d.storage.retention_days);
        assert_eq!(c.faq_dir, d.faq_dir);
        assert_eq!(c.faq_poll, d.faq_poll);
        assert_eq!(
            c.discord.rate_limit_questions,
            d.discord.rate_limit_questions
        );
        assert_eq!(c.discord.rate_limit_window, d.discord.rate_limit_window);
        assert_eq!(c.discord.digest_weekday, d.discord.digest_weekday);
        assert_eq!(c.discord.digest_hour, d.discord.digest_hour);
        assert_eq!(c.discord.digest_channel, Some(123_456_789_012_345_678));
        assert_eq!(d.discord.digest_channel, None, "no digest unless asked for");
        assert_eq!(c.texts.contact, d.texts.contact);
        assert!(
            uncommented.contains("api_base = "),
            "every key is documented"
        );
    }
}
