//! How staff see the question log on a terminal or in a spreadsheet: table, CSV, JSON.
//!
//! CSV is made for Swedish Excel, which reads a file it is double-clicked on as Windows-1252
//! with `;` between fields unless told otherwise: so a UTF-8 byte order mark, `;` as the
//! separator, CRLF line ends and decimal commas.

use crate::store::{LoggedQuestion, Stats};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// `YYYY-MM-DD HH:MM` in Swedish time from Unix milliseconds: what staff read and type.
pub fn datetime(ms: i64) -> String {
    utc_datetime(ms + swedish_offset_ms(ms))
}

const HOUR_MS: i64 = 3_600_000;

/// Swedish time's offset from UTC at the instant `ms`: CET (+1 h), or CEST (+2 h) from the
/// last Sunday of March to the last Sunday of October, 01:00 UTC both (the EU rule). Kept
/// here rather than pulling in a time-zone database for one zone.
pub fn swedish_offset_ms(ms: i64) -> i64 {
    let year = utc_datetime(ms)[..4].parse::<i64>().unwrap_or(1970);
    let start = last_sunday(year, 3) * 86_400_000 + HOUR_MS;
    let end = last_sunday(year, 10) * 86_400_000 + HOUR_MS;
    if (start..end).contains(&ms) {
        2 * HOUR_MS
    } else {
        HOUR_MS
    }
}

/// The UTC instant of `local_ms`, a wall-clock time in Swedish time expressed as if it were
/// UTC (the inverse of adding [`swedish_offset_ms`]); in the hour skipped or repeated when
/// the clocks change, one of the two readings.
pub fn from_swedish_ms(local_ms: i64) -> i64 {
    let guess = local_ms - swedish_offset_ms(local_ms - HOUR_MS);
    local_ms - swedish_offset_ms(guess)
}

/// Days since 1970-01-01 of the last Sunday of `month` (March or October: 31 days).
fn last_sunday(year: i64, month: i64) -> i64 {
    let last = days_from_civil(year, month, 31);
    // 1970-01-01 was a Thursday; Sunday is 3 days later.
    last - (last - 3).rem_euclid(7)
}

/// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD HH:MM` (UTC) from Unix milliseconds, without a date library.
fn utc_datetime(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem / 60 % 60
    )
}

/// `YYYY-MM-DD` in Swedish time from Unix milliseconds.
pub fn date(ms: i64) -> String {
    datetime(ms)[..10].to_owned()
}

/// Today's date in Sweden, as FAQ files' `updated` field takes it.
pub fn today() -> String {
    date(crate::store::now_ms())
}

/// The first `n` characters of `s`, with "…" when it was longer.
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// One CSV line for Swedish Excel: `;`-separated, quoted where needed, CRLF.
pub fn csv_line(fields: &[String]) -> String {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    line.join(";") + "\r\n"
}

fn csv_field(s: &str) -> String {
    // A field Excel would run as a formula ("=HYPERLINK(…)", "@SUM…") from a citizen's
    // question is written as text: a leading apostrophe, as OWASP advises for CSV.
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let s = if formula {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// "1 tema", "2 teman": a count with the Swedish word for one or for many.
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    let word = if n == N::from(1) { one } else { many };
    format!("{n} {word}")
}

pub fn questions(rows: &[LoggedQuestion], format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(rows).unwrap_or_default() + "\n",
        Format::Csv => {
            let mut out =
                String::from("\u{feff}tid;kanal;fråga;utfall;post;säkerhet;tema;återkoppling\r\n");
            for r in rows {
                let conf = r
                    .confidence
                    .map(|c| format!("{c:.2}").replace('.', ","))
                    .unwrap_or_default();
                let fields = [
                    datetime(r.asked_at),
                    r.channel.clone(),
                    r.text.clone(),
                    r.outcome.clone(),
                    r.entry_id.clone().unwrap_or_default(),
                    conf,
                    r.theme.clone().unwrap_or_default(),
                    r.feedback.clone().unwrap_or_default(),
                ];
                out.push_str(&csv_line(&fields));
            }
            out
        }
        Format::Table => {
            let mut out = format!(
                "{:<16} {:<8} {:<10} {:<16} {}\n",
                "tid", "kanal", "utfall", "tema", "fråga"
            );
            for r in rows {
                let text: String = r.text.chars().take(80).collect();
                out.push_str(&format!(
                    "{:<16} {:<8} {:<10} {:<16} {}\n",
                    datetime(r.asked_at),
                    r.channel,
                    r.outcome,
                    r.theme.as_deref().unwrap_or("-"),
                    text.replace('\n', " ")
                ));
            }
            out.push_str(&count(rows.len(), "fråga", "frågor"));
            out.push('\n');
            out
        }
    }
}

