//! Reading a FAQ folder from disk and validating it, reporting every problem at once.
//!
//! Parsing goes through `toml::Table` rather than `#[serde(deny_unknown_fields)]` so that one
//! file can yield several diagnostics (an unknown key *and* an empty answer) and each names
//! its line. The parse functions are pure (text in, value out) so tests need no files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::{
    Entry, EntryId, Episode, EpisodeRef, Faq, Link, MAX_ANSWER_CHARS, SourceLines, Theme, ThemeId,
    Timestamp,
};

/// One problem in the FAQ, printed as `file:line: message` like a compiler would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Collects diagnostics for one file.
struct Report<'a> {
    file: &'a Path,
    out: &'a mut Vec<Diagnostic>,
}

impl Report<'_> {
    fn at(&mut self, line: Option<usize>, message: impl Into<String>) {
        // One problem, one line: parsers' multi-line messages are folded.
        let message = message.into().trim().replace('\n', "; ");
        self.out.push(Diagnostic {
            file: self.file.to_path_buf(),
            line,
            message,
        });
    }
}

const ENTRY_KEYS: &[&str] = &[
    "question",
    "alternates",
    "alternates_en",
    "keywords",
    "episodes",
    "links",
    "updated",
    "owner",
    "review_by",
    "draft",
];
const THEME_KEYS: &[&str] = &["name", "description", "synonyms", "url"];
const EPISODE_KEYS: &[&str] = &["id", "title", "url", "published", "themes", "description"];
const EPISODE_REF_KEYS: &[&str] = &["id", "at"];
const LINK_KEYS: &[&str] = &["title", "url"];

/// Reads a FAQ folder. Returns what could be read together with every problem found;
/// callers that must not serve a broken FAQ check that the diagnostics are empty.
pub fn load(dir: &Path) -> (Faq, Vec<Diagnostic>) {
    let mut faq = Faq::default();
    let mut diags = Vec::new();
    let mut root = Report {
        file: dir,
        out: &mut diags,
    };

    let listing = match sorted_dir(dir) {
        Ok(l) => l,
        Err(e) => {
            root.at(None, format!("kan inte läsa faq-mappen: {e}"));
            return (faq, diags);
        }
    };

    let mut theme_dirs = Vec::new();
    for path in listing {
        let name = file_name(&path);
        if path.is_dir() {
            if !name.starts_with('.') {
                theme_dirs.push(path);
            }
        } else if name == "episodes.toml" {
            match read(&path, &mut diags) {
                Some(text) => faq.episodes = parse_episodes(&path, &text, &mut diags),
                None => continue,
            }
        } else if name == "_glossary.toml" {
            faq.glossary = read(&path, &mut diags);
        } else if name.ends_with(".md") && !name.eq_ignore_ascii_case("readme.md") {
            diags.push(Diagnostic {
                file: path.clone(),
                line: None,
                message: "posten ligger utanför en temamapp: flytta den till faq/<tema>/".into(),
            });
        }
    }

    for dir in theme_dirs {
        load_theme_dir(&dir, &mut faq, &mut diags);
    }

    cross_check(dir, &mut faq, &mut diags);
    (faq, diags)
}

fn load_theme_dir(dir: &Path, faq: &mut Faq, diags: &mut Vec<Diagnostic>) {
    let name = file_name(dir);
    let Some(theme_id) = ThemeId::parse(&name) else {
        diags.push(Diagnostic {
            file: dir.to_path_buf(),
            line: None,
            message: format!(
                "temamappens namn `{name}` går inte att använda (bara a-z, 0-9 och -, t.ex. `vatten-avlopp`)"
            ),
        });
        return;
    };
    let theme_file = dir.join("_theme.toml");
    if theme_file.is_file() {
        if let Some(text) = read(&theme_file, diags)
            && let Some(theme) = parse_theme(&theme_file, theme_id.clone(), &text, diags)
        {
            faq.themes.push(theme);
        }
    } else {
        diags.push(Diagnostic {
            file: dir.to_path_buf(),
            line: None,
            message: format!("temamappen `{name}` saknar _theme.toml"),
        });
    }
    let files = match sorted_dir(dir) {
        Ok(f) => f,
        Err(e) => {
            diags.push(Diagnostic {
                file: dir.to_path_buf(),
                line: None,
                message: format!("kan inte läsa temamappen: {e}"),
            });
            return;
        }
    };
    for path in files {
        let fname = file_name(&path);
        let lower = fname.to_ascii_lowercase();
        // A guide's notes beside the entries, in any spelling.
        if lower.starts_with("readme.") || fname.starts_with('.') {
            continue;
        }
        // What a guide meant as an entry but the loader would pass over without a word.
        let skipped = if lower.ends_with(".markdown")
            || (lower.ends_with(".md") && !fname.ends_with(".md"))
        {
            Some("lästes inte: en posts filnamn ska sluta på `.md` (små bokstäver)")
        } else if fname.ends_with(".md") && !path.is_file() {
            // A symlink to nothing, or a folder named so.
            Some("lästes inte: är ingen fil (en trasig länk?)")
        } else {
            None
        };
        if let Some(why) = skipped {
            diags.push(Diagnostic {
                file: path.clone(),
                line: None,
                message: why.into(),
            });
            continue;
        }
        if !path.is_file() || !fname.ends_with(".md") {
            continue;
        }
        let stem = fname.trim_end_matches(".md");
        let Some(id) = EntryId::new(&theme_id, stem) else {
            diags.push(Diagnostic {
                file: path.clone(),
                line: None,
                message: format!(
                    "filnamnet `{fname}` går inte att använda (bara a-z, 0-9 och -, t.ex. `nar-plogas-min-gata.md`)"
                ),
            });
            continue;
        };
        if let Some(text) = read(&path, diags)
            && let Some(entry) = parse_entry(&path, id, &text, diags)
        {
            faq.entries.push(entry);
        }
    }
}

