//! Settings: typed, with safe defaults, overridable by environment variables.
//!
//! Secrets (the pseudonym key) live in [`Secret`], which never prints its value.

use std::fmt;
use std::path::PathBuf;

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

#[derive(Debug, thiserror::Error)]
#[error("invalid setting {key} = \"{value}\": {reason}")]
pub struct ConfigError {
    pub key: &'static str,
    pub value: String,
    pub reason: &'static str,
}

impl Settings {
    /// Defaults overridden by `KOMMUNBOT_DATA`, `DATABASE_URL`, `KOMMUNBOT_SECRET` and
    /// `KOMMUNBOT_RETENTION_DAYS`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(get("KOMMUNBOT_DATA").unwrap_or_else(|| "data".into()));
        let database_url = get("DATABASE_URL")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("sqlite://{}/kommunbot.db", data_dir.display()));
        let retention_days = match get("KOMMUNBOT_RETENTION_DAYS") {
            None => 180,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(d) if d > 0 => d,
                _ => {
                    return Err(ConfigError {
                        key: "KOMMUNBOT_RETENTION_DAYS",
                        value: v,
                        reason: "must be a whole number of days, at least 1",
                    });
                }
            },
        };
        Ok(Self {
            database_url,
            data_dir,
            asker_secret: Secret::new(get("KOMMUNBOT_SECRET").unwrap_or_default()),
            retention_days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(s.database_url, "sqlite://data/kommunbot.db");
        assert_eq!(s.retention_days, 180);
        let s = Settings::from_lookup(|k| match k {
            "KOMMUNBOT_RETENTION_DAYS" => Some("30".into()),
            "KOMMUNBOT_SECRET" => Some("hemligt".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.retention_days, 30);
        assert_eq!(format!("{:?}", s.asker_secret), "<secret>");
        assert!(!format!("{s:?}").contains("hemligt"));
    }

    #[test]
    fn a_bad_value_names_the_key() {
        let e =
            Settings::from_lookup(|k| (k == "KOMMUNBOT_RETENTION_DAYS").then(|| "ett år".into()))
                .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid setting KOMMUNBOT_RETENTION_DAYS = \"ett år\": must be a whole number of days, at least 1"
        );
    }
}
