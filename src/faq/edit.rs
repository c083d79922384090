//! Writing entries: what staff add or change from chat becomes a Markdown file in `faq/`.
//!
//! A change is validated against the whole FAQ before it replaces anything: the folder is
//! copied aside, the change applied to the copy and the copy loaded with every check that
//! `kommunbot check` runs. Only a clean result is written, atomically (a temporary file in
//! the same folder, fsynced, then renamed), so a reader (the watcher, git, a guide's editor)
//! never sees half a file and a broken edit never reaches the live FAQ.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use toml::Value;

use super::{Diagnostic, Entry, EntryId, Faq, ThemeId, load};

/// What a guide typed into the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryDraft {
    pub theme: String,
    pub question: String,
    pub alternates: Vec<String>,
    /// English phrasings: `None` leaves an entry's as they are (a form without the field),
    /// `Some` sets them.
    pub alternates_en: Option<Vec<String>>,
    pub answer: String,
    /// Not served until a guide completes it (an entry drafted from a candidate topic).
    /// An edit of an entry that is already a draft keeps it a draft.
    pub draft: bool,
}

/// A new entry, or a change to an existing one (which may move it to another theme).
#[derive(Debug, Clone)]
pub enum Edit {
    Create(EntryDraft),
    Update { id: String, draft: EntryDraft },
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: String,
    pub path: PathBuf,
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("okänt tema `{0}`: använd en av temamapparna, t.ex. `snorojning`")]
    UnknownTheme(String),
    #[error("okänd post `{0}`")]
    UnknownEntry(String),
    #[error("frågan `{0}` har inga bokstäver att göra ett filnamn av")]
    NoSlug(String),
    #[error("ändringen skulle ge fel i FAQ:n ({} problem):\n{}", .0.len(), .0.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    #[error(
        "{path} har ändrats på disken sedan FAQ:n lästes in och får vara kvar som den är där: \
         läs in FAQ:n igen (`/faq-ladda-om`) och gör ändringen en gång till"
    )]
    ChangedOnDisk { path: String },
    #[error(
        "{path} innehåller redan en annan post: flytta den till ett annat namn eller ändra i den"
    )]
    Taken { path: String },
    #[error("kan inte skriva {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EditError + '_ {
    move |source| EditError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A file name from a question: folded to ASCII, words joined by `-`, at most 60 characters
/// cut at a word boundary ("Får jag elda i trädgården?" → `far-jag-elda-i-tradgarden`).
pub fn slugify(text: &str) -> String {
    let folded = crate::answer::fold(text);
    let mut slug = String::new();
    for word in folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > 60 && !slug.is_empty() {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word[..word.len().min(60)]);
    }
    slug
}

/// A changed entry's text: its front matter as on disk (`on_disk`), edited in place — the
/// form's fields (question, alternates, draft), `updated` set to `today`, and the rest
/// (keywords, links, owner, the guide's comments and line breaks) as the guide wrote it.
/// `None` when the text has no front matter to edit.
fn render_over(on_disk: &str, draft: &EntryDraft, base: &Entry, today: &str) -> Option<String> {
    use toml_edit::DocumentMut;
    let (front, _, _) = load::split_front_matter(on_disk).ok()?;
    let mut doc: DocumentMut = front.parse().ok()?;
    set(&mut doc, "question", draft.question.trim().into());
    set_list(&mut doc, "alternates", &draft.alternates);
    if let Some(en) = &draft.alternates_en {
        set_list(&mut doc, "alternates_en", en);
    }
    set(
        &mut doc,
        "updated",
        today.parse::<toml_edit::Datetime>().ok()?.into(),
    );
    if draft.draft || base.draft {
        set(&mut doc, "draft", true.into());
    }
    let front = doc.to_string();
    let newline = if front.ends_with('\n') || front.is_empty() {
        ""
    } else {
        "\n"
    };
    let text = format!("+++\n{front}{newline}+++\n{}\n", draft.answer.trim());
    // A file saved on Windows stays in its line endings throughout, not mixed line by line.
    let text = text.replace("\r\n", "\n");
    Some(if on_disk.contains("\r\n") {
        text.replace('\n', "\r\n")
    } else {
        text
    })
}

