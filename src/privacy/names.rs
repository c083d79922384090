//! Names, where a message says they are names: after "jag heter", "mitt namn är", "jag är",
//! "I'm", a relation ("min son …") or a role ("patienten …"), before "här" or "heter jag",
//! in a signature or beside a personnummer. A name alone ("Storgatan", "Anna") cannot be
//! told from a place or a word, so without such a cue it stays. After a cue, a common first
//! name (`first_names.txt`) is a name in any case, alone too: "jag är anna", "min son kalle".

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

/// Cues after which a name follows, its first word in any case ("jag heter nina"). A
/// form's "Namn:" only where a line or sentence begins: "Föreningens namn: Oxelösunds IK"
/// names an association.
static ANY_CASE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b(?:jag\s+heter|mitt\s+namn\s+(?:är|ar)|mitt\s+namn\s*:|my\s+name\s+is|i\s+am\s+called)|(?:^|[\n.!?])\s*(?:namn|name)\s*:)\s+")
        .expect("regex")
});

/// Cues after which a capitalised word is a name: a relation ("min son Kalle", "grannen Jan
/// Svensson"), a role ("patienten …", "handläggaren Sara"), a person who "heter" ("hon heter", "min dotter heter"; "Gatan heter
/// Kungsgatan" names a street), a formal signature, a mention.
static CAPITAL_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b(?:(?:han|hon|hen|(?:min|mitt|mina|vår|vårt|våra)\s+\w+)\s+heter|(?:min|mitt|mina|vår|vårt|våra|my|our)\s+(?:son|dotter|mamma|pappa|mor|far|fru|man|make|maka|sambo|pojkvän|flickvän|granne|morfar|farfar|mormor|farmor|bror|syster|kollega|chef|barn|barnbarn|svärmor|svärfar|mother|father|mum|mom|dad|daughter|wife|husband|partner|neighbour|neighbor|brother|sister|grandmother|grandfather|colleague|child)|grannen|sonen|dottern|frun|maken|makan|sambon|brodern|systern|kollegan|chefen|handläggaren|läraren|mentorn|rektorn|hyresvärden|patienten|patient|eleven|elev|brukaren|brukare|kunden|klienten|undertecknad|sincerely|best\s+regards|kind\s+regards|cheers)[,:]?\s+|@)")
        .expect("regex")
});

/// Cues after which only a first and a last name, both capitalised, are a name: people
/// capitalise words at will ("jag är Sjuksköterska", "I'm Swedish"), but "jag är Anna
/// Testsson" names someone.
static FULL_NAME_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:jag\s+(?:är|ar)|i'?m|i\s+am|this\s+is|hälsar)[,:]?\s+").expect("regex")
});

/// A name announced by what follows or stands around it: "Anna Testsson här" (a first and
/// last name: "Gatan här" is a street), "Anna heter jag", "jag, Anna Testsson, vill …", a
/// name right after a personnummer.
static NAME_THEN_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s,.!:])(\p{Lu}[\p{L}-]+(?: \p{Lu}[\p{L}-]+){1,2}) här\b|(?:^|[\s,.!:])(\p{Lu}[\p{L}-]+(?: \p{Lu}[\p{L}-]+){0,2})(?: heter jag\b|,? (?i:is my name)\b)|(?i:\bjag),\s*(\p{Lu}[\p{L}-]+(?: \p{Lu}[\p{L}-]+){1,2}),|\[personnummer\],?\s*(\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+){1,2})")
        .expect("regex")
});

/// A signature: "mvh Anna", "hälsningar Per Ek", "regards, Tom".
static NAME_SIGN_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s,.!?])(?i:mvh|med\s+vänlig\s+hälsning|vänliga\s+hälsningar|hälsningar|hälsning|regards)[,:]?\s*(\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?(?: \p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?){0,2})")
        .expect("regex")
});

/// A signature in any case where a message ends (a phone number or e-mail may follow):
/// "mvh anna testsson", "vänliga hälsningar anna.", "mvh anna 070-…". People type fast and
/// small; a greeting that opens the message or a sentence, and its last words are the
/// sender's name, unless they begin with a stop word ("hälsningar från frösäng"). Inside a
/// sentence it is none ("a question with regards parking").
static NAME_SIGN_END_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\n,.!?]\s*)(?i:mvh|med\s+vänlig(?:a)?\s+hälsning(?:ar)?|vänliga\s+hälsningar|hälsningar|hälsning|regards)[,:]?\s+(\p{L}+(?:-\p{L}+)?(?: \p{L}+(?:-\p{L}+)?){0,2})[,\s]*(?:\[(?:telefon|e-post|personnummer)\][,\s]*)*[.!]?\s*$")
        .expect("regex")
});

/// A signature with a slash or "Best,", where a message ends or a phone number follows:
/// "… /Peter", "/Lena, 070-…", "Best, Anna". Inside a sentence ("garage / Carport?", "which
/// is best, Storgatan or …") it is none.
static NAME_SLASH_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|\s)(?://?\s?|Best,\s*)(\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?(?: \p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?){0,2})(?:\s*$|\s*\n|,?\s*\[)",
    )
    .expect("regex")
});

/// A capitalised first and last name right before a personnummer, phone or e-mail placeholder.
static NAME_BESIDE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^\p{L}])(\p{Lu}\p{Ll}+ \p{Lu}\p{Ll}+)(?:,?\s*\[(?:personnummer|telefon|e-post)\])",
    )
    .expect("regex")
});

