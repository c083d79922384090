//! Parsing a podcast feed (RSS 2.0 with iTunes, Atom and Podcasting 2.0 tags) with the
//! `rss` crate, and the formats around it: durations, HTML descriptions, timestamps written
//! in descriptions, chapters JSON and transcripts (SRT, WebVTT, JSON). Pure: bytes in,
//! values out.

use serde::{Deserialize, Serialize};

/// A point in an episode with what happens there: a chapter title or a transcript line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Seconds from the start.
    pub start: u32,
    pub text: String,
}

/// One episode as a feed describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEpisode {
    /// The feed's `<guid>`; episodes are keyed by it, never by title or position.
    pub guid: String,
    pub title: String,
    /// The episode's page (on SoundCloud: the track page, which takes `#t=M:SS`).
    pub link: Option<String>,
    pub audio_url: Option<String>,
    /// `pubDate` as the feed writes it (RFC 2822).
    pub published: Option<String>,
    /// Length in seconds.
    pub duration: Option<u32>,
    /// Plain text: HTML stripped, entities decoded.
    pub description: String,
    /// Chapters: from `podcast:chapters` JSON or from timestamps in the description.
    pub chapters: Vec<Mark>,
    /// Transcript lines with their start times.
    pub transcript: Vec<Mark>,
    /// Where the chapters and transcripts are, to be fetched after parsing.
    #[serde(skip)]
    pub chapters_url: Option<String>,
    #[serde(skip)]
    pub transcript_urls: Vec<(String, String)>,
}

/// What one page of a feed says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeed {
    pub title: String,
    /// `<ttl>`: how many minutes the feed may be cached.
    pub ttl_minutes: Option<u32>,
    /// `atom:link rel="next"`: the next page of a paged feed.
    pub next_page: Option<String>,
    /// `itunes:new-feed-url`: the feed has moved.
    pub new_feed_url: Option<String>,
    pub episodes: Vec<FeedEpisode>,
}

#[derive(Debug, thiserror::Error)]
#[error("not a podcast feed: {0}")]
pub struct ParseError(pub String);

