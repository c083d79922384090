//! The weekly digest for staff: what was asked, how much the bot answered, the top new
//! candidate topics, and the answers that most often did not help. Pure: figures in, Swedish
//! text out, and when the next one is due.

use super::{Report, Topic};
use crate::logview::count;
use crate::store::{Met, Stats};

const DAY_MS: i64 = 86_400_000;

/// Everything a digest says, gathered by the service.
#[derive(Debug, Clone, Default)]
pub struct Digest {
    pub days: i64,
    pub stats: Stats,
    pub topics: Report,
    pub unhelpful: Vec<(String, i64)>,
}

fn share(part: i64, total: i64) -> String {
    if total == 0 {
        "–".into()
    } else {
        format!("{} %", (part * 100 + total / 2) / total)
    }
}

/// The digest as a Discord message (Markdown, under 2,000 characters for five topics).
pub fn render(d: &Digest) -> String {
    let met = |o: Met| {
        d.stats
            .by_outcome
            .iter()
            .find(|(k, _)| k == o.as_str())
            .map_or(0, |(_, n)| *n)
    };
    let total = d.stats.total;
    let mut out = format!(
        "**Veckans sammanfattning från kommunbot** (senaste {} dagarna)\n\
         Frågor: {total} · besvarade direkt {} · \"Menade du…?\" {} · utan svar {}\n\
         Återkoppling: 👍 {} · 👎 {}\n",
        d.days,
        share(met(Met::Answered), total),
        share(met(Met::Suggested), total),
        share(met(Met::NoAnswer), total),
        d.stats.helpful,
        d.stats.not_helpful,
    );
    let new: Vec<&Topic> = d
        .topics
        .open
        .iter()
        .filter(|t| t.status == "new")
        .take(5)
        .collect();
    if new.is_empty() {
        out.push_str("\nInga nya kandidatämnen den här veckan.\n");
    } else {
        out.push_str("\n**Nya ämnen som invånarna frågar om** (störst efterfrågan först):\n");
        for (n, t) in new.iter().enumerate() {
            out.push_str(&format!(
                "{}. \"{}\" – {}, {}, trend {} (#{})\n",
                n + 1,
                crate::logview::clip(&t.label, 120),
                count(t.size, "fråga", "frågor"),
                count(t.askers, "person", "personer"),
                t.trend(),
                t.id
            ));
        }
    }
    if !d.topics.covered_but_asked.is_empty() {
        out.push_str("\n**Täckta men frågas ändå** (svaret hittas inte):\n");
        for t in d.topics.covered_but_asked.iter().take(3) {
            out.push_str(&format!(
                "- \"{}\" – {} sedan det täcktes (#{})\n",
                crate::logview::clip(&t.label, 120),
                count(t.since_covered, "fråga", "frågor"),
                t.id
            ));
        }
    }
    if !d.unhelpful.is_empty() {
        out.push_str("\n**Svar som oftast inte hjälpte:**\n");
        for (entry, n) in d.unhelpful.iter().take(5) {
            out.push_str(&format!("- `{entry}` – {n} gånger\n"));
        }
    }
    out.push_str("\nMer: /ämnen och /förslag, eller `kommunbot topics --format md`.");
    out
}

/// When the next digest is due after `now_ms`: the next `weekday` (0 = Monday) at `hour`
/// Swedish time, strictly later than now.
pub fn next_at(now_ms: i64, weekday: u8, hour: u8) -> i64 {
    use crate::logview::{from_swedish_ms, swedish_offset_ms};
    // Days and hours counted on the Swedish wall clock, then turned back into an instant.
    let local = now_ms + swedish_offset_ms(now_ms);
    let today = local.div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    let dow = (today + 3).rem_euclid(7);
    let ahead = (i64::from(weekday) - dow).rem_euclid(7);
    let at = from_swedish_ms((today + ahead) * DAY_MS + i64::from(hour) * 3_600_000);
    if at > now_ms {
        at
    } else {
        from_swedish_ms((today + ahead + 7) * DAY_MS + i64::from(hour) * 3_600_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_digest_is_the_coming_weekday_at_the_hour() {
        // 2026-11-23 is a Monday. 10:00 Swedish time (09:00 UTC).
        let monday_10 = 1_795_428_000_000 - 3_600_000;
        assert_eq!(crate::logview::datetime(monday_10), "2026-11-23 10:00");
        let next = |w, h| crate::logview::datetime(next_at(monday_10, w, h));
        assert_eq!(
            next(0, 7),
            "2026-11-30 07:00",
            "Monday 07:00 has passed: next week"
        );
        assert_eq!(next(0, 11), "2026-11-23 11:00", "later today");
        assert_eq!(next(2, 7), "2026-11-25 07:00", "Wednesday");
        assert_eq!(next(6, 23), "2026-11-29 23:00", "Sunday");
        assert_eq!(next(0, 10), "2026-11-30 10:00", "exactly now: the next one");
        // Across the change to winter time (25 October 2026) the hour stays 07:00.
        let friday = 1_792_759_200_000; // 2026-10-23 12:40 UTC, 14:40 Swedish summer time
        assert_eq!(crate::logview::datetime(friday), "2026-10-23 14:40");
        let at = next_at(friday, 0, 7);
        assert_eq!(crate::logview::datetime(at), "2026-10-26 07:00");
        assert_eq!(at % DAY_MS, 6 * 3_600_000, "06:00 UTC in winter");
    }

    #[test]
    fn the_digest_says_what_was_asked_and_what_to_do_next() {
        let mut d = Digest {
            days: 7,
            ..Digest::default()
        };
        d.stats.total = 40;
        d.stats.by_outcome = vec![
            ("answered".into(), 30),
            ("no_answer".into(), 6),
            ("suggested".into(), 4),
        ];
        d.stats.not_helpful = 3;
        d.unhelpful = vec![("bygglov/friggebod".into(), 2)];
        let text = render(&d);
        assert!(
            text.contains("Frågor: 40 · besvarade direkt 75 %"),
            "{text}"
        );
        assert!(text.contains("utan svar 15 %"), "{text}");
        assert!(text.contains("Inga nya kandidatämnen"), "{text}");
        assert!(text.contains("`bygglov/friggebod` – 2 gånger"), "{text}");
        assert!(text.chars().count() < 2000);
    }
}