/// Sets `key` to `v`; a value replaced keeps the comment after it on its line.
fn set(doc: &mut toml_edit::DocumentMut, key: &str, mut v: toml_edit::Value) {
    if let Some(old) = doc.get(key).and_then(|i| i.as_value()) {
        *v.decor_mut() = old.decor().clone();
    }
    doc[key] = toml_edit::Item::Value(v);
}

/// Sets a list of phrasings (`alternates`, `alternates_en`) in front matter as on disk:
/// removed when empty; only grown (an accepted phrasing), the items as written with the new
/// ones after them, laid out as the last one is; otherwise replaced.
fn set_list(doc: &mut toml_edit::DocumentMut, key: &str, want: &[String]) {
    use toml_edit::{Array, Value};
    match doc.get_mut(key).and_then(|i| i.as_array_mut()) {
        _ if want.is_empty() => {
            doc.remove(key);
        }
        // Only grown (an accepted phrasing): the items as written, the new ones after them.
        Some(have)
            if have.len() <= want.len()
                && have
                    .iter()
                    .zip(want)
                    .all(|(h, w)| h.as_str() == Some(w.as_str())) =>
        {
            // Laid out as the last item is: on a line of its own in a list written so. (Its
            // prefix may hold the comment after the item before it: only the indent.)
            let prefix = have
                .iter()
                .last()
                .and_then(|v| v.decor().prefix())
                .and_then(|p| p.as_str())
                .map(|p| match p.rfind('\n') {
                    Some(i) => format!("\n{}", &p[i + 1..]),
                    None => p.to_owned(),
                });
            for w in &want[have.len()..] {
                let mut v = Value::from(w.as_str());
                if let Some(p) = &prefix {
                    v.decor_mut().set_prefix(p.as_str());
                }
                have.push_formatted(v);
            }
        }
        _ => {
            let list: Array = want.iter().map(String::as_str).collect();
            set(doc, key, list.into());
        }
    }
}

/// A new entry's text: front matter in a fixed order, then the answer.
fn render_new(draft: &EntryDraft, today: &str) -> String {
    let mut out = String::from("+++\n");
    let mut line = |key: &str, v: Value| out.push_str(&format!("{key} = {v}\n"));
    line("question", Value::from(draft.question.trim()));
    for (key, list) in [
        ("alternates", Some(&draft.alternates)),
        ("alternates_en", draft.alternates_en.as_ref()),
    ] {
        if let Some(list) = list.filter(|l| !l.is_empty()) {
            let strings = list.iter().map(|s| Value::from(s.as_str()));
            line(key, Value::Array(strings.collect()));
        }
    }
    // Dates stay bare TOML dates, as guides write them.
    out.push_str(&format!("updated = {today}\n"));
    if draft.draft {
        out.push_str("draft = true\n");
    }
    out.push_str("+++\n");
    out.push_str(draft.answer.trim());
    out.push('\n');
    out
}

/// An edit is made to the entry as served. A guide may since have changed its file by hand
/// (a work in progress the watcher refused, or an edit not yet picked up): writing the served
/// version plus the change over it would lose their work without a word. Returns the file's
/// text as it is on disk.
fn unchanged_on_disk(served: &Entry) -> Result<String, EditError> {
    let changed = || EditError::ChangedOnDisk {
        path: served.source.display().to_string(),
    };
    let text = fs::read_to_string(&served.source).map_err(|_| changed())?;
    let mut diags = Vec::new();
    let on_disk = load::parse_entry(&served.source, served.id.clone(), &text, &mut diags);
    match on_disk {
        Some(e) if diags.is_empty() && e == *served => Ok(text),
        _ => Err(changed()),
    }
}

