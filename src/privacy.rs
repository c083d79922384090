//! Redaction of personal data, applied before a question is stored or logged.
//!
//! Replaces personnummer and samordningsnummer (Luhn-checked, so ordinary numbers survive),
//! Swedish phone numbers, e-mail addresses, vehicle registration numbers, Discord user
//! mentions and names where a message says whose they are ("jag heter …", a signature, a
//! name beside a personnummer) with typed placeholders, and counts them. Invisible
//! characters go first and look-alike dashes and spaces become plain ones, so none can split
//! a number to hide it. Pure: text in, text and counts out.

use std::path::Path;
use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use regex::{Captures, Regex};
use sha2::Sha256;

/// How many items of each kind were replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub personnummer: usize,
    pub phone: usize,
    pub email: usize,
    pub plate: usize,
    pub name: usize,
    pub user: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.personnummer + self.phone + self.email + self.plate + self.name + self.user
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub counts: Counts,
}

pub const PERSONNUMMER: &str = "[personnummer]";
pub const PHONE: &str = "[telefon]";
pub const EMAIL: &str = "[e-post]";
pub const PLATE: &str = "[regnr]";
pub const NAME: &str = "[namn]";
pub const USER: &str = "[användare]";

/// Every placeholder, for code that must tell them from the citizen's own words.
pub const PLACEHOLDERS: &[&str] = &[PERSONNUMMER, PHONE, EMAIL, PLATE, NAME, USER];

/// A name introduced as one: "jag heter Sara (Ali)", "mitt namn är …", "my name is …". The
/// first word is taken whatever its case (people type "jag heter nina"); a surname only
/// when capitalised.
static NAME_INTRO_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:jag\s+heter|mitt\s+namn\s+är|mitt\s+namn\s+ar|my\s+name\s+is|i\s+am\s+called)\s+)(\p{L}+(?:[ -]\p{Lu}\p{Ll}+)?)")
        .expect("regex")
});

/// A signature: "mvh Anna", "hälsningar Per Ek", "/Peter", "regards, Tom".
static NAME_SIGN_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s,.!?])(?i:mvh|med\s+vänlig\s+hälsning|vänliga\s+hälsningar|hälsningar|hälsning|regards|//?)[,:]?\s*(\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)?)")
        .expect("regex")
});

/// A capitalised first and last name right before a personnummer, phone or e-mail placeholder.
static NAME_BESIDE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^\p{L}])(\p{Lu}\p{Ll}+ \p{Lu}\p{Ll}+)(?:,?\s*\[(?:personnummer|telefon|e-post)\])",
    )
    .expect("regex")
});

/// Letters of any script on both sides of the @: "åsa@example.se", "anna@lidköping.se".
static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}\b")
        .expect("regex")
});

/// A Discord user mention, `<@id>` or `<@!id>`: another person's lasting identifier.
static MENTION_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<@!?\d{15,21}>").expect("regex"));

/// 6 or 8 digits of date, an optional separator (`-`, `+`, space), 4 digits.
static PNR_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d])((?:19|20)?(\d{6})[-+ ]?(\d{4}))(?:$|[^\d])").expect("regex")
});

/// A Swedish number starting with +46, 0046 or 0: an area code, perhaps in brackets
/// ("(070) 174 06 05") and set off by a space, a hyphen or a slash, then digit groups split
/// by spaces or hyphens ("070 - 174 06 05").
/// A spaced hyphen or a slash is taken only after an area code of three digits or more, so
/// dates and hours ("03/04 2026", "2026-07-01 - 2026-08-15", "09 - 12") stay.
static PHONE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d+])((?:\+46|0046)[\s-]?\(?0?\)?[1-9](?:[\s-]?\d){6,9}|\(?0[1-9]\)?(?:[\s-]?\d){6,9}|\(?0[1-9]\d{1,2}\)?(?:\s?[-/]\s?|\s)\d(?:[\s-]?\d){4,8})(?:$|[^\d])")
        .expect("regex")
});

/// ABC 123, ABC-123 or ABC 12A. Letters I, Q, V, Å, Ä, Ö are never used on Swedish plates.
/// In lower case only without a space: "tar 100 kr" and "med 200 kr" are no plates.
static PLATE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([A-HJ-PR-UW-Z]{3})[ -]?(\d{2}[A-HJ-NPR-UW-Z0-9])\b|\b([a-hj-pr-uw-z]{3})-?(\d{2}[a-hj-npr-uw-z0-9])\b")
        .expect("regex")
});

