//! Redaction of personal data, applied before a question is stored or logged.
//!
//! Replaces personnummer and samordningsnummer (Luhn-checked, so ordinary numbers survive,
//! unless the message says a personnummer follows), Swedish phone numbers, e-mail addresses,
//! card and bank account numbers, IP addresses, vehicle registration numbers, Discord user
//! mentions and names where a message says whose they are ("jag heter …", "min son …", a
//! signature, a name beside a personnummer) with typed placeholders, and counts them.
//! Invisible characters and marks on digits go first, look-alike dashes and spaces become
//! plain ones and digits of other scripts plain digits; then numbers are read by their
//! digits whatever stands between them ([`numbers`]), so none can be split to hide it.
//! Pure: text in, text and counts out.

mod names;
mod numbers;

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
    /// Card numbers, bank accounts, bankgiro and IBAN.
    pub account: usize,
    pub ip: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.personnummer
            + self.phone
            + self.email
            + self.plate
            + self.name
            + self.user
            + self.account
            + self.ip
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
pub const CARD: &str = "[kortnummer]";
pub const ACCOUNT: &str = "[kontonummer]";
pub const IP: &str = "[ip-adress]";

/// Every placeholder, for code that must tell them from the citizen's own words.
pub const PLACEHOLDERS: &[&str] = &[
    PERSONNUMMER,
    PHONE,
    EMAIL,
    PLATE,
    NAME,
    USER,
    CARD,
    ACCOUNT,
    IP,
];

/// Letters of any script on both sides of the @: "åsa@example.se", "anna@lidköping.se";
/// also as people write it to dodge harvesters or as it wraps: "anna @ example.se",
/// "anna(at)example.se", "\"anna testsson\"@example.se", "anna@example .se", a domain in
/// brackets, "anna@localhost", and with the dots spelt out too: "anna [at] example [dot] se",
/// "anna at example dot se", "anna (snabel-a) example (punkt) se".
static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    let at = r"(?:@|[(\[{](?i:at|snabel-a)[)\]}])";
    let dot = r"(?:\s?\.|\s{0,2}[(\[{](?i:dot|punkt)[)\]}]\s{0,2})";
    let label = r"[\p{L}\p{N}-]+";
    let local = r#"(?:"[^"\n]{1,64}"|[\p{L}\p{N}._%+-]+)"#;
    // Written out in words, "at" and "dot" both and a common top domain: either word alone,
    // or both ("look at the dot on the map"), is ordinary English.
    let spelt = r"\s(?i:at|snabel-a)\s[\p{L}\p{N}-]+(?:\s(?i:dot|punkt)\s[\p{L}\p{N}-]+)*\s(?i:dot|punkt)\s(?i:se|nu|com|net|org|eu|info|io|dk|no|fi|de|uk)\b";
    Regex::new(&format!(
        r"{local}(?:\s{{0,2}}{at}\s{{0,2}}(?:\[[0-9a-fA-F.:]+\]|(?i:localhost)\b|{label}(?:{dot}{label})*{dot}\p{{L}}{{2,}}\b)|{spelt})"
    ))
    .expect("regex")
});

/// A Discord user mention, `<@id>` or `<@!id>`: another person's lasting identifier.
static MENTION_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<@!?\d{15,21}>").expect("regex"));

/// A Swedish number starting with +46, 0046 or 0: an area code, perhaps in brackets
/// ("(070) 174 06 05") and set off by a space, a hyphen or a slash, then digit groups split
/// by spaces or hyphens ("070 - 174 06 05").
/// A spaced hyphen or a slash is taken only after an area code of three digits or more, so
/// dates and hours ("03/04 2026", "2026-07-01 - 2026-08-15", "09 - 12") stay; nor does
/// a number start inside a date ("2026-01-15 1430").
static PHONE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d+./-])((?:\+46|0046)[\s-]?\(?0?\)?[1-9](?:[\s-]?\d){6,9}|\(?0[1-9]\)?(?:[\s-]?\d){6,9}|\(?0[1-9]\d{1,2}\)?(?:\s?[-/]\s?|\s)\d(?:[\s-]?\d){4,8})(?:$|[^\d])")
        .expect("regex")
});