/// Checks that span files: duplicate ids, one phrasing on two entries, unknown episodes.
fn cross_check(dir: &Path, faq: &mut Faq, diags: &mut Vec<Diagnostic>) {
    let mut ids: HashMap<&str, &Path> = HashMap::new();
    let mut phrasings: HashMap<String, (&EntryId, &Path, Option<usize>)> = HashMap::new();
    for entry in &faq.entries {
        if let Some(first) = ids.insert(entry.id.as_str(), &entry.source) {
            diags.push(Diagnostic {
                file: entry.source.clone(),
                line: None,
                message: format!(
                    "post-id `{}` finns redan (också i {})",
                    entry.id,
                    first.display()
                ),
            });
        }
        for (n, phrasing) in entry.phrasings().enumerate() {
            let key = phrasing_key(phrasing);
            if key.is_empty() {
                continue;
            }
            let line = entry.lines.phrasings.get(n).copied().flatten();
            match phrasings.get(&key) {
                Some((other, other_file, other_line)) if *other != &entry.id => {
                    let at = other_line.map(|l| format!(":{l}")).unwrap_or_default();
                    diags.push(Diagnostic {
                        file: entry.source.clone(),
                        line,
                        message: format!(
                            "formuleringen \"{phrasing}\" finns också i `{other}` ({}{at}): boten kan inte skilja dem åt",
                            other_file.display()
                        ),
                    });
                }
                // Twice in the same file: once is enough.
                Some((_, other_file, _)) if *other_file == entry.source.as_path() => {
                    diags.push(Diagnostic {
                        file: entry.source.clone(),
                        line,
                        message: format!(
                            "formuleringen \"{phrasing}\" finns redan i den här posten"
                        ),
                    });
                }
                Some(_) => {}
                None => {
                    phrasings.insert(key, (&entry.id, &entry.source, line));
                }
            }
        }
        for (n, ep) in entry.episodes.iter().enumerate() {
            if entry.episodes[..n].iter().any(|e| e.id == ep.id) {
                diags.push(Diagnostic {
                    file: entry.source.clone(),
                    line: entry.lines.episodes.get(n).copied().flatten(),
                    message: format!("avsnittet `{}` står två gånger i posten", ep.id),
                });
            }
            if !faq.episodes.iter().any(|e| e.id == ep.id) {
                diags.push(Diagnostic {
                    file: entry.source.clone(),
                    line: entry.lines.episodes.get(n).copied().flatten(),
                    message: format!("avsnittet `{}` finns inte i episodes.toml", ep.id),
                });
            }
        }
    }
    let mut seen = HashSet::new();
    let episodes_file = dir.join("episodes.toml");
    for ep in &faq.episodes {
        if !seen.insert(ep.id.as_str()) {
            diags.push(Diagnostic {
                file: episodes_file.clone(),
                line: ep.line,
                message: format!("flera avsnitt har id `{}`", ep.id),
            });
        }
        for t in ep
            .themes
            .iter()
            .filter(|t| !faq.themes.iter().any(|th| th.id.as_str() == t.as_str()))
        {
            diags.push(Diagnostic {
                file: episodes_file.clone(),
                line: ep.line,
                message: format!("avsnittet `{}`: temat `{t}` finns inte som temamapp", ep.id),
            });
        }
    }
}