/// Turns a platform user id into a stable pseudonym: HMAC-SHA256 under a secret key.
/// Without the key nobody can go back from the pseudonym to the user, and the same key lets
/// a citizen be found again (and forgotten) when they ask for it.
#[derive(Clone)]
pub struct Pseudonymizer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer(<secret>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or create the pseudonym key {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the pseudonym key in {path} is too short: need at least 16 bytes")]
    Short { path: String },
}

impl Pseudonymizer {
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    /// Uses `configured` if given; otherwise the key in `data_dir/asker.key`, made on first
    /// use (32 random bytes, readable by the owner only).
    pub fn load_or_create(data_dir: &Path, configured: Option<&str>) -> Result<Self, KeyError> {
        if let Some(secret) = configured.filter(|s| !s.is_empty()) {
            return Ok(Self::new(secret.as_bytes()));
        }
        let path = data_dir.join("asker.key");
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read(&path) {
            Ok(key) if key.len() >= 16 => Ok(Self::new(&key)),
            Ok(_) => Err(KeyError::Short {
                path: path.display().to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(io)?;
                let key: [u8; 32] = rand::random();
                match publish_private(&path, &key) {
                    Ok(()) => Ok(Self::new(&key)),
                    // Another process made it first (commands started together on a fresh
                    // data directory): every process must use that one, or one asker would
                    // have two pseudonyms. It was put in place whole, so it reads whole.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::load_or_create(data_dir, None)
                    }
                    Err(e) => Err(io(e)),
                }
            }
            Err(e) => Err(io(e)),
        }
    }

    /// The pseudonym of `user` on `platform` (e.g. `discord`, `http`), 32 hex digits.
    pub fn asker(&self, platform: &str, user: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("hmac takes any key");
        mac.update(platform.as_bytes());
        mac.update(b":");
        mac.update(user.as_bytes());
        mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Puts `bytes` at `path` whole, unless something is there already (`AlreadyExists`): they
/// are written to a file of their own first and then linked in, which never replaces a file
/// and never shows a half-written one.
fn publish_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{:016x}.tmp", rand::random::<u64>()));
    let tmp = std::path::PathBuf::from(tmp);
    let linked = write_private(&tmp, bytes).and_then(|()| std::fs::hard_link(&tmp, path));
    // Made or not, the key is now at `path` or nowhere: the file of our own goes.
    let removed = std::fs::remove_file(&tmp);
    linked?;
    removed
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// A feed URL as messages, logs and `/readyz` show it: a private feed carries its secret in
/// the user info or the query ("https://podd:hemligt@…/feed.xml?token=…"), so both go.
pub fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.has_host() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            let query = u.query().is_some();
            u.set_query(None);
            if query {
                format!("{u}?…")
            } else {
                u.to_string()
            }
        }
        _ => cut_by_hand(url),
    }
}

/// A database URL as messages and logs show it: the user stays, so an operator sees which
/// account failed, but a password goes, whether in the user info ("postgres://kb:…@") or
/// in the query ("?password=…", as libpq and sqlx also take it), as does any other query
/// value that names a secret.
pub fn database_url_shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.has_host() || u.scheme() == "sqlite" => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            if u.query().is_some() {
                let secret = |k: &str| {
                    let k = k.to_ascii_lowercase();
                    ["pass", "pwd", "secret", "token", "key"]
                        .iter()
                        .any(|s| k.contains(s))
                };
                let pairs: Vec<(String, String)> = u
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if secret(&k) {
                            "***".into()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        _ => cut_by_hand(url),
    }
}

/// Something that looks like a URL but does not parse (a mistyped port, a space in the
/// password) may still carry user info and a query: both are cut by hand. A file path has
/// nothing secret in it and comes back as it is.
fn cut_by_hand(url: &str) -> String {
    match url.split_once("://") {
        None => url.to_owned(),
        Some((scheme, rest)) => {
            let (rest, query) = match rest.split_once('?') {
                Some((r, _)) => (r, "?…"),
                None => (rest, ""),
            };
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let rest = match rest[..authority_end].rfind('@') {
                Some(at) => &rest[at + 1..],
                None => rest,
            };
            format!("{scheme}://{rest}{query}")
        }
    }
}