/// ABC 123, ABC-123 or ABC 12A. Letters I, Q, V, Å, Ä, Ö are never used on Swedish plates.
/// In lower case only without a space: "tar 100 kr" and "med 200 kr" are no plates.
static PLATE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([A-HJ-PR-UW-Z]{3})[ -]?(\d{2}[A-HJ-NPR-UW-Z0-9])\b|\b([a-hj-pr-uw-z]{3})-?(\d{2}[a-hj-npr-uw-z0-9])\b")
        .expect("regex")
});

/// An IBAN: two letters, two check digits, then groups of letters and digits ("SE45 5000
/// 0000 0583 9825 7466").
static IBAN_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b").expect("regex")
});

/// A bank account, bankgiro or plusgiro number after the word that names it: the digits are
/// too ordinary to know by themselves ("kontonummer 8327-9 123 456 789-0", "bg 5050-1055").
static ACCOUNT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:kontonummer|kontonr|konto|clearingnummer|clearingnr|clearing|bankgironummer|bankgiro|plusgironummer|plusgiro|bg|pg|account\s+number|account|iban)\b[\s:.#]*(?:nr\.?\s*|nummer\s*|är\s*|is\s*)?)(\d[\d\s-]{3,30}\d)")
        .expect("regex")
});

/// An IPv4 address, also defanged: "192[.]0[.]2[.]15". Not spaced out: "100 . 200 . 150 .
/// 250" is as likely a list of prices.
static IPV4_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.|\[\.\])){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b",
    )
    .expect("regex")
});

/// What may be an IPv6 address; only what parses as one is taken ("08:00:00" is not).
static IPV6_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}").expect("regex"));

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