/// Two phrasings are "the same" when they differ only in case, punctuation, spacing and
/// marks: the matcher reads "Nar plogas min gata" as "När plogas min gata?", so two entries
/// with them could not be told apart (and a citizen's wording is no new phrasing for one).
pub fn phrasing_key(s: &str) -> String {
    crate::answer::fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses one entry file. Returns `None` when the file is too broken to use at all.
pub fn parse_entry(
    path: &Path,
    id: EntryId,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Entry> {
    let mut r = Report {
        file: path,
        out: diags,
    };
    let (front, front_line, body) = match split_front_matter(text) {
        Ok(parts) => parts,
        Err((line, msg)) => {
            r.at(Some(line), msg);
            return None;
        }
    };
    let table = match front.parse::<Table>() {
        Ok(t) => t,
        Err(e) => {
            // An error at the very end (an unclosed list) belongs to the last line written.
            let last = front_line + front.lines().count().max(1) - 1;
            let line = e
                .span()
                .map(|s| (front_line + line_of(front, s.start) - 1).min(last))
                .or(Some(front_line));
            r.at(
                line,
                format!("fel mellan raderna `+++`: {}", toml_message(e.message())),
            );
            return None;
        }
    };
    let key_line = |key: &str| find_key_line(front, key).map(|l| l + front_line - 1);
    unknown_keys(&table, ENTRY_KEYS, &key_line, "poster", &mut r);

    let question = match table.get("question") {
        Some(Value::String(q)) if !q.trim().is_empty() => q.trim().to_owned(),
        Some(Value::String(_)) => {
            r.at(key_line("question"), "`question` är tom");
            String::new()
        }
        Some(_) => {
            r.at(
                key_line("question"),
                "`question` måste vara en text inom citattecken",
            );
            String::new()
        }
        None => {
            r.at(Some(front_line), "`question` saknas mellan raderna `+++`");
            String::new()
        }
    };
    let alternates = strings(&table, "alternates", &key_line, &mut r);
    let alternates_en = strings(&table, "alternates_en", &key_line, &mut r);
    let keywords = strings(&table, "keywords", &key_line, &mut r);
    // A value inside a list: the line that holds it, searched from its field's key on.
    let value_line = |from: Option<usize>, needle: &str| {
        from.and_then(|s| find_line_from(text, s, needle)).or(from)
    };
    let episodes = episode_refs(&table, &key_line, &value_line, &mut r);
    let links = links(&table, &key_line, &value_line, &mut r);
    let updated = date(&table, "updated", &key_line, &mut r);
    let review_by = date(&table, "review_by", &key_line, &mut r);
    let owner = match table.get("owner") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            r.at(
                key_line("owner"),
                "`owner` måste vara en text inom citattecken",
            );
            None
        }
    };
    let draft = match table.get("draft") {
        None => false,
        Some(Value::Boolean(b)) => *b,
        Some(_) => {
            r.at(key_line("draft"), "`draft` måste vara true eller false");
            false
        }
    };

    // A file saved on Windows: the answer is shown with the line breaks chat expects.
    let answer = body.replace("\r\n", "\n").trim().to_owned();
    let body_line = front_line + front.lines().count() + 1;
    if answer.is_empty() && !draft {
        r.at(
            Some(body_line),
            "svaret är tomt: skriv det under den avslutande raden `+++`",
        );
    }
    let chars = answer.chars().count();
    if chars > MAX_ANSWER_CHARS {
        r.at(
            Some(body_line),
            format!("svaret är {chars} tecken; Discord visar högst {MAX_ANSWER_CHARS}"),
        );
    }

    let mut entry = Entry {
        theme: ThemeId(id.theme().to_owned()),
        id,
        question,
        alternates,
        alternates_en,
        keywords,
        episodes,
        links,
        updated,
        owner,
        review_by,
        draft,
        answer,
        source: path.to_path_buf(),
        lines: SourceLines::default(),
    };
    // Where each phrasing is written: the line that holds it as typed, searched from its
    // field's key on; or, when it is escaped in the file ("\t"), the key's own line.
    // The n-th time a list holds the same text is its n-th line with it: a phrasing written
    // twice is reported where it is written again.
    // Looked for quoted first ("altan" is inside "altan bygglov"), then as it is.
    let from_key = |key: &str, needle: &str, nth: usize| {
        let start = key_line(key);
        let find = |needle: &str| {
            let mut at = start;
            for _ in 0..=nth {
                at = at
                    .and_then(|s| find_line_from(text, s, needle))
                    .map(|l| l + 1);
            }
            at.map(|l| l - 1)
        };
        find(&format!("\"{needle}\""))
            .or_else(|| find(needle))
            .or(start)
    };
    let nth = |list: &[String], i: usize| list[..i].iter().filter(|p| **p == list[i]).count();
    let phrasings = std::iter::once(from_key("question", &entry.question, 0))
        .chain((0..entry.alternates.len()).map(|i| {
            from_key(
                "alternates",
                &entry.alternates[i],
                nth(&entry.alternates, i),
            )
        }))
        .chain((0..entry.alternates_en.len()).map(|i| {
            from_key(
                "alternates_en",
                &entry.alternates_en[i],
                nth(&entry.alternates_en, i),
            )
        }))
        .collect();
    // An episode's id may also be a link's words: look for it as the id of a reference.
    let episodes = entry
        .episodes
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let n = entry.episodes[..i].iter().filter(|p| p.id == e.id).count();
            from_key("episodes", &format!("\"{}\"", e.id), n)
        })
        .collect();
    entry.lines = SourceLines {
        phrasings,
        episodes,
    };
    // Each phrasing a line a citizen could type (each once: see `cross_check`).
    for (p, line) in entry.phrasings().zip(&entry.lines.phrasings) {
        if p.chars().any(char::is_control) {
            r.at(
                *line,
                format!(
                    "formuleringen {p:?} innehåller en radbrytning, tabb eller annat styrtecken"
                ),
            );
        }
    }
    // The matcher reads `alternates` as Swedish: an English one there meets English
    // questions badly (as replies do, two English function words make it English).
    let lines = &entry.lines.phrasings;
    for (p, line) in entry.alternates.iter().zip(lines.iter().skip(1)) {
        if crate::answer::is_english(p) {
            r.at(
                *line,
                format!("formuleringen {p:?} är på engelska: flytta den till `alternates_en`"),
            );
        }
    }
    Some(entry)
}

