//! Numbers written out by hand: personnummer, card numbers and mobile numbers, found
//! whatever stands between their digits ("900101 - 9802", "90.01.01-9802", "070.174.06.05",
//! "9 0 0 1 0 1 9 8 0 2", a line break, markup, "%2D" or an emoji). A pattern per form
//! always misses the next form; a number is its digits, so this reads the digits first and
//! judges them by what they are (a date and a check digit, a mobile prefix) and by where
//! they stand.

use super::{CARD, Counts, PERSONNUMMER, PHONE, luhn, valid_date};

/// The most characters that may stand between two digits of one number ("900101 - 9802",
/// "\r\n-", " -  "); a percent-encoded character ("%2D") counts as one.
const MAX_GAP: usize = 5;

/// Words that say a personnummer follows: a number shaped as one is then taken even when
/// its check digit is wrong, since a typo still gives the person away.
const PNR_CUES: &[&str] = &[
    "personnummer",
    "personnr",
    "pnr",
    "p-nr",
    "samordningsnummer",
    "samordningsnr",
    "födelsenummer",
    "personal number",
    "identity number",
];

#[derive(Debug, Clone, Copy)]
struct Digit {
    value: u8,
    start: usize,
    end: usize,
}

/// Replaces the personnummer, card numbers and mobile numbers among `text`'s digits.
pub(super) fn redact_numbers(text: &str, counts: &mut Counts) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for run in runs(text) {
        let mut i = 0;
        while i < run.len() {
            let Some((len, placeholder)) = classify(text, &run, i) else {
                i += 1;
                continue;
            };
            let mut start = run[i].start;
            match placeholder {
                PERSONNUMMER => counts.personnummer += 1,
                PHONE => {
                    counts.phone += 1;
                    // "(070) …", "+46 70 …": the bracket and the plus belong to the number.
                    for c in ['(', '+'] {
                        if start > last && text[..start].ends_with(c) {
                            start -= 1;
                        }
                    }
                }
                _ => counts.account += 1,
            }
            out.push_str(&text[last..start]);
            out.push_str(placeholder);
            last = run[i + len - 1].end;
            i += len;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// What digits `run[i..]` begin: its length in digits and the placeholder.
fn classify(text: &str, run: &[Digit], i: usize) -> Option<(usize, &'static str)> {
    let value = |k: usize| run[k].value;
    let gap = |k: usize| &text[run[k].end..run[k + 1].start];
    // A number stands apart: at the run's ends, or set off by anything but the dashes, dots
    // and pluses that join a number's own groups ("900101-9802/850615-9824" is two). In
    // "2026-07-01 - 2026-08-15" no personnummer begins at the second "2026" and ends
    // inside the date.
    let edge = |g: &str| !g.chars().all(|c| "-.+".contains(c));
    let apart = |from: usize, len: usize| {
        (from == 0 || edge(gap(from - 1))) && (from + len == run.len() || edge(gap(from + len - 1)))
    };
    let gaps = |from: usize, to: usize| (from..to.saturating_sub(1)).map(gap);
    let digits = |from: usize, len: usize| -> Vec<u8> { (from..from + len).map(value).collect() };

    for len in [12, 10] {
        if i + len > run.len() || !apart(i, len) {
            continue;
        }
        let d = digits(i, len);
        if len == 12 && !matches!((d[0], d[1]), (1, 9) | (2, 0)) {
            continue;
        }
        let ten = &d[len - 10..];
        // A clock time is no serial ("2026-11-22 14:30"); the date and the serial keep to
        // dashes, dots, slashes and spaces within them.
        let date_end = i + len - 4;
        let tidy = |g: &str| !g.contains([':', '(', ')']);
        if !gaps(i, date_end).all(tidy)
            || !gaps(date_end, i + len).all(|g| tidy(g) && !g.contains('.'))
        {
            continue;
        }
        // Split where a date and a serial split ("90 01 01-98 02", "1990-01-01-9802"), or
        // digit by digit: "070-174 06 05" is a phone number even where its digits would
        // pass for a samordningsnummer. Markup, emoji and encodings split nothing: they
        // are put in to hide the number.
        let splits = |g: &str| g.contains(|c: char| c.is_whitespace() || "-./_:+()".contains(c));
        let split_as_date = (1..len)
            .filter(|k| splits(gap(i + k - 1)))
            .all(|k| k % 2 == 0 && k < len - 1);
        let spaced_out = gaps(i, i + len).all(|g| g == " ");
        // A date written with separators and then four digits after a space is a date and
        // a time or an amount ("2026-01-15 1430", "2026-01-04 1250 kr"); a personnummer
        // written so sets its serial off with its dash or plus ("1990-01-01-9802").
        let serial_gap = gap(date_end - 1);
        let dashed = serial_gap.contains(['-', '+']);
        let date_split = gaps(i, date_end).any(splits);
        if date_split && !dashed && !spaced_out {
            continue;
        }
        // Written in full, with the century and a dash or plus before the serial
        // ("19400312-9815"), it is a personnummer whatever its check digit: nothing else
        // looks so.
        let in_full = len == 12 && !date_split && dashed;
        // A cue excuses a wrong check digit in a number written as one ("900101-9803").
        let as_one = dashed || gaps(i, i + len).all(str::is_empty);
        if (split_as_date || spaced_out)
            && valid_date(ten)
            && !labelled_ocr(text, run[i].start)
            && (luhn(ten) || in_full || (as_one && cued(text, run[i].start)))
        {
            return Some((len, PERSONNUMMER));
        }
    }

    // A card number: 13 to 19 digits, whole or in the groups cards print (4-4-4-4, 4-6-5),
    // with its check digit; a list of amounts ("2 500 2 500 2 000") is none. An OCR number
    // carries a check digit too, but points to an invoice, not a person: kept.
    for len in (13..=19).rev() {
        if i + len > run.len() || !apart(i, len) || labelled_ocr(text, run[i].start) {
            continue;
        }
        let inner: Vec<&str> = gaps(i, i + len).collect();
        let mut groups = vec![1usize];
        for g in &inner {
            if g.is_empty() {
                *groups.last_mut().expect("one group") += 1;
            } else {
                groups.push(1);
            }
        }
        let (last, rest) = groups.split_last().expect("one group");
        let printed = groups.len() == 1
            || (rest.iter().all(|g| *g == 4) && (1..=4).contains(last))
            || groups == [4, 6, 5];
        if printed
            && inner
                .iter()
                .all(|g| g.chars().all(|c| c == ' ' || c == '-'))
            && luhn(&digits(i, len))
        {
            return Some((len, CARD));
        }
    }

    // A mobile number, at home ("070…", ten digits) or from abroad ("+46 70…", "0046 …",
    // "+46 (0) 70…"). Other numbers are the phone pattern's.
    let d = digits(i, (run.len() - i).min(14));
    let national = [&[0u8, 0, 4, 6][..], &[4, 6]]
        .iter()
        .find_map(|cc| d.strip_prefix(*cc).map(|rest| (cc.len(), rest)))
        .map(|(cc, rest)| match rest.first() {
            Some(0) => (cc + 1, &rest[1..]),
            _ => (cc, rest),
        });
    let len = match national {
        Some((prefix, rest)) if rest.first() == Some(&7) && rest.len() >= 9 => prefix + 9,
        _ if d.starts_with(&[0, 7]) && d.len() >= 10 => 10,
        _ => return None,
    };
    let inner: Vec<&str> = gaps(i, i + len).collect();
    // Times and dates are no phone numbers: "07.11.2026 10.00" mixes its separators and
    // begins with a group of two, where a number written with dots uses dots only.
    let dotted = inner.iter().any(|g| g.contains('.'));
    let groups_of_one = inner.iter().all(|g| *g == " ");
    let first_group = inner
        .iter()
        .position(|g| !g.is_empty())
        .map_or(len, |p| p + 1);
    let ok = apart(i, len)
        && inner.iter().all(|g| !g.contains(':'))
        && (!dotted || inner.iter().all(|g| g.is_empty() || *g == "."))
        && (national.is_some() || first_group >= 3 || groups_of_one);
    ok.then_some((len, PHONE))
}

/// The last `bytes` (or a few more, to a character's edge) of `text`, lower case.
fn tail_lower(text: &str, bytes: usize) -> String {
    let mut from = text.len().saturating_sub(bytes);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    text[from..].to_lowercase()
}

/// Whether the number at `at` is labelled an OCR number ("OCR 4000…", "OCR-nummer: …").
fn labelled_ocr(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end_matches(|c: char| c.is_whitespace() || ":.#-".contains(c));
    let tail = tail_lower(before, 12);
    [
        "ocr",
        "ocr-nummer",
        "ocr-nr",
        "ocrnummer",
        "ocr-numret",
        "ocr nummer",
    ]
    .iter()
    .any(|w| tail.ends_with(w))
}

/// Whether a word that announces a personnummer stands just before `at`.
fn cued(text: &str, at: usize) -> bool {
    let before = tail_lower(&text[..at], 32);
    PNR_CUES.iter().any(|c| before.contains(c))
}

/// The runs of digits in `text` with at most [`MAX_GAP`] separating characters between
/// neighbours: spaces and line breaks, punctuation a number is written with, markup, an
/// emoji, a percent-encoded character.
fn runs(text: &str) -> Vec<Vec<Digit>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let at = |k: usize| chars.get(k).map(|c| c.1);
    let digit = |k: usize| -> Option<u8> {
        let c = at(k)?;
        if let Some(d) = c.to_digit(10) {
            return Some(d as u8);
        }
        // A letter O typed for a zero ("98O2", "07O-174"): between digits, or beside one
        // and no letter.
        let letter = |k: Option<usize>| k.and_then(at).is_some_and(char::is_alphabetic);
        let is_digit = |k: Option<usize>| k.and_then(at).is_some_and(|c| c.is_ascii_digit());
        let (prev, next) = (k.checked_sub(1), Some(k + 1));
        (matches!(c, 'O' | 'o')
            && ((is_digit(prev) && !letter(next)) || (is_digit(next) && !letter(prev))))
        .then_some(0)
    };
    // (characters it spans, what it counts towards MAX_GAP): anything but a letter or a
    // digit ("·", "•", an emoji, a blank of some script), or "%XX".
    let separator = |k: usize| -> Option<(usize, usize)> {
        let c = at(k)?;
        if c == '%' {
            let hex = |k| at(k).is_some_and(|c: char| c.is_ascii_hexdigit());
            return (hex(k + 1) && hex(k + 2)).then_some((3, 1));
        }
        (!c.is_alphanumeric() || matches!(c, '\u{3164}' | '\u{2800}')).then_some((1, 1))
    };
    let mut runs = Vec::new();
    let mut run: Vec<Digit> = Vec::new();
    let mut k = 0;
    while k < n {
        let Some(value) = digit(k) else {
            k += 1;
            continue;
        };
        let (start, c) = chars[k];
        run.push(Digit {
            value,
            start,
            end: start + c.len_utf8(),
        });
        // Past the separators to the next digit, if it is near enough.
        let mut j = k + 1;
        let mut gap = 0;
        let next = loop {
            if j < n && digit(j).is_some() {
                break Some(j);
            }
            match separator(j) {
                Some((span, count)) if gap + count <= MAX_GAP => {
                    gap += count;
                    j += span;
                }
                _ => break None,
            }
        };
        match next {
            Some(j) => k = j,
            None => {
                runs.push(std::mem::take(&mut run));
                k += 1;
            }
        }
    }
    runs
}