/// "senaste 30 dagarna", "senaste dygnet", "senaste 12 timmarna": a `--since` span in the
/// words the header uses.
fn last_span(ms: i64) -> String {
    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;
    match (ms / DAY, ms / HOUR) {
        (1, _) if ms % DAY == 0 => "senaste dygnet".into(),
        (d, _) if ms % DAY == 0 => format!("senaste {d} dagarna"),
        (_, 1) => "senaste timmen".into(),
        (_, h) => format!("senaste {h} timmarna"),
    }
}

/// The statistics over the last `span_ms` milliseconds.
pub fn stats(s: &Stats, span_ms: i64) -> String {
    let answered = s
        .by_outcome
        .iter()
        .find(|(o, _)| o == "answered")
        .map_or(0, |(_, n)| *n);
    let rate = if s.total > 0 {
        answered as f64 / s.total as f64 * 100.0
    } else {
        0.0
    };
    let mut out = format!(
        "frågor {}: {}\nbesvarade direkt: {answered} ({rate:.0} %)\n",
        last_span(span_ms),
        s.total
    );
    out.push_str("\nper utfall:\n");
    for (o, n) in &s.by_outcome {
        out.push_str(&format!("  {o:<12} {n}\n"));
    }
    out.push_str("\nper tema:\n");
    for (t, n) in &s.by_theme {
        out.push_str(&format!("  {t:<20} {n}\n"));
    }
    out.push_str("\nmest besvarade poster:\n");
    for (e, n) in &s.top_entries {
        out.push_str(&format!("  {e:<45} {n}\n"));
    }
    let fb = s.helpful + s.not_helpful;
    let share = if fb > 0 {
        format!("{:.0} % hjälpsamma", s.helpful as f64 / fb as f64 * 100.0)
    } else {
        "ingen återkoppling ännu".into()
    };
    out.push_str(&format!(
        "\nåterkoppling: {} hjälpte, {} hjälpte inte ({share})\n",
        s.helpful, s.not_helpful
    ));
    out
}