/// Replaces personal data with placeholders.
pub fn redact(text: &str) -> Redacted {
    let mut counts = Counts::default();
    let text = plain(text);
    let text = MENTION_RE.replace_all(&text, |_: &Captures| {
        counts.user += 1;
        USER
    });
    let text = EMAIL_RE.replace_all(&text, |_: &Captures| {
        counts.email += 1;
        EMAIL
    });
    let text = replace_group(&PNR_RE, &text, |c| {
        let digits = format!("{}{}", &c[2], &c[3]);
        valid_personnummer(&digits).then(|| {
            counts.personnummer += 1;
            PERSONNUMMER
        })
    });
    let text = replace_group(&PHONE_RE, &text, |c| {
        let all = c[1].chars().filter(char::is_ascii_digit).count();
        // Counted as dialled at home: "+46 70…" and "0046 70…" stand for "070…".
        let national = match &c[1] {
            s if s.starts_with("+46") => all - 1,
            s if s.starts_with("0046") => all - 3,
            _ => all,
        };
        (8..=11).contains(&national).then(|| {
            counts.phone += 1;
            PHONE
        })
    });
    let text = PLATE_RE.replace_all(&text, |_: &Captures| {
        counts.plate += 1;
        PLATE
    });
    let mut name = |_: &Captures| {
        counts.name += 1;
        Some(NAME)
    };
    let text = replace_group(&NAME_INTRO_RE, &text, &mut name);
    let text = replace_group(&NAME_SIGN_RE, &text, &mut name);
    let text = replace_group(&NAME_BESIDE_RE, &text, &mut name);
    Redacted { text, counts }
}

