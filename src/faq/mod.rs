//! The FAQ content: themes, entries and podcast episodes, as guides write them.
//!
//! This module owns the data model and the on-disk format (`load`): one folder per theme
//! with `_theme.toml`, one Markdown file per entry with TOML front matter, an optional
//! `episodes.toml` and an optional `_glossary.toml` with local matching terms. Everything
//! else in the crate works on the parsed [`Faq`], never on files.

pub mod edit;
mod load;

use std::fmt;
use std::path::PathBuf;

pub use load::{
    Diagnostic, load, parse_entry, parse_episodes, parse_theme, phrasing_key, summary, toml_message,
};

/// A FAQ folder that cannot be served as it is.
#[derive(Debug, thiserror::Error)]
pub enum FaqError {
    #[error("det finns {} problem i faq-mappen {dir}; kör `kommunbot check --faq {dir}`:\n{}", .diagnostics.len(), render(.diagnostics))]
    Invalid {
        dir: String,
        diagnostics: Vec<Diagnostic>,
    },
}

fn render(d: &[Diagnostic]) -> String {
    d.iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads a FAQ folder and refuses it if anything is wrong: the bot never serves half a FAQ.
pub fn load_strict(dir: &std::path::Path) -> Result<Faq, FaqError> {
    let (faq, diagnostics) = load(dir);
    if diagnostics.is_empty() {
        Ok(faq)
    } else {
        Err(FaqError::Invalid {
            dir: dir.display().to_string(),
            diagnostics,
        })
    }
}

/// Discord shows at most this many characters in an embed description; an answer must fit.
pub const MAX_ANSWER_CHARS: usize = 4096;

/// A theme id: the ASCII slug of the theme's folder, e.g. `snorojning`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThemeId(String);

impl ThemeId {
    /// Parses a folder name; only lowercase ASCII letters, digits and inner hyphens.
    pub fn parse(s: &str) -> Option<Self> {
        is_slug(s).then(|| Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ThemeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An entry id: `<theme>/<file stem>`, e.g. `snorojning/nar-plogas-min-gata`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(String);

impl EntryId {
    pub fn new(theme: &ThemeId, stem: &str) -> Option<Self> {
        is_slug(stem).then(|| Self(format!("{theme}/{stem}")))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn theme(&self) -> &str {
        self.0.split('/').next().unwrap_or_default()
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[derive(Debug, Clone)]
pub struct Theme {
    pub id: ThemeId,
    pub name: String,
    pub description: String,
    pub synonyms: Vec<String>,
    /// The theme's page on the municipality's site, if the guide gave one.
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// A point in an episode, as `MM:SS` or `HH:MM:SS`, kept in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub u32);

impl Timestamp {
    /// Parses `SS`, `MM:SS` or `HH:MM:SS` (minutes and seconds below 60 after the first part).
    pub fn parse(s: &str) -> Option<Self> {
        let parts: Vec<&str> = s.trim().split(':').collect();
        if parts.is_empty() || parts.len() > 3 {
            return None;
        }
        let mut total: u32 = 0;
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let v: u32 = p.parse().ok()?;
            if i > 0 && v >= 60 {
                return None;
            }
            total = total.checked_mul(60)?.checked_add(v)?;
        }
        Some(Self(total))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if h > 0 {
            write!(f, "{h}:{m:02}:{s:02}")
        } else {
            write!(f, "{m:02}:{s:02}")
        }
    }
}

/// An entry's reference to a podcast episode, optionally at a point in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeRef {
    pub id: String,
    pub at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: EntryId,
    pub theme: ThemeId,
    pub question: String,
    pub alternates: Vec<String>,
    /// English phrasings, for residents who write in English.
    pub alternates_en: Vec<String>,
    pub keywords: Vec<String>,
    pub episodes: Vec<EpisodeRef>,
    pub links: Vec<Link>,
    pub updated: Option<String>,
    /// Who answers for the entry's content (a role or unit, not a person's name).
    pub owner: Option<String>,
    /// When the entry should be reviewed next (`YYYY-MM-DD`).
    pub review_by: Option<String>,
    /// A draft is validated but never served to citizens.
    pub draft: bool,
    /// The answer, Markdown.
    pub answer: String,
    /// Where the entry was read from, for diagnostics.
    pub source: PathBuf,
    /// Lines of the source file, for diagnostics that span files.
    pub lines: SourceLines,
}

/// Where things stand in an entry's file (1-based lines; `None` when not from a file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceLines {
    /// Aligned with [`Entry::phrasings`].
    pub phrasings: Vec<Option<usize>>,
    /// Aligned with `episodes`.
    pub episodes: Vec<Option<usize>>,
}

impl Entry {
    /// The canonical question and every alternate phrasing, Swedish and English.
    pub fn phrasings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.question.as_str())
            .chain(self.alternates.iter().map(String::as_str))
            .chain(self.alternates_en.iter().map(String::as_str))
    }
}

#[derive(Debug, Clone)]
pub struct Episode {
    pub id: String,
    pub title: String,
    pub url: String,
    pub published: Option<String>,
    pub themes: Vec<String>,
    pub description: String,
    /// The line of its `id` in episodes.toml, for diagnostics that span the file.
    pub line: Option<usize>,
}

impl Episode {
    /// The episode's URL at a point in time, in SoundCloud's `#t=M:SS` form.
    pub fn url_at(&self, at: Option<Timestamp>) -> String {
        crate::podcast::link::url_at(&self.url, at.map(|t| t.0))
    }
}

/// A loaded and validated FAQ corpus.
#[derive(Debug, Clone, Default)]
pub struct Faq {
    pub themes: Vec<Theme>,
    pub entries: Vec<Entry>,
    pub episodes: Vec<Episode>,
    /// Local glossary terms (`_glossary.toml`), added to the built-in glossary.
    pub glossary: Option<String>,
}

impl Faq {
    pub fn theme(&self, id: &ThemeId) -> Option<&Theme> {
        self.themes.iter().find(|t| &t.id == id)
    }
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id.as_str() == id)
    }
    pub fn episode(&self, id: &str) -> Option<&Episode> {
        self.episodes.iter().find(|e| e.id == id)
    }
    /// Entries a citizen may be shown (drafts excluded).
    pub fn served(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| !e.draft)
    }
}