/// Parses `_theme.toml`.
pub fn parse_theme(
    path: &Path,
    id: ThemeId,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Theme> {
    let mut r = Report {
        file: path,
        out: diags,
    };
    let table = parse_table(text, &mut r)?;
    let key_line = |key: &str| find_key_line(text, key);
    unknown_keys(&table, THEME_KEYS, &key_line, "teman", &mut r);
    let name = match table.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => {
            r.at(
                key_line("name").or(Some(1)),
                "`name` saknas (temats namn som visas)",
            );
            id.as_str().to_owned()
        }
    };
    let description = match table.get("description") {
        Some(Value::String(s)) => s.trim().to_owned(),
        None => String::new(),
        Some(_) => {
            r.at(
                key_line("description"),
                "`description` måste vara en text inom citattecken",
            );
            String::new()
        }
    };
    let synonyms = strings(&table, "synonyms", &key_line, &mut r);
    let url = match table.get("url") {
        Some(Value::String(s)) => {
            check_url(s, key_line("url"), &mut r);
            Some(s.clone())
        }
        None => None,
        Some(_) => {
            r.at(key_line("url"), "`url` måste vara en text inom citattecken");
            None
        }
    };
    Some(Theme {
        id,
        name,
        description,
        synonyms,
        url,
    })
}

/// Parses `episodes.toml`: a list of `[[episode]]` tables.
pub fn parse_episodes(path: &Path, text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Episode> {
    let mut r = Report {
        file: path,
        out: diags,
    };
    let Some(table) = parse_table(text, &mut r) else {
        return Vec::new();
    };
    for key in table.keys().filter(|k| *k != "episode") {
        r.at(
            find_key_line(text, key),
            format!("okänd nyckel `{key}`: episodes.toml får bara innehålla [[episode]]-block"),
        );
    }
    let headers: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[episode]]"))
        .map(|(i, _)| i + 1)
        .collect();
    let Some(list) = table.get("episode") else {
        return Vec::new();
    };
    let Some(list) = list.as_array() else {
        r.at(
            find_key_line(text, "episode"),
            "`episode` ska skrivas som [[episode]]-block",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let line = headers.get(i).copied();
        let Some(t) = item.as_table() else {
            r.at(
                line,
                "varje avsnitt i episodes.toml ska vara ett [[episode]]-block med nycklar, t.ex. id = \"…\"",
            );
            continue;
        };
        let start = line.unwrap_or(1);
        // Keys of this episode lie between its header and the next one.
        let end = headers.get(i + 1).copied().unwrap_or(usize::MAX);
        let key_line = |key: &str| {
            text.lines()
                .enumerate()
                .skip(start)
                .take(end.saturating_sub(start))
                .find(|(_, l)| is_key_line(l, key))
                .map(|(n, _)| n + 1)
                .or(line)
        };
        unknown_keys(t, EPISODE_KEYS, &key_line, "avsnitt", &mut r);
        let req = |key: &str, r: &mut Report| match t.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            _ => {
                r.at(key_line(key), format!("avsnittet saknar `{key}`"));
                None
            }
        };
        let (id, title, url) = (req("id", &mut r), req("title", &mut r), req("url", &mut r));
        if let Some(u) = &url {
            check_url(u, key_line("url"), &mut r);
        }
        let published = date(t, "published", &key_line, &mut r);
        let themes = strings(t, "themes", &key_line, &mut r);
        let description = t
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned();
        if let (Some(id), Some(title), Some(url)) = (id, title, url) {
            out.push(Episode {
                id,
                title,
                url,
                published,
                themes,
                description,
                line: key_line("id"),
            });
        }
    }
    out
}

fn parse_table(text: &str, r: &mut Report) -> Option<Table> {
    match text.parse::<Table>() {
        Ok(t) => Some(t),
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start)).or(Some(1));
            r.at(line, format!("fel i TOML: {}", toml_message(e.message())));
            None
        }
    }
}

/// Splits `+++\n<toml>\n+++\n<body>`. Returns the front matter, the line it starts on, and
/// the body; or the line and message of what is wrong.
pub(super) fn split_front_matter(text: &str) -> Result<(&str, usize, &str), (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut offset = 0;
    let mut line_no = 0;
    let mut open = None;
    for line in text.split_inclusive('\n') {
        line_no += 1;
        let end = offset + line.len();
        if line.trim() == "+++" {
            match open {
                None => open = Some((end, line_no + 1)),
                Some((start, start_line)) => {
                    return Ok((&text[start..offset], start_line, &text[end..]));
                }
            }
        } else if open.is_none() && !line.trim().is_empty() {
            return Err((line_no, "filen måste börja med en rad `+++`".into()));
        }
        offset = end;
    }
    match open {
        None => Err((1, "filen måste börja med en rad `+++`".into())),
        Some((_, start_line)) => Err((
            start_line - 1,
            "den avslutande raden `+++` saknas: lägg till den efter nycklarna".into(),
        )),
    }
}

fn unknown_keys(
    table: &Table,
    known: &[&str],
    key_line: &dyn Fn(&str) -> Option<usize>,
    what: &str,
    r: &mut Report,
) {
    for key in table.keys() {
        if !known.contains(&key.as_str()) {
            let hint = crate::answer::closest(key, known, 3)
                .map(|k| format!(" (menade du `{k}`?)"))
                .unwrap_or_default();
            r.at(
                key_line(key),
                format!(
                    "okänd nyckel `{key}`{hint}; kända nycklar för {what}: {}",
                    known.join(", ")
                ),
            );
        }
    }
}