/// `text` without invisible format characters (a zero-width space or a soft hyphen inside
/// "19900101\u{200b}-9802" would hide the number), with look-alike dashes and spaces as
/// plain ones. Text that has none comes back as it is.
fn plain(text: &str) -> std::borrow::Cow<'_, str> {
    let invisible = |c: char| {
        matches!(c, '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
            | '\u{e0000}'..='\u{e007f}')
    };
    let dash = |c: char| matches!(c, '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}');
    let space = |c: char| {
        matches!(
            c,
            '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{3000}'
        )
    };
    // Full-width forms ("０７０"), as some phone keyboards type them: their ASCII twins.
    let wide = |c: char| ('\u{ff01}'..='\u{ff5e}').contains(&c);
    if !text
        .chars()
        .any(|c| invisible(c) || dash(c) || space(c) || wide(c))
    {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .filter(|c| !invisible(*c))
        .map(|c| match c {
            c if dash(c) => '-',
            c if space(c) => ' ',
            c if wide(c) => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// Replaces capture group 1 of each match where `f` says so; the regexes also match one
/// surrounding character each side (the `regex` crate has no look-around), kept as is.
fn replace_group(
    re: &Regex,
    text: &str,
    mut f: impl FnMut(&Captures) -> Option<&'static str>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut at = 0;
    while let Some(c) = re.captures_at(text, at) {
        let g = c.get(1).expect("group 1");
        match f(&c) {
            Some(placeholder) => {
                out.push_str(&text[last..g.start()]);
                out.push_str(placeholder);
                last = g.end();
                at = g.end();
            }
            None => at = g.start() + text[g.start()..].chars().next().map_or(1, char::len_utf8),
        }
        if at >= text.len() {
            break;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// YYMMDDNNNN with a real month, a day 1–31 (or 61–91: samordningsnummer), and Luhn.
fn valid_personnummer(d: &str) -> bool {
    let b: Vec<u32> = d.chars().filter_map(|c| c.to_digit(10)).collect();
    if b.len() != 10 {
        return false;
    }
    let month = b[2] * 10 + b[3];
    let day = b[4] * 10 + b[5];
    if !(1..=12).contains(&month) || !((1..=31).contains(&day) || (61..=91).contains(&day)) {
        return false;
    }
    let sum: u32 = b
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = if i % 2 == 0 { v * 2 } else { *v };
            x / 10 + x % 10
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (input, expected output). Numbers are the ones reserved for tests: personnummer with
    /// serial 980–999, phone numbers 070-174 06 05…99, example.se addresses.
    const TABLE: &[(&str, &str)] = &[
        // personnummer and samordningsnummer, every common form
        ("mitt pnr är 900101-9802", "mitt pnr är [personnummer]"),
        ("19900101-9802 heter jag", "[personnummer] heter jag"),
        ("199001019802", "[personnummer]"),
        ("9001019802", "[personnummer]"),
        ("900101+9802", "[personnummer]"),
        ("900101 9802", "[personnummer]"),
        ("850615-9824.", "[personnummer]."),
        ("samordningsnr 900161-9858", "samordningsnr [personnummer]"),
        // Luhn fails or not a date: left alone
        ("900101-9803", "900101-9803"),
        ("901301-9802", "901301-9802"),
        ("ordernummer 1234567890", "ordernummer 1234567890"),
        // phone numbers
        ("ring 070-174 06 05", "ring [telefon]"),
        ("070-1740699", "[telefon]"),
        ("0701740605", "[telefon]"),
        ("+46 70 174 06 05", "[telefon]"),
        ("+46701740605!", "[telefon]!"),
        ("0046 70-174 06 10", "[telefon]"),
        ("08-123 456 78", "[telefon]"),
        ("0155-123 45 eller", "[telefon] eller"),
        ("ring mig på (070) 174 06 05", "ring mig på [telefon]"),
        ("ring 070 - 174 06 05", "ring [telefon]"),
        ("ring 070/174 06 05", "ring [telefon]"),
        ("+46 (0)70-174 06 05", "[telefon]"),
        // invisible characters and look-alike dashes cannot hide a number
        ("pnr 19900101\u{200b}-9802", "pnr [personnummer]"),
        ("ring 070\u{ad}174 06 05", "ring [telefon]"),
        ("ring 070\u{2011}174 06 05", "ring [telefon]"),
        ("ring 070\u{2013}174\u{a0}06\u{a0}05", "ring [telefon]"),
        ("mejla anna\u{200b}@example.se", "mejla [e-post]"),
        ("mejla anna\u{2066}@example.se", "mejla [e-post]"),
        ("ring ０７０-１７４ ０６ ０５", "ring [telefon]"),
        // e-mail
        ("mejla anna.svensson@example.se tack", "mejla [e-post] tack"),
        ("x@sub.example.se", "[e-post]"),
        ("mejla åsa@example.se", "mejla [e-post]"),
        ("anna@lidköping.example.se", "[e-post]"),
        ("ANNA@EXAMPLE.SE", "[e-post]"),
        // another person's Discord mention
        (
            "<@123456789012345678> vet du? fråga <@!876543210987654321>",
            "[användare] vet du? fråga [användare]",
        ),
        ("roll <@&123456789012345678>", "roll <@&123456789012345678>"),
        // vehicle registration numbers
        ("bilen ABC 123 står fel", "bilen [regnr] står fel"),
        ("ABC12A", "[regnr]"),
        ("abc123 på min gata", "[regnr] på min gata"),
        ("bilen ABC-123 står", "bilen [regnr] står"),
        ("bilen abc-123 står", "bilen [regnr] står"),
        ("det tar 100 kr", "det tar 100 kr"),
        ("öppet 8–16 på vardagar", "öppet 8-16 på vardagar"),
        // things that must survive
        ("det kostar 1 500 kr", "det kostar 1 500 kr"),
        ("avgiften är 12 345 kronor", "avgiften är 12 345 kronor"),
        ("öppet 08:00-17:00", "öppet 08:00-17:00"),
        ("öppet 8-16 på vardagar", "öppet 8-16 på vardagar"),
        ("den 2026-11-22 kl 14", "den 2026-11-22 kl 14"),
        (
            "stängt 2026-07-01 - 2026-08-15",
            "stängt 2026-07-01 - 2026-08-15",
        ),
        ("den 03/04 2026", "den 03/04 2026"),
        ("öppet 09 - 12 och 13 - 16", "öppet 09 - 12 och 13 - 16"),
        ("ring (08) 123 456 78", "ring [telefon]"),
        ("fastigheten Stjärnan 4", "fastigheten Stjärnan 4"),
        ("Storgatan 12B", "Storgatan 12B"),
        ("ett förråd på 12 kvm", "ett förråd på 12 kvm"),
        ("år 1998 och 2004", "år 1998 och 2004"),
        ("postnummer 613 31", "postnummer 613 31"),
        ("Oxelösund 1:123", "Oxelösund 1:123"),
        ("VAD KOSTAR BYGGLOV", "VAD KOSTAR BYGGLOV"),
        // names, where the message says they are names
        (
            "hej, jag heter Sara Ali, och undrar",
            "hej, jag heter [namn], och undrar",
        ),
        ("jag heter nina och bor här", "jag heter [namn] och bor här"),
        (
            "Mitt namn är Per. När plogas gatan?",
            "Mitt namn är [namn]. När plogas gatan?",
        ),
        ("my name is Tom Smith", "my name is [namn]"),
        (
            "vem ska jag prata med? /Peter",
            "vem ska jag prata med? /[namn]",
        ),
        (
            "tack på förhand, mvh Anna Berg",
            "tack på förhand, mvh [namn]",
        ),
        (
            "kö för lott, Eva Lund 19850611-9836",
            "kö för lott, [namn] [personnummer]",
        ),
        (
            "min mamma Karin Ek, 19420913-9858, behöver",
            "min mamma [namn], [personnummer], behöver",
        ),
        ("När plogas Storgatan? Tack", "När plogas Storgatan? Tack"),
        ("bygglov/rivningslov", "bygglov/rivningslov"),
        ("Gamla Stan och Norra Hamnen", "Gamla Stan och Norra Hamnen"),
    ];

    #[test]
    fn redaction_table() {
        for (input, expected) in TABLE {
            assert_eq!(&redact(input).text, expected, "input: {input:?}");
        }
    }

    #[test]
    fn a_feed_url_is_shown_without_its_secrets() {
        for (url, shown) in [
            (
                "https://podd:hemligt@example.se/feed.xml?token=s3cr3t",
                "https://example.se/feed.xml?…",
            ),
            ("https://example.se/feed.xml", "https://example.se/feed.xml"),
            // A mistyped port: no URL parser takes it, the secrets go all the same.
            (
                "http://podd:hemligt@127.0.0.1:99999/feed.xml?token=s3cr3t",
                "http://127.0.0.1:99999/feed.xml?…",
            ),
            ("/srv/podd/feed.xml", "/srv/podd/feed.xml"),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
    }

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        for (url, shown) in [
            (
                "postgres://kb:FAKEPASS123@127.0.0.1:5432/kb",
                "postgres://kb:***@127.0.0.1:5432/kb",
            ),
            (
                "postgres://kb@127.0.0.1:1/kb?password=FAKEPASS456&sslmode=require",
                "postgres://kb@127.0.0.1:1/kb?password=***&sslmode=require",
            ),
            (
                "postgres://kb@db/kb?sslpassword=x&PassWord=y",
                "postgres://kb@db/kb?sslpassword=***&PassWord=***",
            ),
            (
                "sqlite:///srv/kb/kommunbot.db?mode=rwc",
                "sqlite:///srv/kb/kommunbot.db?mode=rwc",
            ),
            ("sqlite://data/kommunbot.db", "sqlite://data/kommunbot.db"),
            // No parser takes it: user info and query are cut by hand.
            (
                "postgres://kb:pa ss@db:99999/kb?password=FAKEPASS789",
                "postgres://db:99999/kb?…",
            ),
        ] {
            let got = database_url_shown(url);
            assert_eq!(got, shown, "{url}");
            assert!(!got.contains("FAKEPASS"), "{got}");
        }
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_opaque() {
        let a = Pseudonymizer::new(b"0123456789abcdef0123456789abcdef");
        let b = Pseudonymizer::new(b"another key, another deployment");
        let p = a.asker("discord", "123456789012345678");
        assert_eq!(p, a.asker("discord", "123456789012345678"));
        assert_eq!(p.len(), 32);
        assert!(!p.contains("123456789"));
        assert_ne!(p, b.asker("discord", "123456789012345678"));
        assert_ne!(p, a.asker("http", "123456789012345678"));
    }

    #[test]
    fn the_key_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = Pseudonymizer::load_or_create(dir.path(), None).unwrap();
        let b = Pseudonymizer::load_or_create(dir.path(), None).unwrap();
        assert_eq!(a.asker("cli", "x"), b.asker("cli", "x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("asker.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn processes_making_the_key_at_once_all_use_one() {
        // Commands started together on a fresh data directory each find no key.
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let start = std::sync::Barrier::new(8);
            let pseudonyms: Vec<String> = std::thread::scope(|s| {
                let makers: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            Pseudonymizer::load_or_create(dir.path(), None)
                                .unwrap()
                                .asker("cli", "x")
                        })
                    })
                    .collect();
                makers.into_iter().map(|m| m.join().unwrap()).collect()
            });
            let kept = Pseudonymizer::load_or_create(dir.path(), None).unwrap();
            assert!(pseudonyms.iter().all(|p| *p == kept.asker("cli", "x")));
            let files: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(files, ["asker.key"], "nothing left beside the key");
        }
    }

    #[test]
    fn counts_by_kind() {
        let r = redact(
            "jag heter 19900101-9802, ring 070-174 06 05 eller mejla a@example.se om ABC 123",
        );
        assert_eq!(
            r.counts,
            Counts {
                personnummer: 1,
                phone: 1,
                email: 1,
                plate: 1,
                name: 0,
                user: 0,
            }
        );
        assert_eq!(r.counts.total(), 4);
    }
}