/// Parses one page of a feed. Leading whitespace before `<?xml` (seen in real feeds) is
/// skipped; items without a guid fall back to their enclosure URL or link, and items with
/// neither are left out (they cannot be kept apart across syncs).
pub fn parse(bytes: &[u8]) -> Result<ParsedFeed, ParseError> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let channel =
        rss::Channel::read_from(&bytes[start..]).map_err(|e| ParseError(e.to_string()))?;
    let next_page = channel.atom_ext().and_then(|a| {
        a.links()
            .iter()
            .find(|l| l.rel() == "next")
            .map(|l| l.href().to_owned())
    });
    let new_feed_url = channel
        .itunes_ext()
        .and_then(|i| i.new_feed_url())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let episodes = channel
        .items()
        .iter()
        .filter_map(|item| {
            // Links citizens get: http(s) only (see `faq::is_web_url`).
            let web = |u: &str| crate::faq::is_web_url(u).then(|| u.trim().to_owned());
            let audio_url = item.enclosure().and_then(|e| web(e.url()));
            let guid = item
                .guid()
                .map(|g| g.value().trim().to_owned())
                .filter(|g| !g.is_empty())
                .or_else(|| audio_url.clone())
                .or_else(|| item.link().and_then(web))?;
            let description = strip_html(
                item.itunes_ext()
                    .and_then(|i| i.summary())
                    .or(item.description())
                    .or(item.content())
                    .unwrap_or(""),
            );
            let podcast = item.extensions().get("podcast");
            let chapters_url = podcast
                .and_then(|p| p.get("chapters"))
                .and_then(|v| v.first())
                .and_then(|e| e.attrs().get("url").and_then(|u| web(u)));
            let transcript_urls = podcast
                .and_then(|p| p.get("transcript"))
                .map(|v| {
                    v.iter()
                        .filter_map(|e| {
                            Some((
                                web(e.attrs().get("url")?)?,
                                e.attrs().get("type").cloned().unwrap_or_default(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(FeedEpisode {
                guid,
                title: strip_html(item.title().unwrap_or("")),
                link: item.link().and_then(web),
                audio_url,
                published: item.pub_date().map(str::to_owned),
                duration: item
                    .itunes_ext()
                    .and_then(|i| i.duration())
                    .and_then(parse_duration),
                chapters: timestamps_in(&description),
                description,
                transcript: Vec::new(),
                chapters_url,
                transcript_urls,
            })
        })
        .collect();
    Ok(ParsedFeed {
        title: channel.title().to_owned(),
        ttl_minutes: channel.ttl().and_then(|t| t.trim().parse().ok()),
        next_page,
        new_feed_url,
        episodes,
    })
}

/// `HH:MM:SS`, `H:MM:SS`, `MM:SS`, plain seconds, and seconds with a fraction.
pub fn parse_duration(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<f64>() {
        return (0.0..1e7).contains(&secs).then_some(secs as u32);
    }
    let mut total: u32 = 0;
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    for p in parts {
        let v: f64 = p.trim().parse().ok()?;
        if v < 0.0 {
            return None;
        }
        total = total.checked_mul(60)?.checked_add(v as u32)?;
    }
    Some(total)
}

/// Plain text from HTML: tags removed (block tags become line breaks), the common entities
/// and numeric references decoded, runs of spaces folded.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        match rest[i..].find('>') {
            Some(j) => {
                let tag = rest[i + 1..i + j]
                    .trim_start_matches('/')
                    .to_ascii_lowercase();
                if ["br", "p", "li", "div", "h1", "h2", "h3", "tr"]
                    .iter()
                    .any(|t| {
                        tag == *t
                            || tag.starts_with(&format!("{t} "))
                            || tag.starts_with(&format!("{t}/"))
                    })
                {
                    out.push('\n');
                }
                rest = &rest[i + j + 1..];
            }
            None => {
                // A lone '<' is text.
                out.push('<');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            }?;
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Timestamps that start a line of a description count as chapters ("04:30 Plogvallar",
/// "(1:02:17) – Frågor", "12:05 - Sandning"), and so do two or more in a row on one line, as
/// a description squeezed into one paragraph has them ("00:00 Intro 04:30 Plogvallar 12:05
/// Sandning"). One time inside a sentence ("inspelat 12:05 i studion") is none.
pub fn timestamps_in(text: &str) -> Vec<Mark> {
    static STAMP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?:^|\s)[(\[]?(\d{1,2}(?::\d{2}){1,2})[)\]]?(?:[\s\-–—|]|$)")
            .expect("regex")
    });
    let mut marks = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        // Where each time is, and where its title starts.
        let stamps: Vec<(usize, usize, u32)> = STAMP
            .captures_iter(line)
            .filter_map(|c| {
                let (m, t) = (c.get(0)?, c.get(1)?);
                let at = crate::faq::Timestamp::parse(t.as_str())?;
                Some((m.start(), m.end(), at.0))
            })
            .collect();
        let leads = stamps
            .first()
            .is_some_and(|(s, _, _)| line[..*s].trim().is_empty());
        if !(leads || stamps.len() >= 2) {
            continue;
        }
        for (i, (_, end, start)) in stamps.iter().enumerate() {
            let until = stamps.get(i + 1).map_or(line.len(), |(s, _, _)| *s);
            let title = line[*end..until]
                .trim_start_matches(|c: char| c.is_whitespace() || "-–—:|)]".contains(c))
                .trim();
            if !title.is_empty() {
                marks.push(Mark {
                    start: *start,
                    text: title.to_owned(),
                });
            }
        }
    }
    marks
}

/// Podcasting 2.0 chapters JSON: `{"chapters": [{"startTime": 0, "title": "…"}]}`.
pub fn parse_chapters_json(bytes: &[u8]) -> Option<Vec<Mark>> {
    #[derive(Deserialize)]
    struct File {
        chapters: Vec<Chapter>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Chapter {
        start_time: f64,
        #[serde(default)]
        title: Option<String>,
    }
    let f: File = serde_json::from_slice(bytes).ok()?;
    Some(
        f.chapters
            .into_iter()
            .filter_map(|c| {
                Some(Mark {
                    start: c.start_time.max(0.0) as u32,
                    text: c.title.filter(|t| !t.trim().is_empty())?,
                })
            })
            .collect(),
    )
}

/// A transcript in SRT, WebVTT or Podcasting 2.0 JSON, by its MIME type or, failing that,
/// its content. Cues become marks at their start time.
pub fn parse_transcript(kind: &str, bytes: &[u8]) -> Option<Vec<Mark>> {
    let text = String::from_utf8_lossy(bytes);
    let kind = kind.to_ascii_lowercase();
    if kind.contains("json") || text.trim_start().starts_with('{') {
        #[derive(Deserialize)]
        struct File {
            segments: Vec<Segment>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Segment {
            start_time: f64,
            body: String,
        }
        let f: File = serde_json::from_str(&text).ok()?;
        return Some(merge_cues(
            f.segments
                .into_iter()
                .map(|s| Mark {
                    start: s.start_time.max(0.0) as u32,
                    text: s.body,
                })
                .collect(),
        ));
    }
    if kind.contains("srt")
        || kind.contains("subrip")
        || kind.contains("vtt")
        || text.contains("-->")
    {
        let mut cues = Vec::new();
        for block in text.replace("\r\n", "\n").split("\n\n") {
            let mut lines = block.lines().skip_while(|l| !l.contains("-->"));
            let Some(timing) = lines.next() else { continue };
            let Some(start) = timing.split("-->").next().and_then(cue_time) else {
                continue;
            };
            let body: Vec<&str> = lines.map(str::trim).filter(|l| !l.is_empty()).collect();
            if !body.is_empty() {
                cues.push(Mark {
                    start,
                    text: strip_html(&body.join(" ")),
                });
            }
        }
        return Some(merge_cues(cues));
    }
    None
}

/// `00:04:30,120` (SRT) or `04:30.120` / `00:04:30.120` (WebVTT) → seconds.
fn cue_time(s: &str) -> Option<u32> {
    let s = s.trim().split(['.', ',']).next()?;
    parse_duration(s)
}

/// Subtitle cues are a few words each: join them into segments of about 30 seconds, which is
/// what a link into the episode can usefully point at.
fn merge_cues(cues: Vec<Mark>) -> Vec<Mark> {
    let mut out: Vec<Mark> = Vec::new();
    for c in cues {
        match out.last_mut() {
            Some(last) if c.start < last.start + 30 => {
                last.text.push(' ');
                last.text.push_str(c.text.trim());
            }
            _ => out.push(Mark {
                start: c.start,
                text: c.text.trim().to_owned(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_form() {
        for (s, want) in [
            ("1:02:17", Some(3737)),
            ("51:53", Some(3113)),
            ("00:04:30", Some(270)),
            ("3600", Some(3600)),
            ("95.5", Some(95)),
            ("", None),
            ("abc", None),
            ("1:2:3:4", None),
            ("-5", None),
        ] {
            assert_eq!(parse_duration(s), want, "{s}");
        }
    }

    #[test]
    fn html_is_stripped_and_entities_decoded() {
        assert_eq!(
            strip_html(
                "<p>Vi pratar om <b>snö</b> &amp; is.</p><p>04:30 Plogvallar&nbsp;och&#228;</p>"
            ),
            "Vi pratar om snö & is.\n04:30 Plogvallar och\u{e4}"
        );
        assert_eq!(strip_html("a < b &unknown; c"), "a < b &unknown; c");
    }

    #[test]
    fn timestamps_in_one_paragraph_are_chapters_too() {
        let m = timestamps_in("Kapitel: 00:00 Intro 04:30 Plogvallar vid infarten 12:05 Sandning");
        let got: Vec<(u32, &str)> = m.iter().map(|m| (m.start, m.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (0, "Intro"),
                (270, "Plogvallar vid infarten"),
                (725, "Sandning")
            ]
        );
        assert!(timestamps_in("Avsnittet spelades in 12:05 i studion.").is_empty());
        assert_eq!(timestamps_in("12:05-Sandning")[0].text, "Sandning");
    }

    #[test]
    fn timestamps_in_descriptions_are_chapters() {
        let m = timestamps_in(
            "Intro\n00:00 Välkommen\n04:30 – Plogvallar\n(1:02:17) Frågor\n12 plogbilar",
        );
        assert_eq!(
            m,
            vec![
                Mark {
                    start: 0,
                    text: "Välkommen".into()
                },
                Mark {
                    start: 270,
                    text: "Plogvallar".into()
                },
                Mark {
                    start: 3737,
                    text: "Frågor".into()
                },
            ]
        );
    }

    #[test]
    fn srt_and_vtt_cues_become_segments() {
        let srt = "1\n00:00:01,000 --> 00:00:04,000\nHej och välkommen\n\n2\n00:00:05,000 --> 00:00:08,000\ntill podden\n\n3\n00:04:30,000 --> 00:04:33,000\nNu om plogvallar\n";
        let m = parse_transcript("application/srt", srt.as_bytes()).unwrap();
        assert_eq!(
            m[0],
            Mark {
                start: 1,
                text: "Hej och välkommen till podden".into()
            }
        );
        assert_eq!(m[1].start, 270);
        let vtt = "WEBVTT\n\n00:01.000 --> 00:04.000\n<v Anna>Hej</v>\n\n04:30.000 --> 04:35.000\nPlogvallar\n";
        let m = parse_transcript("text/vtt", vtt.as_bytes()).unwrap();
        assert_eq!(
            m,
            vec![
                Mark {
                    start: 1,
                    text: "Hej".into()
                },
                Mark {
                    start: 270,
                    text: "Plogvallar".into()
                }
            ]
        );
    }

    #[test]
    fn a_leading_newline_and_missing_optional_fields_are_fine() {
        let xml = "\n<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>P</title>\
                   <item><title>Utan guid</title><enclosure url=\"https://example.se/a.mp3\" length=\"0\" type=\"audio/mpeg\"/></item>\
                   <item><title>Utan allt</title></item></channel></rss>";
        let f = parse(xml.as_bytes()).unwrap();
        assert_eq!(f.episodes.len(), 1);
        assert_eq!(f.episodes[0].guid, "https://example.se/a.mp3");
        assert_eq!(f.episodes[0].duration, None);
    }

    #[test]
    fn only_web_links_are_kept() {
        let xml = "<?xml version=\"1.0\"?><rss version=\"2.0\" \
                   xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"><channel><title>P</title>\
                   <item><title>Snöröjning</title><guid>ep-1</guid>\
                   <link>javascript:alert(document.cookie)</link>\
                   <enclosure url=\"ftp://example.se/a.mp3\" length=\"0\" type=\"audio/mpeg\"/>\
                   <podcast:chapters url=\"data:application/json,[]\" type=\"application/json\"/>\
                   <podcast:transcript url=\"https://example.se/t.vtt\" type=\"text/vtt\"/>\
                   <podcast:transcript url=\"file:///etc/passwd\" type=\"text/vtt\"/></item>\
                   <item><title>Utan guid</title><link>javascript:void(0)</link></item>\
                   </channel></rss>";
        let f = parse(xml.as_bytes()).unwrap();
        assert_eq!(f.episodes.len(), 1, "no guid and no web link: left out");
        let e = &f.episodes[0];
        assert_eq!((e.link.as_deref(), e.audio_url.as_deref()), (None, None));
        assert_eq!(e.chapters_url, None);
        assert_eq!(
            e.transcript_urls,
            [("https://example.se/t.vtt".to_owned(), "text/vtt".to_owned())]
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"<html><body>502 Bad Gateway</body></html>").is_err());
        assert!(parse(b"<?xml version=\"1.0\"?><rss><channel><title>x</title><item>").is_err());
    }
}