fn strings(
    table: &Table,
    key: &str,
    key_line: &dyn Fn(&str) -> Option<usize>,
    r: &mut Report,
) -> Vec<String> {
    match table.get(key) {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
                    Some(_) => r.at(key_line(key), format!("`{key}` innehåller en tom text")),
                    None => r.at(key_line(key), format!("`{key}` får bara innehålla texter")),
                }
            }
            out
        }
        Some(_) => {
            r.at(
                key_line(key),
                format!("`{key}` måste vara en lista med texter, t.ex. {key} = [\"…\", \"…\"]"),
            );
            Vec::new()
        }
    }
}

fn date(
    table: &Table,
    key: &str,
    key_line: &dyn Fn(&str) -> Option<usize>,
    r: &mut Report,
) -> Option<String> {
    let text = match table.get(key)? {
        Value::Datetime(d) => d.to_string(),
        Value::String(s) => s.clone(),
        _ => {
            r.at(
                key_line(key),
                format!("`{key}` måste vara ett datum som 2026-11-01"),
            );
            return None;
        }
    };
    if is_date(&text) {
        Some(text)
    } else {
        r.at(
            key_line(key),
            format!("`{key}` = \"{text}\" är inte ett datum som 2026-11-01"),
        );
        None
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    matches!((num(0..4), num(5..7), num(8..10)), (Some(_), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d))
}

/// The inline tables of a list field like `links = [{ … }, { … }]`, with the field's line;
/// every shape problem is reported with `example` showing the right form.
fn inline_tables<'t>(
    table: &'t Table,
    key: &str,
    example: &str,
    key_line: &dyn Fn(&str) -> Option<usize>,
    r: &mut Report,
) -> (Option<usize>, Vec<&'t Table>) {
    let line = key_line(key);
    let Some(value) = table.get(key) else {
        return (line, Vec::new());
    };
    let Some(items) = value.as_array() else {
        r.at(line, format!("`{key}` måste vara en lista som [{example}]"));
        return (line, Vec::new());
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_table() {
            Some(t) => out.push(t),
            None => r.at(
                line,
                format!("varje värde i `{key}` ska skrivas som {example}"),
            ),
        }
    }
    (line, out)
}

/// A line finder for values inside a list field: (the field's line, the value's text as
/// written) → the value's line.
type ValueLine<'a> = dyn Fn(Option<usize>, &str) -> Option<usize> + 'a;

fn episode_refs(
    table: &Table,
    key_line: &dyn Fn(&str) -> Option<usize>,
    value_line: &ValueLine,
    r: &mut Report,
) -> Vec<EpisodeRef> {
    let example = "{ id = \"…\", at = \"04:30\" }";
    let (line, items) = inline_tables(table, "episodes", example, key_line, r);
    let mut out = Vec::new();
    for t in items {
        unknown_keys(
            t,
            EPISODE_REF_KEYS,
            &|_| line,
            "hänvisningar till avsnitt",
            r,
        );
        let Some(id) = t.get("id").and_then(Value::as_str) else {
            r.at(line, "en hänvisning till ett avsnitt saknar `id`");
            continue;
        };
        let at = match t.get("at") {
            None => None,
            Some(Value::String(s)) => match Timestamp::parse(s) {
                Some(ts) => Some(ts),
                None => {
                    r.at(
                        value_line(line, &format!("\"{s}\"")),
                        format!("`at` = \"{s}\" är inte en tid som 04:30 eller 1:02:17"),
                    );
                    None
                }
            },
            Some(_) => {
                r.at(line, "`at` måste vara en text som \"04:30\"");
                None
            }
        };
        out.push(EpisodeRef {
            id: id.to_owned(),
            at,
        });
    }
    out
}

fn links(
    table: &Table,
    key_line: &dyn Fn(&str) -> Option<usize>,
    value_line: &ValueLine,
    r: &mut Report,
) -> Vec<Link> {
    let example = "{ title = \"…\", url = \"https://…\" }";
    let (line, items) = inline_tables(table, "links", example, key_line, r);
    let mut out = Vec::new();
    for t in items {
        unknown_keys(t, LINK_KEYS, &|_| line, "länkar", r);
        let title = t.get("title").and_then(Value::as_str).map(str::trim);
        let url = t.get("url").and_then(Value::as_str).map(str::trim);
        match (title, url) {
            (Some(title), Some(url)) if !title.is_empty() => {
                if check_url(url, value_line(line, &format!("\"{url}\"")), r) {
                    out.push(Link {
                        title: title.to_owned(),
                        url: url.to_owned(),
                    });
                }
            }
            (_, None) => r.at(line, "en länk saknar `url`"),
            _ => r.at(line, "en länk saknar `title`"),
        }
    }
    out
}