/// A link citizens may be given: an absolute http(s) URL with a host. FAQ links must be
/// (`check` says so); a feed's links that are not are dropped (a `javascript:` link would
/// run in whatever shows it).
pub fn is_web_url(url: &str) -> bool {
    url::Url::parse(url.trim())
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// A short, stable hash (FNV-1a, 32 bits, 8 hex digits) for ids that must fit where a full
/// entry id or phrasing does not (Discord custom ids, suggestion ids on a command line).
pub fn short_hash(text: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in text.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_and_print() {
        assert_eq!(Timestamp::parse("04:30"), Some(Timestamp(270)));
        assert_eq!(Timestamp::parse("1:02:17"), Some(Timestamp(3737)));
        assert_eq!(Timestamp::parse("95"), Some(Timestamp(95)));
        assert_eq!(Timestamp::parse("4:60"), None);
        assert_eq!(Timestamp::parse("a:10"), None);
        assert_eq!(Timestamp::parse(""), None);
        assert_eq!(Timestamp(270).to_string(), "04:30");
        assert_eq!(Timestamp(3737).to_string(), "1:02:17");
    }

    #[test]
    fn slugs() {
        assert!(ThemeId::parse("vatten-avlopp").is_some());
        assert!(ThemeId::parse("Vatten").is_none());
        assert!(ThemeId::parse("snö").is_none());
        assert!(ThemeId::parse("-a").is_none());
    }
}