/// Parses an age like `7d`, `12h`, `4w` into milliseconds.
pub fn parse_age(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    // Staff type these: said in Swedish, as the rest of what the commands print.
    let invalid = || format!("ogiltig tid `{s}`: skriv till exempel 7d, 12h eller 4w");
    let n: i64 = num.parse().map_err(|_| invalid())?;
    let ms = match unit {
        "h" => 3_600_000,
        "d" | "" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(invalid()),
    };
    if n == 0 {
        return Err(format!(
            "`{s}` är ingen tid att se tillbaka över: skriv till exempel 7d"
        ));
    }
    n.checked_mul(ms)
        .ok_or_else(|| format!("tiden `{s}` är för lång"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_in_swedish_time() {
        assert_eq!(utc_datetime(0), "1970-01-01 00:00");
        assert_eq!(datetime(0), "1970-01-01 01:00");
        assert_eq!(datetime(1_795_305_600_000), "2026-11-22 01:00");
        assert_eq!(
            date(1_795_305_600_000 - 30 * 60_000),
            "2026-11-22",
            "23:30 UTC"
        );
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        let utc = |d: i64, h: i64, m: i64| d * 86_400_000 + h * HOUR_MS + m * 60_000;
        let march_29 = days_from_civil(2026, 3, 29);
        let october_25 = days_from_civil(2026, 10, 25);
        assert_eq!(datetime(utc(march_29, 0, 59)), "2026-03-29 01:59");
        assert_eq!(datetime(utc(march_29, 1, 0)), "2026-03-29 03:00");
        assert_eq!(datetime(utc(october_25, 0, 59)), "2026-10-25 02:59");
        assert_eq!(datetime(utc(october_25, 1, 0)), "2026-10-25 02:00");
        assert_eq!(
            datetime(utc(days_from_civil(2026, 7, 1), 10, 0)),
            "2026-07-01 12:00"
        );
        // 2027: 28 March and 31 October.
        assert_eq!(last_sunday(2027, 3), days_from_civil(2027, 3, 28));
        assert_eq!(last_sunday(2027, 10), days_from_civil(2027, 10, 31));
        // Back from wall-clock time to the instant, in winter and in summer.
        for ms in [
            utc(march_29 - 10, 6, 0),
            utc(days_from_civil(2026, 7, 1), 5, 0),
        ] {
            assert_eq!(from_swedish_ms(ms + swedish_offset_ms(ms)), ms);
        }
    }

    #[test]
    fn the_span_is_said_in_days_or_hours() {
        let h = 3_600_000;
        assert_eq!(last_span(30 * 24 * h), "senaste 30 dagarna");
        assert_eq!(last_span(24 * h), "senaste dygnet");
        assert_eq!(last_span(12 * h), "senaste 12 timmarna");
        assert_eq!(last_span(h), "senaste timmen");
        assert_eq!(last_span(36 * h), "senaste 36 timmarna");
    }

    #[test]
    fn counts_take_the_swedish_word_for_one_or_many() {
        assert_eq!(count(0usize, "fråga", "frågor"), "0 frågor");
        assert_eq!(count(1usize, "fråga", "frågor"), "1 fråga");
        assert_eq!(count(2i64, "person", "personer"), "2 personer");
        assert!(questions(&[], Format::Table).ends_with("0 frågor\n"));
    }

    #[test]
    fn ages() {
        assert_eq!(parse_age("7d"), Ok(7 * 86_400_000));
        assert_eq!(parse_age("12h"), Ok(12 * 3_600_000));
        assert!(parse_age("sju dagar").is_err());
        assert!(parse_age("0").unwrap_err().contains("ingen tid"));
        assert_eq!(
            parse_age("999999999999999d"),
            Err("tiden `999999999999999d` är för lång".into())
        );
    }

    #[test]
    fn csv_opens_in_swedish_excel() {
        let rows = vec![LoggedQuestion {
            asked_at: 0,
            channel: "cli".into(),
            text: "vad kostar; \"bygglov\"".into(),
            outcome: "answered".into(),
            entry_id: Some("bygglov/avgift".into()),
            confidence: Some(0.875),
            theme: Some("bygglov".into()),
            feedback: None,
        }];
        let csv = questions(&rows, Format::Csv);
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\r\n"));
        assert!(
            csv.contains(";\"vad kostar; \"\"bygglov\"\"\";answered;bygglov/avgift;0,88;"),
            "{csv}"
        );
    }

    #[test]
    fn csv_never_hands_excel_a_formula() {
        let line = csv_line(&[
            "=HYPERLINK(\"http://example.se\";\"Klicka\")".into(),
            "@SUM(1+1)".into(),
            "+46".into(),
            "-1".into(),
            "när plogas = idag".into(),
        ]);
        assert_eq!(
            line,
            "\"'=HYPERLINK(\"\"http://example.se\"\";\"\"Klicka\"\")\";'@SUM(1+1);'+46;'-1;\
             när plogas = idag\r\n"
        );
    }
}