/// Common first names, lower case (see the file's head for the ones left out).
static FIRST_NAMES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("first_names.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Whether the word at `at` is a common first name, in any case ("anna", "Kalle"), or a
/// double name that begins with one ("anna-karin", "Jan-Erik").
fn first_name_at(text: &str, at: usize) -> bool {
    let word: String = text[at..]
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '-')
        .collect::<String>()
        .to_lowercase();
    let first = word.split('-').next().unwrap_or_default();
    FIRST_NAMES.contains(first)
}

/// The byte ranges of the names in `text`.
pub(super) fn names(text: &str, stop: impl Fn(&str) -> bool) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for m in ANY_CASE_CUE.find_iter(text) {
        found.extend(name_at(text, m.end(), Case::Any, &stop));
    }
    // After the other cues a known first name is a name in any case, and alone: people
    // type small ("min son kalle", "jag är anna").
    let case_at = |at: usize| {
        if first_name_at(text, at) {
            Case::FirstName
        } else {
            Case::Capital
        }
    };
    for m in CAPITAL_CUE.find_iter(text) {
        found.extend(name_at(text, m.end(), case_at(m.end()), &stop));
    }
    for m in FULL_NAME_CUE.find_iter(text) {
        // Otherwise a first and a last name: "jag är Sjuksköterska" names no one.
        let case = case_at(m.end());
        found.extend(
            name_at(text, m.end(), case, &stop)
                .filter(|(s, e)| case == Case::FirstName || text[*s..*e].contains(' ')),
        );
    }
    for c in NAME_THEN_CUE.captures_iter(text) {
        // "Vad heter jag i systemet?" asks a question; the other forms take two
        // capitalised words, and a first name may be a stop word ("Hans Testsson här").
        let question = c
            .get(2)
            .and_then(|g| g.as_str().split(' ').next())
            .is_some_and(|w| stop(&w.to_lowercase()));
        if let Some(g) = (1..=4).find_map(|i| c.get(i))
            && !question
        {
            found.push((g.start(), g.end()));
        }
    }
    if let Some(c) = NAME_SIGN_END_RE.captures(text) {
        let g = c.get(1).expect("group 1");
        let first = g.as_str().split([' ', '-']).next().unwrap_or_default();
        if !stop(&first.to_lowercase()) {
            found.push((g.start(), g.end()));
        }
    }
    // These take a character before the name (no look-around in `regex`): search on
    // from each name's end, not the match's, so a name right after one is still found.
    for re in [&*NAME_SIGN_RE, &*NAME_SLASH_RE, &*NAME_BESIDE_RE] {
        let mut at = 0;
        while let Some(c) = re.captures_at(text, at) {
            let g = c.get(1).expect("group 1");
            found.push((g.start(), g.end()));
            at = g.end();
        }
    }
    found.sort_unstable();
    found
}

/// How the words of a name may be written.
#[derive(Clone, Copy, PartialEq)]
enum Case {
    /// Each word capitalised.
    Capital,
    /// After a cue that says a name follows ("jag heter"): the first word in any case; if
    /// it is small, so may the next ones be, unless they are stop words ("jag heter nina
    /// och bor här").
    Any,
    /// A known first name in any case; after it small-typed, only a word shaped like a
    /// Swedish surname ("anna testsson", not "anna bränner sopor").
    FirstName,
}

/// Whether a small-typed word looks like a Swedish surname: "-sson", "-berg", "-ström"….
fn surname_like(w: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "son", "berg", "ström", "lund", "qvist", "kvist", "gren", "dahl", "dal", "holm", "stedt",
        "blad", "borg", "bäck", "fors", "sjö", "hed", "ek", "man", "mark", "ius", "éen", "én",
    ];
    // Nouns with those endings that say what someone is: "jag är emma kontaktperson".
    w.chars().count() >= 5 && ENDINGS.iter().any(|e| w.ends_with(e)) && !w.ends_with("person")
}

/// The name that begins at `at`: up to four words ("Anna-Karin Testsson-Provsson", "Nguyễn
/// Văn Test", "Karl Johan Erik Svensson"), each capitalised unless `case` says otherwise.
fn name_at(
    text: &str,
    at: usize,
    case: Case,
    stop: &impl Fn(&str) -> bool,
) -> Option<(usize, usize)> {
    let word = |from: usize| -> Option<usize> {
        let rest = &text[from..];
        let mut end = 0;
        let mut prev_letter = false;
        for (i, c) in rest.char_indices() {
            if c.is_alphabetic() {
                prev_letter = true;
            } else if (c == '-' || c == '\'' || c == '’') && prev_letter {
                prev_letter = false;
            } else {
                break;
            }
            end = i + c.len_utf8();
        }
        let w = rest[..end].trim_end_matches(['-', '\'', '’']);
        (!w.is_empty()).then_some(from + w.len())
    };
    let capital = |from: usize| text[from..].chars().next().is_some_and(char::is_uppercase);
    let first_end = word(at)?;
    if case == Case::Capital && !capital(at) {
        return None;
    }
    let lower_first = !capital(at);
    // A lower-case stop word is no name ("jag heter inte det"); a capitalised one may be
    // ("Hans", "Will").
    if lower_first && stop(&text[at..first_end].to_lowercase()) {
        return None;
    }
    let mut end = first_end;
    // Up to four words: "Karl Johan Erik Svensson".
    for _ in 0..3 {
        let Some(next) = text[end..].strip_prefix(' ').map(|_| end + 1) else {
            break;
        };
        let Some(next_end) = word(next) else {
            break;
        };
        let w = text[next..next_end].to_lowercase();
        let small_ok = match case {
            Case::Capital => false,
            Case::Any => lower_first && !stop(&w),
            Case::FirstName => lower_first && surname_like(&w) && !stop(&w),
        };
        if !(capital(next) || small_ok) {
            break;
        }
        end = next_end;
    }
    Some((at, end))
}