/// A new file holding `bytes`, readable by its owner only (0600); `AlreadyExists` if there is
/// one. The pseudonym key is made so, and the SQLite question log.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
    /// What a key holding a secret has in its name ("password", "sslpassword", "PWD").
    const SECRET_KEYS: [&str; 5] = ["pass", "pwd", "secret", "token", "key"];
    // A libpq key=value string ("host=db password=…") is no URL: its password goes by hand.
    static KEY_VALUE_SECRET: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?i)\b(\w*(?:{})\w*\s*=\s*)('[^']*'|\S+)",
            SECRET_KEYS.join("|")
        ))
        .expect("regex")
    });
    if !url.contains("://") {
        return KEY_VALUE_SECRET.replace_all(url, "${1}***").into_owned();
    }
    match url::Url::parse(url) {
        Ok(mut u) if u.has_host() || u.scheme() == "sqlite" => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            if u.query().is_some() {
                let secret = |k: &str| {
                    let k = k.to_ascii_lowercase();
                    SECRET_KEYS.iter().any(|s| k.contains(s))
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

/// `text` with the names it gives (see `names`) blanked out: the answering engine reads a
/// name as no matter of the question ("jag är Björn och vill bygga en altan" is not about
/// bears). Byte offsets stay as they were.
pub fn without_names(text: &str) -> std::borrow::Cow<'_, str> {
    let spans = names::names(text, stop_word);
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for (start, end) in spans {
        // Spaces of the same byte length: the other spans' offsets stay right.
        if out.is_char_boundary(start) && out.is_char_boundary(end) && start < end {
            out.replace_range(start..end, &" ".repeat(end - start));
        }
    }
    std::borrow::Cow::Owned(out)
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
    let text = IBAN_RE.replace_all(&text, |c: &Captures| {
        // Mostly digits, as every IBAN is: "ab12 cdef ghij klmn" is a word game.
        if c[0].chars().filter(char::is_ascii_digit).count() < 12 {
            return c[0].to_owned();
        }
        counts.account += 1;
        ACCOUNT.to_owned()
    });
    let text = replace_group(&ACCOUNT_RE, &text, |c| {
        // An account number has more digits than an amount ("Konto: 1 500 kr per år?").
        (c[1].chars().filter(char::is_ascii_digit).count() >= 7).then(|| {
            counts.account += 1;
            ACCOUNT
        })
    });
    let text = IPV4_RE.replace_all(&text, |c: &Captures| {
        // "avsnitt 1.2.3.4", "version 10.0.0.1": numbered sections and versions, and
        // private addresses, which identify nobody; a public address has a larger part.
        if c[0].split('.').all(|p| {
            p.trim_matches(['[', ']'])
                .parse::<u8>()
                .is_ok_and(|n| n < 32)
        }) {
            return c[0].to_owned();
        }
        counts.ip += 1;
        IP.to_owned()
    });
    let text = IPV6_RE.replace_all(&text, |c: &Captures| {
        let m = c.get(0).expect("the match");
        // A whole word with a digit and three parts at least: "Fråga:: var" is a typo
        // whose "a::" would parse.
        let whole = !text[..m.start()].ends_with(|ch: char| ch.is_alphanumeric())
            && !text[m.end()..].starts_with(|ch: char| ch.is_alphanumeric());
        if whole
            && m.as_str().matches(':').count() >= 2
            && m.as_str().contains(|ch: char| ch.is_ascii_digit())
            && m.as_str().len() >= 6
            && m.as_str().parse::<std::net::Ipv6Addr>().is_ok()
        {
            counts.ip += 1;
            IP.to_owned()
        } else {
            c[0].to_owned()
        }
    });
    let text = numbers::redact_numbers(&text, &mut counts);
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
    let text = replace_ranges(&text, &names::names(&text, stop_word), || {
        counts.name += 1;
        NAME
    });
    Redacted { text, counts }
}

/// `text` without invisible format characters (a zero-width space or a soft hyphen inside
/// "19900101\u{200b}-9802" would hide the number), variation selectors and marks set on a
/// digit ("9\u{fe0f}\u{20e3}", a keycap), with look-alike dashes and spaces as plain ones
/// and digits of other scripts and forms ("٩", "𝟗", "⁹", "⑨", "０") as 0–9. Text that
/// has none comes back as it is.
fn plain(text: &str) -> std::borrow::Cow<'_, str> {
    let invisible = |c: char| {
        matches!(c, '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
            | '\u{fe00}'..='\u{fe0f}' | '\u{e0000}'..='\u{e007f}' | '\u{e0100}'..='\u{e01ef}')
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
    let mark = |c: char| {
        unicode_normalization::char::is_combining_mark(c) || ('\u{20dd}'..='\u{20e4}').contains(&c)
    };
    if !text.chars().any(|c| {
        invisible(c)
            || dash(c)
            || space(c)
            || wide(c)
            || mark(c)
            || (!c.is_ascii() && digit(c).is_some())
    }) && !text.contains("%40")
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !invisible(*c)) {
        // A mark on a digit hides nothing but the number: gone. On a letter it may be the
        // ring of an å typed in two parts, which stays.
        if mark(c) && out.ends_with(|p: char| p.is_ascii_digit()) {
            continue;
        }
        out.push(match c {
            c if dash(c) => '-',
            c if space(c) => ' ',
            c if wide(c) => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            c if !c.is_ascii() => digit(c).map_or(c, |d| char::from(b'0' + d)),
            c => c,
        });
    }
    // An e-mail address percent-encoded in a link ("anna%40example.se").
    std::borrow::Cow::Owned(out.replace("%40", "@"))
}

/// The value of a digit written in another script or form than ASCII (full-width digits
/// are `plain`'s full-width forms).
fn digit(c: char) -> Option<u8> {
    // The zeros of the decimal digit blocks people are likely to type: Arabic-Indic,
    // Persian, NKo, Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada,
    // Malayalam, Thai, Lao, Tibetan, Myanmar, Khmer, Mongolian.
    const ZEROS: &[u32] = &[
        0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xe50,
        0xed0, 0xf20, 0x1040, 0x17e0, 0x1810,
    ];
    let u = c as u32;
    let small = |v: u32| Some(v as u8);
    match c {
        '\u{b2}' => small(2),
        '\u{b3}' => small(3),
        '\u{b9}' => small(1),
        '\u{2070}' => small(0),
        '\u{2074}'..='\u{2079}' => small(u - 0x2070),
        '\u{2080}'..='\u{2089}' => small(u - 0x2080),
        '\u{2460}'..='\u{2468}' => small(u - 0x2460 + 1),
        '\u{24ea}' => small(0),
        '\u{2776}'..='\u{277e}' => small(u - 0x2776 + 1),
        '\u{1d7ce}'..='\u{1d7ff}' => small((u - 0x1d7ce) % 10),
        _ => ZEROS
            .iter()
            .find(|z| (**z..**z + 10).contains(&u))
            .and_then(|z| small(u - z)),
    }
}

/// Replaces each of `ranges` (sorted; overlapping ones are merged) with what `f` gives.
fn replace_ranges(
    text: &str,
    ranges: &[(usize, usize)],
    mut f: impl FnMut() -> &'static str,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for &(start, end) in ranges {
        if end <= last {
            continue;
        }
        out.push_str(&text[last..start.max(last)]);
        if start >= last {
            out.push_str(f());
        }
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// A word that cannot be (part of) a name: "nina och bor" ends at "och".
fn stop_word(w: &str) -> bool {
    static ANALYZER: LazyLock<crate::answer::Analyzer> = LazyLock::new(Default::default);
    use crate::answer::Lang;
    let w = crate::answer::fold(w);
    ANALYZER.is_stop(&w, Lang::Sv) || ANALYZER.is_stop(&w, Lang::En)
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

/// Whether ten digits YYMMDDNNNN begin with a real month and a day 1–31 (or 61–91: a
/// samordningsnummer).
fn valid_date(d: &[u8]) -> bool {
    if d.len() != 10 {
        return false;
    }
    let month = d[2] * 10 + d[3];
    let day = d[4] * 10 + d[5];
    (1..=12).contains(&month) && ((1..=31).contains(&day) || (61..=91).contains(&day))
}

/// The Luhn check that personnummer and card numbers carry in their last digit.
fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| {
            let x = u32::from(*v) * if i % 2 == 1 { 2 } else { 1 };
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
        // personnummer however written out: separators, line breaks, markup, encodings,
        // invisible characters, other digits, a letter O for a zero
        ("pnr 900101 - 9802", "pnr [personnummer]"),
        ("19900101 - 9802", "[personnummer]"),
        ("900101  9802", "[personnummer]"),
        ("900101.9802", "[personnummer]"),
        ("90.01.01-9802", "[personnummer]"),
        ("900101/9802", "[personnummer]"),
        ("900101_9802", "[personnummer]"),
        ("900101:9802", "[personnummer]"),
        ("9 0 0 1 0 1 9 8 0 2", "[personnummer]"),
        ("9001 01-98 02", "[personnummer]"),
        ("1990-01-01-9802", "[personnummer]"),
        ("900101\n-9802", "[personnummer]"),
        ("900101\t9802", "[personnummer]"),
        ("900101\r\n9802", "[personnummer]"),
        ("900101-**9802**", "[personnummer]**"),
        ("?pnr=19900101%2D9802", "?pnr=[personnummer]"),
        ("900101%209802", "[personnummer]"),
        ("9001\u{fe0f}019802", "[personnummer]"),
        ("9001\u{300}019802", "[personnummer]"),
        ("900101-9😀802", "[personnummer]"),
        (
            "9\u{fe0f}\u{20e3}0\u{fe0f}\u{20e3}0\u{fe0f}\u{20e3}1\u{fe0f}\u{20e3}0\u{fe0f}\u{20e3}1\u{fe0f}\u{20e3}9\u{fe0f}\u{20e3}8\u{fe0f}\u{20e3}0\u{fe0f}\u{20e3}2\u{fe0f}\u{20e3}",
            "[personnummer]",
        ),
        ("٩٠٠١٠١-٩٨٠٢", "[personnummer]"),
        ("𝟗𝟎𝟎𝟏𝟎𝟏-𝟗𝟖𝟎𝟐", "[personnummer]"),
        ("⁹⁰⁰¹⁰¹-⁹⁸⁰²", "[personnummer]"),
        ("900101-98O2", "[personnummer]"),
        // a wrong check digit is still a personnummer when the message says it is one
        ("mitt pnr är 900101-9803", "mitt pnr är [personnummer]"),
        (
            "personnummer: 19900101-9803",
            "personnummer: [personnummer]",
        ),
        (
            "jag heter Sven Berg, 19420318-9816.",
            "jag heter [namn], [personnummer].",
        ),
        ("ordernummer 19900101 9803", "ordernummer 19900101 9803"),
        (
            "Undertecknad önskar upplysningar. Undertecknad Birgitta Ek",
            "Undertecknad önskar upplysningar. Undertecknad [namn]",
        ),
        // two numbers side by side stay two
        ("19900101-9802 070-174 06 05", "[personnummer] [telefon]"),
        // a mobile number that would pass for a samordningsnummer (day 74) stays a phone
        // number, also after a personnummer
        (
            "pnr 900101-9802, ring 070-174 06 05",
            "pnr [personnummer], ring [telefon]",
        ),
        // mobile numbers however written out
        ("070.174.06.05", "[telefon]"),
        ("+46 (0) 70 174 06 05", "[telefon]"),
        ("+46 (70) 174 06 05", "[telefon]"),
        ("46701740605", "[telefon]"),
        ("070  174 06 05", "[telefon]"),
        ("0 7 0 1 7 4 0 6 0 5", "[telefon]"),
        ("07O-174 06 05", "[telefon]"),
        // card and account numbers, IP addresses
        ("kortnummer 4111 1111 1111 1111", "kortnummer [kortnummer]"),
        (
            "kort 4111-1111-1111-1111 exp 12/28",
            "kort [kortnummer] exp 12/28",
        ),
        ("4111111111111111", "[kortnummer]"),
        (
            "kontonummer 8327-9 123 456 789-0",
            "kontonummer [kontonummer]",
        ),
        ("bankgiro 5050-1055", "bankgiro [kontonummer]"),
        ("SE45 5000 0000 0583 9825 7466", "[kontonummer]"),
        ("min ip är 192.0.2.15", "min ip är [ip-adress]"),
        (
            "Priserna är 100 . 200 . 150 . 250",
            "Priserna är 100 . 200 . 150 . 250",
        ),
        ("min ip är 192[.]0[.]2[.]15", "min ip är [ip-adress]"),
        (
            "avsnitt 1 . 2 . 3 . 4 och 2. 3. 4. 5",
            "avsnitt 1 . 2 . 3 . 4 och 2. 3. 4. 5",
        ),
        ("Priser: 200. 150. 100. 50.", "Priser: 200. 150. 100. 50."),
        ("avsnitt 1.2.3.4 i taxan", "avsnitt 1.2.3.4 i taxan"),
        ("Fråga:: var är kontoret", "Fråga:: var är kontoret"),
        ("Konto: 1 500 kr per år?", "Konto: 1 500 kr per år?"),
        // a second review's cases: numbers side by side without a space, wide gaps,
        // dates with a time or an amount, lists of amounts, OCR labels
        ("900101-9802/850615-9824", "[personnummer]/[personnummer]"),
        ("Barn 1:900101-9802", "Barn 1:[personnummer]"),
        ("1)900101-9802", "1)[personnummer]"),
        ("900101 -  9802", "[personnummer]"),
        ("pnr=900101%20-%209802", "pnr=[personnummer]"),
        ("900101·9802", "[personnummer]"),
        ("Mötet 2026-01-15 1430", "Mötet 2026-01-15 1430"),
        ("Faktura 2026-01-04 1250 kr", "Faktura 2026-01-04 1250 kr"),
        ("Öppet 2026-01-03 08-16", "Öppet 2026-01-03 08-16"),
        (
            "Avgifter: 2 500 2 500 2 000 2 000",
            "Avgifter: 2 500 2 500 2 000 2 000",
        ),
        ("OCR 7812865702", "OCR 7812865702"),
        (
            "Inget OCR, kort 4111 1111 1111 1111",
            "Inget OCR, kort [kortnummer]",
        ),
        (
            "min iban är se45 5000 0000 0583 9825 7466",
            "min iban är [kontonummer]",
        ),
        ("se4550000000058398257466", "[kontonummer]"),
        (
            "betalade med OCR 4000123456788",
            "betalade med OCR 4000123456788",
        ),
        (
            "Måste jag ange pnr vid mötet 2026-11-22 1430?",
            "Måste jag ange pnr vid mötet 2026-11-22 1430?",
        ),
        ("från 2001:db8::1 idag", "från [ip-adress] idag"),
        // e-mail
        ("mejla anna.svensson@example.se tack", "mejla [e-post] tack"),
        ("x@sub.example.se", "[e-post]"),
        ("mejla åsa@example.se", "mejla [e-post]"),
        ("anna@lidköping.example.se", "[e-post]"),
        ("ANNA@EXAMPLE.SE", "[e-post]"),
        ("mejla anna.testsson @ example.se", "mejla [e-post]"),
        ("anna.testsson(at)example.se", "[e-post]"),
        ("anna.testsson[at]example.se", "[e-post]"),
        ("anna [at] example [dot] se", "[e-post]"),
        ("anna(at)example(dot)se", "[e-post]"),
        ("anna {AT} mail {DOT} example {DOT} se", "[e-post]"),
        ("mejla anna at example dot se tack", "mejla [e-post] tack"),
        ("anna (snabel-a) example (punkt) se", "[e-post]"),
        ("anna snabel-a example punkt se", "[e-post]"),
        ("look at the dot on the map", "look at the dot on the map"),
        ("we meet at example.se", "we meet at example.se"),
        ("\"anna testsson\"@example.se", "[e-post]"),
        ("anna.testsson@example .se", "[e-post]"),
        ("anna.testsson\n@example.se", "[e-post]"),
        ("mailto:anna%40example.se", "mailto:[e-post]"),
        ("anna@localhost", "[e-post]"),
        ("anna.testsson@[192.0.2.1]", "[e-post]"),
        ("mejla anna@example.se. Sedan", "mejla [e-post]. Sedan"),
        ("vi ses @ biblioteket kl 5", "vi ses @ biblioteket kl 5"),
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
        ("öppet 07.30-16.00", "öppet 07.30-16.00"),
        ("den 07.11.2026 10.00", "den 07.11.2026 10.00"),
        ("den 2026-11-22 14:30", "den 2026-11-22 14:30"),
        ("kl 08:00:00", "kl 08:00:00"),
        ("version 1.2.3", "version 1.2.3"),
        ("bygglov 2 och 3 och 4", "bygglov 2 och 3 och 4"),
        ("12 m² och 3 st", "12 m2 och 3 st"),
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
        (
            "jag heter anna testsson och undrar",
            "jag heter [namn] och undrar",
        ),
        ("JAG HETER ANNA TESTSSON", "JAG HETER [namn]"),
        ("jag heter Anna-Karin Testsson-Provsson", "jag heter [namn]"),
        ("jag heter Nguyễn Văn Test", "jag heter [namn]"),
        ("Det är Anna Testsson här", "Det är [namn] här"),
        ("Hej jag är Anna Testsson", "Hej jag är [namn]"),
        ("Hej, Anna Testsson här", "Hej, [namn] här"),
        ("Anna Testsson heter jag", "[namn] heter jag"),
        ("I'm Karl Provsson", "I'm [namn]"),
        ("This is Anna Testsson", "This is [namn]"),
        ("Namn: Anna Testsson", "Namn: [namn]"),
        ("Sincerely, Anna Testsson", "Sincerely, [namn]"),
        ("Best, Anna", "Best, [namn]"),
        ("jag, Anna Testsson, vill veta", "jag, [namn], vill veta"),
        ("fråga @Anna Testsson", "fråga @[namn]"),
        (
            "min son Kalle Testsson går i skolan",
            "min son [namn] går i skolan",
        ),
        (
            "patienten Anna Testsson har diabetes",
            "patienten [namn] har diabetes",
        ),
        (
            "min mamma Anna Testsson (900101-9802)",
            "min mamma [namn] ([personnummer])",
        ),
        ("jag är orolig för snön", "jag är orolig för snön"),
        // A common first name after a cue, typed small or alone.
        ("hej jag är anna testsson", "hej jag är [namn]"),
        (
            "jag är anna och undrar om bygglov",
            "jag är [namn] och undrar om bygglov",
        ),
        (
            "Hej, jag är Anna och undrar",
            "Hej, jag är [namn] och undrar",
        ),
        ("i'm anna, can you help", "i'm [namn], can you help"),
        ("min son kalle går i skolan", "min son [namn] går i skolan"),
        (
            "grannen anna testsson bränner sopor",
            "grannen [namn] bränner sopor",
        ),
        ("jag är hans mamma", "jag är hans mamma"),
        ("jag är max 18 år", "jag är max 18 år"),
        ("min son bor hemma", "min son bor hemma"),
        ("jag är arbetslös idag", "jag är arbetslös idag"),
        ("jag är anna-karin och undrar", "jag är [namn] och undrar"),
        ("jag är ida", "jag är [namn]"),
        (
            "jag är emma kontaktperson för vägföreningen",
            "jag är [namn] kontaktperson för vägföreningen",
        ),
        (
            "jag är anna lärling på en restaurang",
            "jag är [namn] lärling på en restaurang",
        ),
        ("min dotter heter Lisa Testsson", "min dotter heter [namn]"),
        ("Jag heter Hans Testsson", "Jag heter [namn]"),
        (
            "Hans Testsson här, när plogas vi?",
            "[namn] här, när plogas vi?",
        ),
        ("I'm Will Smith", "I'm [namn]"),
        ("Jag heter Karl Johan Erik Svensson", "Jag heter [namn]"),
        ("Mvh Anna-Karin Testsson", "Mvh [namn]"),
        ("Mvh Anna Maria Testsson", "Mvh [namn]"),
        (
            "Vad heter Oxelösunds bibliotek?",
            "Vad heter Oxelösunds bibliotek?",
        ),
        ("Gatan heter Kungsgatan", "Gatan heter Kungsgatan"),
        (
            "bygglov för garage / Carport, behövs det?",
            "bygglov för garage / Carport, behövs det?",
        ),
        ("900101-9802 Anna Testsson", "[personnummer] [namn]"),
        ("Snöröjningen här är dålig", "Snöröjningen här är dålig"),
        (
            "Det är Storgatan här som inte plogas",
            "Det är Storgatan här som inte plogas",
        ),
        (
            "Hej! Grannen här har byggt ett plank",
            "Hej! Grannen här har byggt ett plank",
        ),
        (
            "Jag är Sjuksköterska och undrar",
            "Jag är Sjuksköterska och undrar",
        ),
        ("I'm Swedish, can I apply?", "I'm Swedish, can I apply?"),
        ("Vad heter jag i systemet?", "Vad heter jag i systemet?"),
        (
            "Which is best, Storgatan or Kungsgatan?",
            "Which is best, Storgatan or Kungsgatan?",
        ),
        (
            "bygglov för garage / Carport?",
            "bygglov för garage / Carport?",
        ),
        ("Hälsningar från Frösäng", "Hälsningar från Frösäng"),
        (
            "grannen Jan Svensson på Lönnvägen bränner sopor",
            "grannen [namn] på Lönnvägen bränner sopor",
        ),
        (
            "handläggaren Sara svarar inte",
            "handläggaren [namn] svarar inte",
        ),
        // a signature typed small, where the message ends
        ("mvh anna testsson", "mvh [namn]"),
        ("Fråga om bygglov. mvh anna", "Fråga om bygglov. mvh [namn]"),
        (
            "tack! vänliga hälsningar anna.",
            "tack! vänliga hälsningar [namn].",
        ),
        ("hälsningar från frösäng", "hälsningar från frösäng"),
        ("mvh anna 070-174 06 05", "mvh [namn] [telefon]"),
        (
            "I have a question with regards parking",
            "I have a question with regards parking",
        ),
        (
            "Hur skickar jag en hälsning snabbt",
            "Hur skickar jag en hälsning snabbt",
        ),
        ("mvh", "mvh"),
        ("Mitt namn: Anna Testsson", "Mitt namn: [namn]"),
        (
            "mitt namn: anna testsson, jag undrar",
            "mitt namn: [namn], jag undrar",
        ),
        ("grannen bränner sopor", "grannen bränner sopor"),
        (
            "Föreningens namn: Oxelösunds IK",
            "Föreningens namn: Oxelösunds IK",
        ),
        ("min son är 7 år", "min son är 7 år"),
        ("this is urgent", "this is urgent"),
        ("bygglov/rivningslov", "bygglov/rivningslov"),
        ("Gamla Stan och Norra Hamnen", "Gamla Stan och Norra Hamnen"),
    ];

    #[test]
    fn redaction_table() {
        let wrong: Vec<String> = TABLE
            .iter()
            .filter_map(|(input, expected)| {
                let got = redact(input).text;
                (got != *expected).then(|| format!("{input:?}: got {got:?}, want {expected:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// A test personnummer written with any separators a date and a serial take, with
        /// characters put in anywhere to hide it, inside any text, is found.
        #[test]
        fn a_personnummer_however_written_is_found(
            date_seps in proptest::collection::vec(proptest::sample::select(vec!["", "", " ", "-", ".", "/"]), 2),
            serial_sep in proptest::sample::select(vec!["", "-", "+", " ", " - ", "\n-"]),
            hide in proptest::collection::vec(proptest::sample::select(vec!["", "", "", "**", "\u{200b}", "\u{fe0f}", "😀", "%2D"]), 9),
            century in proptest::bool::ANY,
            before in "[a-zåäö ,.?]{0,40}",
            after in "[a-zåäö ,.?]{0,40}",
        ) {
            let date_split = date_seps.iter().any(|s| !s.is_empty());
            // A date written with separators sets the serial off with its dash or plus.
            let serial_sep = if date_split && !serial_sep.contains(['-', '+']) { "-" } else { serial_sep };
            let digits: Vec<char> = "9001019802".chars().collect();
            let mut pnr = String::from(if century { "19" } else { "" });
            for (k, d) in digits.iter().enumerate() {
                pnr.push(*d);
                if k == 9 {
                    break;
                }
                pnr.push_str(hide[k]);
                pnr.push_str(match k {
                    1 => date_seps[0],
                    3 => date_seps[1],
                    5 => serial_sep,
                    _ => "",
                });
            }
            let text = format!("{before} {pnr} {after}");
            let r = redact(&text);
            // Gone, whatever it was taken for ("pg 900101…" reads as a plusgiro number).
            let digits: String = r.text.chars().filter(char::is_ascii_digit).collect();
            proptest::prop_assert!(!digits.contains("9001019802"), "{:?} -> {:?}", text, r.text);
            proptest::prop_assert_eq!(r.counts.total(), 1, "{:?} -> {:?}", text, r.text);
        }

        /// Any text, also digit soup: no panic, and what comes out holds nothing more to
        /// redact (redacting it again changes nothing).
        #[test]
        fn redaction_leaves_nothing_to_redact(
            text in proptest::prop_oneof!["\\PC{0,300}", "[0-9 .:/+()%OA-Za-zåäö@\n-]{0,120}"]
        ) {
            let once = redact(&text).text;
            let twice = redact(&once);
            proptest::prop_assert_eq!(twice.counts.total(), 0, "{:?} -> {:?} -> {:?}", text, once, twice.text);
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
            (
                "host=db user=kb password=FAKEPASS1 dbname=kb",
                "host=db user=kb password=*** dbname=kb",
            ),
            ("host=db PASSWORD='FAKEPASS 2'", "host=db PASSWORD=***"),
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
                account: 0,
                ip: 0,
            }
        );
        assert_eq!(r.counts.total(), 4);
    }
}