/// Citizens click these links: only absolute http(s) URLs with a host will do, and none
/// with a space (the parser would quietly make it `%20`, which is rarely the page meant).
fn check_url(url: &str, line: Option<usize>, r: &mut Report) -> bool {
    let url_like = url.starts_with("http://") || url.starts_with("https://");
    if url_like && url.trim().contains(char::is_whitespace) {
        r.at(
            line,
            format!("felaktig webbadress \"{url}\": den innehåller mellanslag"),
        );
        return false;
    }
    if super::is_web_url(url) {
        return true;
    }
    match url::Url::parse(url) {
        Ok(u) => {
            r.at(
                line,
                format!(
                    "felaktig webbadress \"{url}\": använd http:// eller https://, inte {}:",
                    u.scheme()
                ),
            );
            false
        }
        Err(e) => {
            use url::ParseError as P;
            // The library says why in English; the usual slips in words a guide reads.
            let why = match e {
                P::RelativeUrlWithoutBase => "den ska börja med https://".to_owned(),
                P::EmptyHost => {
                    let scheme = url.split("//").next().unwrap_or("https:");
                    format!("webbplatsens namn saknas efter {scheme}//")
                }
                P::InvalidPort => "portnumret efter kolon är fel".to_owned(),
                P::InvalidDomainCharacter | P::IdnaError => {
                    "webbplatsens namn har ett tecken som inte får finnas där (ett mellanslag?)"
                        .to_owned()
                }
                other => other.to_string(),
            };
            r.at(line, format!("felaktig webbadress \"{url}\": {why}"));
            false
        }
    }
}

fn is_key_line(line: &str, key: &str) -> bool {
    let l = line.trim_start();
    let l = l
        .strip_prefix(key)
        .or_else(|| l.strip_prefix(&format!("\"{key}\"")));
    matches!(l, Some(rest) if rest.trim_start().starts_with('='))
}

fn find_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| is_key_line(l, key))
        .map(|i| i + 1)
}

/// The first line at or after line `from` (1-based) that holds `needle`.
fn find_line_from(text: &str, from: usize, needle: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
}

/// What the TOML parser found wrong, in Swedish for the guides who read it ("invalid array;
/// expected `]`" → "ogiltig lista [ … ]; här väntades `]`"). A part it does not know stays
/// as the parser wrote it. The FAQ's files and a local `_glossary.toml` go through it.
pub fn toml_message(message: &str) -> String {
    const WHAT: &[(&str, &str)] = &[
        ("string", "ogiltig text (text står inom citattecken)"),
        ("basic string", "ogiltig text inom \"…\""),
        ("literal string", "ogiltig text inom '…'"),
        ("multiline basic string", "ogiltig text inom \"\"\"…\"\"\""),
        ("multiline literal string", "ogiltig text inom '''…'''"),
        ("array", "ogiltig lista [ … ]"),
        ("inline table", "ogiltig tabell { … }"),
        ("table header", "ogiltig rubrik [ … ]"),
        ("key", "ogiltig nyckel"),
        ("integer", "ogiltigt heltal"),
        ("hexadecimal integer", "ogiltigt hexadecimalt tal"),
        ("octal integer", "ogiltigt oktalt tal"),
        ("binary integer", "ogiltigt binärt tal"),
        ("floating-point number", "ogiltigt decimaltal"),
        ("date-time", "ogiltigt datum (skriv ÅÅÅÅ-MM-DD)"),
        ("time", "ogiltig tid"),
        ("time offset", "ogiltig tidszon"),
        ("escape sequence", "ogiltigt tecken efter \\"),
        ("unicode 4-digit hex code", "ogiltig unicode-kod"),
        ("unicode 8-digit hex code", "ogiltig unicode-kod"),
        ("digit", "ogiltig siffra"),
        ("leading digit", "ogiltig siffra först"),
    ];
    // Serde's words for what a value is, as in "invalid type: integer `1`, expected a string".
    let kind = |k: &str| {
        k.replace("a sequence", "en lista [ … ]")
            .replace("a string", "en text inom citattecken")
            .replace("string", "text")
            .replace("integer", "heltal")
            .replace("a map", "en tabell")
            .replace("boolean", "sant/falskt")
            .replace(" or ", " eller ")
            .replace("one of ", "")
    };
    let part = |p: &str| -> String {
        if let Some(rest) = p.strip_prefix("unknown field ") {
            return match rest.split_once(", expected ") {
                Some((field, expected)) => {
                    format!("okänd nyckel {field}; här väntades {}", kind(expected))
                }
                None => format!("okänd nyckel {rest}"),
            };
        }
        if let Some(rest) = p.strip_prefix("invalid type: ") {
            return match rest.split_once(", expected ") {
                Some((found, expected)) => {
                    format!(
                        "fel sorts värde: {}; här väntades {}",
                        kind(found),
                        kind(expected)
                    )
                }
                None => format!("fel sorts värde: {}", kind(rest)),
            };
        }
        if let Some(what) = p.strip_prefix("invalid ") {
            return WHAT.iter().find(|(en, _)| *en == what).map_or_else(
                || format!("ogiltigt värde ({what})"),
                |(_, sv)| (*sv).to_owned(),
            );
        }
        if let Some(items) = p.strip_prefix("expected ") {
            let items = items
                .replace("newline", "radbrytning")
                .replace("whitespace", "mellanslag");
            let items = match items.rsplit_once(", ") {
                Some((first, last)) => format!("{first} eller {last}"),
                None => items,
            };
            return format!("här väntades {items}");
        }
        if let Some(rest) = p.strip_prefix("duplicate key ") {
            let key = rest.split(" in ").next().unwrap_or(rest);
            return format!("nyckeln {key} står två gånger");
        }
        match p {
            "value is out of range" => "värdet finns inte (till exempel månad 13)".to_owned(),
            other => other.to_owned(),
        }
    };
    message
        .trim()
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(part)
        .collect::<Vec<_>>()
        .join("; ")
}

fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn read(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) => {
            diags.push(Diagnostic {
                file: path.to_path_buf(),
                line: None,
                message: format!("filen går inte att läsa: {e}"),
            });
            None
        }
    }
}

fn sorted_dir(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    Ok(v)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Counts per theme, for the one-line summary of `check`.
pub fn summary(faq: &Faq) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for e in &faq.entries {
        *m.entry(e.theme.to_string()).or_default() += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    #[test]
    fn toml_errors_read_in_swedish() {
        use super::toml_message;
        assert_eq!(
            toml_message("invalid array; expected `]`"),
            "ogiltig lista [ … ]; här väntades `]`"
        );
        assert_eq!(
            toml_message("duplicate key `question` in document root"),
            "nyckeln `question` står två gånger"
        );
        assert_eq!(
            toml_message("invalid string\nexpected `\"`, `'`"),
            "ogiltig text (text står inom citattecken); här väntades `\"` eller `'`"
        );
        assert_eq!(
            toml_message("invalid date-time; value is out of range"),
            "ogiltigt datum (skriv ÅÅÅÅ-MM-DD); värdet finns inte (till exempel månad 13)"
        );
        assert_eq!(
            toml_message("unknown field `sw`, expected `sv` or `en`"),
            "okänd nyckel `sw`; här väntades `sv` eller `en`"
        );
        assert_eq!(
            toml_message("invalid type: integer `1`, expected a string"),
            "fel sorts värde: heltal `1`; här väntades en text inom citattecken"
        );
        // What it does not know stays as written.
        assert_eq!(toml_message("something new"), "something new");
    }

    use super::*;

    fn entry(text: &str) -> (Option<Entry>, Vec<String>) {
        let mut d = Vec::new();
        let id = EntryId::new(&ThemeId::parse("t").unwrap(), "e").unwrap();
        let e = parse_entry(Path::new("faq/t/e.md"), id, text, &mut d);
        (e, d.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_good_entry_parses() {
        let (e, d) = entry(
            "+++\nquestion = \"När plogas min gata?\"\nalternates = [\"Hur ofta plogar ni?\"]\nepisodes = [{ id = \"ep\", at = \"04:30\" }]\nlinks = [{ title = \"Snö\", url = \"https://example.se/sno\" }]\nupdated = 2026-11-01\n+++\nKommunen plogar.\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let e = e.unwrap();
        assert_eq!(e.question, "När plogas min gata?");
        assert_eq!(e.alternates, vec!["Hur ofta plogar ni?"]);
        assert_eq!(e.episodes[0].at, Some(Timestamp(270)));
        assert_eq!(e.updated.as_deref(), Some("2026-11-01"));
        assert_eq!(e.answer, "Kommunen plogar.");
    }

    #[test]
    fn a_file_saved_on_windows_gives_chat_line_breaks() {
        let (e, d) =
            entry("+++\r\nquestion = \"Får jag elda?\"\r\n+++\r\nNej.\r\n\r\nRing oss.\r\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(e.unwrap().answer, "Nej.\n\nRing oss.");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let (_, d) = entry(
            "+++\nalternate = [\"x\"]\nlinks = [{ title = \"a\", url = \"nota url\" }]\nupdated = \"igår\"\n+++\n\n",
        );
        assert!(
            d.contains(&"faq/t/e.md:2: okänd nyckel `alternate` (menade du `alternates`?); kända nycklar för poster: question, alternates, alternates_en, keywords, episodes, links, updated, owner, review_by, draft".to_string()),
            "{d:#?}"
        );
        assert!(
            d.iter().any(|m| m
                == "faq/t/e.md:3: felaktig webbadress \"nota url\": den ska börja med https://"),
            "{d:#?}"
        );
        assert!(
            d.iter()
                .any(|m| m == "faq/t/e.md:4: `updated` = \"igår\" är inte ett datum som 2026-11-01"),
            "{d:#?}"
        );
        assert!(
            d.iter().any(
                |m| m == "faq/t/e.md:1: `question` saknas mellan raderna `+++`"
                    || m == "faq/t/e.md:2: `question` saknas mellan raderna `+++`"
            ),
            "{d:#?}"
        );
        assert!(d.iter().any(|m| m.contains("svaret är tomt")), "{d:#?}");
    }

    #[test]
    fn broken_toml_names_the_line() {
        let (e, d) = entry("+++\nquestion = \"a\"\nkeywords = [\"x\"\n+++\nsvar\n");
        assert!(e.is_none());
        assert_eq!(d.len(), 1);
        assert!(
            d[0].starts_with("faq/t/e.md:3: fel mellan raderna `+++`"),
            "{d:?}"
        );
    }

    #[test]
    fn missing_front_matter() {
        let (_, d) = entry("Bara text\n");
        assert_eq!(d, vec!["faq/t/e.md:1: filen måste börja med en rad `+++`"]);
        let (_, d) = entry("+++\nquestion = \"a\"\n");
        assert_eq!(
            d,
            vec!["faq/t/e.md:1: den avslutande raden `+++` saknas: lägg till den efter nycklarna"]
        );
    }

    #[test]
    fn too_long_answers_are_reported() {
        let long = "å".repeat(MAX_ANSWER_CHARS + 1);
        let (_, d) = entry(&format!("+++\nquestion = \"a\"\n+++\n{long}\n"));
        assert_eq!(
            d,
            vec!["faq/t/e.md:4: svaret är 4097 tecken; Discord visar högst 4096"]
        );
    }

    #[test]
    fn bad_timestamps_and_episode_refs() {
        let (_, d) = entry(
            "+++\nquestion = \"a\"\nepisodes = [{ id = \"x\", at = \"4:99\" }, { at = \"1:00\" }]\n+++\nsvar\n",
        );
        assert!(
            d.iter()
                .any(|m| m.contains("`at` = \"4:99\" är inte en tid")),
            "{d:?}"
        );
        assert!(d.iter().any(|m| m.contains("saknar `id`")), "{d:?}");
    }

    /// A problem with one value of a list written over several lines is reported at the
    /// value's line, not the list's first.
    #[test]
    fn a_value_in_a_long_list_is_reported_on_its_own_line() {
        let (e, d) = entry(
            "+++\nquestion = \"Behöver jag bygglov för altan?\"\nalternates = [\n  \"altan bygglov\",\n  \
             \"bygglov för altan\",\n  \"altan bygglov\",\n]\nlinks = [\n  { title = \"A\", url = \
             \"https://example.se/a\" },\n  { title = \"B\", url = \"http://\" },\n]\nepisodes = [\n  \
             { id = \"ep1\", at = \"04:30\" },\n  { id = \"ep1\", at = \"99:99\" },\n]\n+++\nSvar.\n",
        );
        // The phrasing written twice is where it is written again (`check` reports it there).
        let lines = e.expect("usable").lines.phrasings;
        assert_eq!(lines, [Some(2), Some(4), Some(5), Some(6)]);
        // Quoted first: the second "altan" after "altan bygglov".
        let (e, _) = entry(
            "+++\nquestion = \"Q\"\nalternates = [\n  \"altan bygglov\",\n  \"altan\",\n  \"altan\",\n]\n+++\nSvar.\n",
        );
        assert_eq!(
            e.unwrap().lines.phrasings,
            [Some(2), Some(4), Some(5), Some(6)]
        );
        for want in [
            "faq/t/e.md:10: felaktig webbadress \"http://\": webbplatsens namn saknas efter http://",
            "faq/t/e.md:14: `at` = \"99:99\" är inte en tid",
        ] {
            assert!(d.iter().any(|m| m.starts_with(want)), "{want}: {d:#?}");
        }
    }

    #[test]
    fn episodes_written_twice_and_urls_with_spaces_are_found_where_written() {
        let d = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = d.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("t/_theme.toml", "name = \"T\"\n");
        w(
            "episodes.toml",
            "[[episode]]\nid = \"a\"\ntitle = \"A\"\nurl = \"https://example.se/a\"\n\n\
             [[episode]]\nid = \"a\"\ntitle = \"A igen\"\nurl = \"https://example.se/b\"\n",
        );
        w(
            "t/e.md",
            "+++\nquestion = \"Fråga?\"\nepisodes = [\n  { id = \"a\" },\n  { id = \"a\" },\n]\n\
             links = [{ title = \"L\", url = \"https://example.se/sida med mellanslag\" }]\n+++\nSvar.\n",
        );
        let (_, diags) = load(d.path());
        let got: Vec<String> = diags
            .iter()
            .map(|d| {
                let file = d.file.file_name().unwrap().to_string_lossy().into_owned();
                format!("{file}:{}: {}", d.line.unwrap_or(0), d.message)
            })
            .collect();
        for want in [
            "episodes.toml:7: flera avsnitt har id `a`",
            "e.md:5: avsnittet `a` står två gånger i posten",
            "e.md:7: felaktig webbadress \"https://example.se/sida med mellanslag\": den innehåller mellanslag",
        ] {
            assert!(got.iter().any(|g| g == want), "{want}: {got:#?}");
        }
    }

    #[test]
    fn an_english_phrasing_among_the_swedish_ones_is_named() {
        let (_, d) = entry(
            "+++\nquestion = \"Behöver jag bygglov för en friggebod?\"\nalternates = [\n  \
             \"friggebod bygglov\",\n  \"Do I need a permit for a shed?\",\n]\n+++\nSvar.\n",
        );
        assert_eq!(
            d,
            [
                "faq/t/e.md:5: formuleringen \"Do I need a permit for a shed?\" är på engelska: \
              flytta den till `alternates_en`"
            ]
        );
    }

    #[test]
    fn episodes_file() {
        let mut d = Vec::new();
        let eps = parse_episodes(
            Path::new("episodes.toml"),
            "[[episode]]\nid = \"a\"\ntitle = \"A\"\nurl = \"https://example.se/a\"\npublished = 2026-01-01\n\n[[episode]]\nid = \"b\"\ntitel = \"B\"\nurl = \"https://example.se/b\"\n",
            &mut d,
        );
        assert_eq!(eps.len(), 1);
        let d: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert!(
            d.iter().any(
                |m| m.starts_with("episodes.toml:9: okänd nyckel `titel` (menade du `title`?)")
            ),
            "{d:#?}"
        );
        assert!(
            d.iter()
                .any(|m| m.starts_with("episodes.toml:7: avsnittet saknar `title`")),
            "{d:#?}"
        );
    }
}