/// Validates `edit` against the whole FAQ in `dir` (as loaded in `faq`) and writes it.
/// Nothing on disk changes unless the result is clean.
pub fn save(dir: &Path, faq: &Faq, edit: &Edit, today: &str) -> Result<Saved, EditError> {
    let (draft, base) = match edit {
        Edit::Create(d) => (d, None),
        Edit::Update { id, draft } => (
            draft,
            Some(
                faq.entry(id)
                    .ok_or_else(|| EditError::UnknownEntry(id.clone()))?,
            ),
        ),
    };
    let theme = ThemeId::parse(draft.theme.trim())
        .filter(|t| faq.theme(t).is_some())
        .ok_or_else(|| EditError::UnknownTheme(draft.theme.trim().to_owned()))?;
    let stem = match base {
        // An edit keeps its file name, also when it moves to another theme.
        Some(b) => b.id.as_str()[b.id.theme().len() + 1..].to_owned(),
        None => {
            let slug = slugify(&draft.question);
            if slug.is_empty() {
                return Err(EditError::NoSlug(draft.question.clone()));
            }
            // A new question never overwrites another entry's file.
            let taken = |s: &str| dir.join(theme.as_str()).join(format!("{s}.md")).exists();
            let mut stem = slug.clone();
            let mut n = 2;
            while taken(&stem) {
                stem = format!("{slug}-{n}");
                n += 1;
            }
            stem
        }
    };
    let id = EntryId::new(&theme, &stem).ok_or_else(|| EditError::NoSlug(stem.clone()))?;
    let rel = PathBuf::from(theme.as_str()).join(format!("{stem}.md"));
    let old_rel = base
        .map(|b| PathBuf::from(b.theme.as_str()).join(format!("{stem}.md")))
        .filter(|old| old != &rel);
    let text = match base {
        Some(b) => {
            let on_disk = unchanged_on_disk(b)?;
            // It parsed as the served entry, so its front matter can be edited.
            render_over(&on_disk, draft, b, today).ok_or_else(|| EditError::ChangedOnDisk {
                path: b.source.display().to_string(),
            })?
        }
        None => render_new(draft, today),
    };
    // A move to another theme keeps the file name: it must not land on another entry's file.
    if old_rel.is_some() && dir.join(&rel).exists() {
        return Err(EditError::Taken {
            path: dir.join(&rel).display().to_string(),
        });
    }
    validate(dir, &rel, old_rel.as_deref(), &text)?;

    let path = dir.join(&rel);
    write_atomically(&path, &text)?;
    if let Some(old) = old_rel {
        let old = dir.join(old);
        fs::remove_file(&old).map_err(io(&old))?;
    }
    Ok(Saved {
        id: id.to_string(),
        path,
        created: base.is_none(),
    })
}

/// Applies the change to a copy of the FAQ folder and loads the copy with every check.
fn validate(dir: &Path, rel: &Path, old_rel: Option<&Path>, text: &str) -> Result<(), EditError> {
    let scratch = Scratch::new()?;
    copy_faq(dir, &scratch.0)?;
    if let Some(old) = old_rel {
        let _ = fs::remove_file(scratch.0.join(old));
    }
    let target = scratch.0.join(rel);
    fs::write(&target, text).map_err(io(&target))?;
    let (_, diags) = load(&scratch.0);
    if diags.is_empty() {
        return Ok(());
    }
    // Report the problems where the guide will look: in the real folder.
    let diags = diags
        .into_iter()
        .map(|mut d| {
            if let Ok(r) = d.file.strip_prefix(&scratch.0) {
                d.file = dir.join(r);
            }
            d
        })
        .collect();
    Err(EditError::Invalid(diags))
}

/// A scratch folder removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, EditError> {
        let p = std::env::temp_dir().join(format!("kommunbot-edit-{}", crate::store::new_id()));
        fs::create_dir_all(&p).map_err(io(&p))?;
        Ok(Self(p))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Copies the FAQ's files: top-level files and one level of theme folders, as `load` reads.
fn copy_faq(from: &Path, to: &Path) -> Result<(), EditError> {
    for e in fs::read_dir(from).map_err(io(from))? {
        let e = e.map_err(io(from))?;
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            fs::create_dir_all(&dst).map_err(io(&dst))?;
            for f in fs::read_dir(&src).map_err(io(&src))? {
                let f = f.map_err(io(&src))?;
                if f.path().is_file() {
                    fs::copy(f.path(), dst.join(f.file_name())).map_err(io(&f.path()))?;
                }
            }
        } else if src.is_file() {
            fs::copy(&src, &dst).map_err(io(&src))?;
        }
    }
    Ok(())
}

/// Writes a temporary file beside `path`, fsyncs it and renames it over `path`.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), EditError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    // A leading dot and no `.md` ending: the loader never reads a half-written file.
    let tmp = dir.join(format!(".{name}.{}.tmp", crate::store::new_id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // The rename itself is durable only once the folder is synced.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|source| {
        let _ = fs::remove_file(&tmp);
        EditError::Io {
            path: path.display().to_string(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::load_strict;

    fn faq_dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for t in ["snorojning", "bygglov"] {
            fs::create_dir_all(d.path().join(t)).unwrap();
            fs::write(
                d.path().join(t).join("_theme.toml"),
                format!("name = \"{t}\"\n"),
            )
            .unwrap();
        }
        fs::write(
            d.path().join("snorojning/nar-plogas-min-gata.md"),
            "+++\nquestion = \"När plogas min gata?\"\nkeywords = [\"plogbil\"]\n\
             links = [{ title = \"Snö\", url = \"https://www.example.se/sno\" }]\nowner = \"Gatuenheten\"\n+++\nHuvudgator först.\n",
        )
        .unwrap();
        d
    }

    fn draft(theme: &str, q: &str, answer: &str) -> EntryDraft {
        EntryDraft {
            theme: theme.into(),
            question: q.into(),
            alternates: vec!["Hur gör jag?".into()],
            alternates_en: None,
            answer: answer.into(),
            draft: false,
        }
    }

    #[test]
    fn slugs_are_ascii_and_short() {
        assert_eq!(
            slugify("Får jag elda i trädgården?"),
            "far-jag-elda-i-tradgarden"
        );
        assert_eq!(slugify("  ?? "), "");
        assert!(slugify(&"lång ".repeat(40)).len() <= 60);
    }

    #[test]
    fn a_new_entry_is_written_and_loads_clean() {
        let d = faq_dir();
        let faq = load_strict(d.path()).unwrap();
        let saved = save(
            d.path(),
            &faq,
            &Edit::Create(draft(
                "bygglov",
                "Behöver jag bygglov för en altan?",
                "Oftast inte.",
            )),
            "2026-11-23",
        )
        .unwrap();
        assert_eq!(saved.id, "bygglov/behover-jag-bygglov-for-en-altan");
        assert!(saved.created);
        let faq = load_strict(d.path()).unwrap();
        let e = faq.entry(&saved.id).unwrap();
        assert_eq!(e.alternates, vec!["Hur gör jag?"]);
        assert_eq!(e.answer, "Oftast inte.");
        assert_eq!(e.updated.as_deref(), Some("2026-11-23"));
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(d.path().join("bygglov")).unwrap().collect();
        assert_eq!(names.len(), 2);
    }

    #[test]
    fn an_edit_keeps_the_fields_the_form_does_not_show() {
        let d = faq_dir();
        let faq = load_strict(d.path()).unwrap();
        let id = "snorojning/nar-plogas-min-gata".to_string();
        save(
            d.path(),
            &faq,
            &Edit::Update {
                id: id.clone(),
                draft: draft("snorojning", "När plogas min gata?", "Nytt svar \"citat\"."),
            },
            "2026-11-23",
        )
        .unwrap();
        let faq = load_strict(d.path()).unwrap();
        let e = faq.entry(&id).unwrap();
        assert_eq!(e.answer, "Nytt svar \"citat\".");
        assert_eq!(e.keywords, vec!["plogbil"]);
        assert_eq!(e.links[0].url, "https://www.example.se/sno");
        assert_eq!(e.owner.as_deref(), Some("Gatuenheten"));
    }

    #[test]
    fn english_phrasings_are_set_when_given_and_kept_when_not() {
        let d = faq_dir();
        let faq = load_strict(d.path()).unwrap();
        let id = "snorojning/nar-plogas-min-gata".to_string();
        let mut english = draft("snorojning", "När plogas min gata?", "Huvudgator först.");
        english.alternates_en = Some(vec!["When is my street ploughed?".into()]);
        let update = |draft: EntryDraft| Edit::Update {
            id: id.clone(),
            draft,
        };
        save(d.path(), &faq, &update(english), "2026-11-25").unwrap();
        let faq = load_strict(d.path()).unwrap();
        assert_eq!(
            faq.entry(&id).unwrap().alternates_en,
            ["When is my street ploughed?"]
        );
        // A form without the field (Discord's) leaves them.
        let form = draft(
            "snorojning",
            "När plogas min gata?",
            "Huvudgator först, sen resten.",
        );
        save(d.path(), &faq, &update(form), "2026-11-25").unwrap();
        let faq = load_strict(d.path()).unwrap();
        assert_eq!(
            faq.entry(&id).unwrap().alternates_en,
            ["When is my street ploughed?"]
        );
        // A new entry with English phrasings has them in its file.
        let mut new = draft(
            "bygglov",
            "Behöver jag bygglov för en pool?",
            "Oftast inte.",
        );
        new.alternates = vec![];
        new.alternates_en = Some(vec!["Do I need a permit for a pool?".into()]);
        save(d.path(), &faq, &Edit::Create(new), "2026-11-25").unwrap();
        let faq = load_strict(d.path()).unwrap();
        let pool = faq
            .entries
            .iter()
            .find(|e| e.question == "Behöver jag bygglov för en pool?")
            .unwrap();
        assert_eq!(pool.alternates_en, ["Do I need a permit for a pool?"]);
    }

    #[test]
    fn an_edit_keeps_the_guides_comments_and_layout() {
        let d = faq_dir();
        let path = d.path().join("snorojning/nar-plogas-min-gata.md");
        fs::write(
            &path,
            "+++\n# Ansvarig: gatuenheten\nquestion = \"När plogas min gata?\" # som på webben\n\
             alternates = [\n  \"Hur ofta plogar ni?\", # vanligast\n  \"plogning min gata\",\n]\n\
             keywords = [\"plogbil\"]\nupdated = 2026-01-02\n+++\nHuvudgator först.\n",
        )
        .unwrap();
        let faq = load_strict(d.path()).unwrap();
        let mut grown = draft("snorojning", "När plogas min gata?", "Huvudgator först.");
        grown.alternates = vec![
            "Hur ofta plogar ni?".into(),
            "plogning min gata".into(),
            "när kommer plogbilen".into(),
        ];
        let id = "snorojning/nar-plogas-min-gata".to_string();
        let update = |draft: EntryDraft| Edit::Update {
            id: id.clone(),
            draft,
        };
        save(d.path(), &faq, &update(grown.clone()), "2026-11-24").unwrap();
        let text = fs::read_to_string(&path).unwrap();
        for kept in [
            "# Ansvarig: gatuenheten\n",
            "\"När plogas min gata?\" # som på webben\n",
            "\"Hur ofta plogar ni?\", # vanligast\n",
            "keywords = [\"plogbil\"]\n",
            // The new phrasing on a line of its own, as the list is written.
            "  \"plogning min gata\",\n  \"när kommer plogbilen\",\n]\n",
        ] {
            assert!(text.contains(kept), "{kept:?} lost:\n{text}");
        }
        assert!(text.contains("updated = 2026-11-24\n"), "{text}");
        let faq = load_strict(d.path()).unwrap();
        assert_eq!(faq.entry(&id).unwrap().alternates, grown.alternates);
        // A new question and fewer alternates: still the comments around them.
        let mut changed = grown;
        changed.question = "När plogar kommunen min gata?".into();
        changed.alternates = vec!["plogning min gata".into()];
        save(d.path(), &faq, &update(changed), "2026-11-25").unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("# Ansvarig: gatuenheten\n"), "{text}");
        assert!(
            text.contains("\"När plogar kommunen min gata?\" # som på webben\n"),
            "{text}"
        );
        let faq = load_strict(d.path()).unwrap();
        assert_eq!(faq.entry(&id).unwrap().alternates, ["plogning min gata"]);
    }

    #[test]
    fn a_windows_file_keeps_its_line_endings() {
        let d = faq_dir();
        let path = d.path().join("snorojning/nar-plogas-min-gata.md");
        fs::write(
            &path,
            "+++\r\n# Ansvarig: gatuenheten\r\nquestion = \"När plogas min gata?\"\r\n+++\r\nFörst.\r\n",
        )
        .unwrap();
        let faq = load_strict(d.path()).unwrap();
        let edit = Edit::Update {
            id: "snorojning/nar-plogas-min-gata".into(),
            draft: draft("snorojning", "När plogas min gata?", "Huvudgator först."),
        };
        save(d.path(), &faq, &edit, "2026-11-24").unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("# Ansvarig: gatuenheten\r\n"), "{text:?}");
        assert_eq!(
            text.matches('\n').count(),
            text.matches("\r\n").count(),
            "{text:?}"
        );
    }

    #[test]
    fn a_broken_edit_changes_nothing_and_says_why() {
        let d = faq_dir();
        let before =
            fs::read_to_string(d.path().join("snorojning/nar-plogas-min-gata.md")).unwrap();
        let faq = load_strict(d.path()).unwrap();
        // The same phrasing as another entry, and an empty answer: both reported.
        let err = save(
            d.path(),
            &faq,
            &Edit::Create(draft("bygglov", "När plogas min gata?", "  ")),
            "2026-11-23",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("2 problem)"), "{text}");
        assert!(text.contains("svaret är tomt"), "{text}");
        assert!(text.contains("boten kan inte skilja dem åt"), "{text}");
        assert!(text.contains(&d.path().display().to_string()), "{text}");
        assert!(!d.path().join("bygglov/nar-plogas-min-gata.md").exists());
        let after = fs::read_to_string(d.path().join("snorojning/nar-plogas-min-gata.md")).unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn a_guides_change_on_disk_is_never_written_over() {
        let d = faq_dir();
        let faq = load_strict(d.path()).unwrap();
        let path = d.path().join("snorojning/nar-plogas-min-gata.md");
        // A guide has written on since the FAQ was loaded; the watcher has not seen it yet.
        let wip = fs::read_to_string(&path).unwrap() + "\nEtt stycke till som guiden skriver på.\n";
        fs::write(&path, &wip).unwrap();
        let err = save(
            d.path(),
            &faq,
            &Edit::Update {
                id: "snorojning/nar-plogas-min-gata".into(),
                draft: draft("snorojning", "När plogas min gata?", "Nytt svar."),
            },
            "2026-11-23",
        )
        .unwrap_err();
        assert!(matches!(err, EditError::ChangedOnDisk { .. }), "{err}");
        assert!(err.to_string().contains("nar-plogas-min-gata.md"), "{err}");
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            wip,
            "the guide's text stays"
        );
    }

    #[test]
    fn unknown_theme_and_entry_are_refused() {
        let d = faq_dir();
        let faq = load_strict(d.path()).unwrap();
        let e = save(
            d.path(),
            &faq,
            &Edit::Create(draft("skola", "Fråga?", "Svar.")),
            "2026-11-23",
        );
        assert!(matches!(e, Err(EditError::UnknownTheme(t)) if t == "skola"));
        let e = save(
            d.path(),
            &faq,
            &Edit::Update {
                id: "bygglov/finns-inte".into(),
                draft: draft("bygglov", "Fråga?", "Svar."),
            },
            "2026-11-23",
        );
        assert!(matches!(e, Err(EditError::UnknownEntry(_))));
    }

    /// Moves the snow entry of [`faq_dir`] to the building-permit theme.
    fn move_to_bygglov(dir: &Path) -> Result<Saved, EditError> {
        let faq = load_strict(dir).unwrap();
        let edit = Edit::Update {
            id: "snorojning/nar-plogas-min-gata".into(),
            draft: draft("bygglov", "När plogas min gata?", "Svar."),
        };
        save(dir, &faq, &edit, "2026-11-23")
    }

    #[test]
    fn moving_to_another_theme_removes_the_old_file() {
        let d = faq_dir();
        let saved = move_to_bygglov(d.path()).unwrap();
        assert_eq!(saved.id, "bygglov/nar-plogas-min-gata");
        assert!(!d.path().join("snorojning/nar-plogas-min-gata.md").exists());
        load_strict(d.path()).unwrap();
    }

    #[test]
    fn a_move_never_lands_on_another_entrys_file() {
        let d = faq_dir();
        let other = d.path().join("bygglov/nar-plogas-min-gata.md");
        let text = "+++\nquestion = \"Får jag bygga ett plank vid gatan?\"\n+++\nOftast.\n";
        fs::write(&other, text).unwrap();
        let err = move_to_bygglov(d.path()).unwrap_err();
        assert!(matches!(err, EditError::Taken { .. }), "{err}");
        assert_eq!(fs::read_to_string(&other).unwrap(), text);
        assert!(d.path().join("snorojning/nar-plogas-min-gata.md").exists());
    }
}
