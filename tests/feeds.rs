//! The feed parser over real podcast feeds (../shared/feeds) and over feeds it has never
//! seen: a leading newline, missing optional fields, odd durations, HTML, thousands of items.

use std::collections::HashSet;
use std::path::PathBuf;

use kommunbot::podcast::feed::{parse, parse_chapters_json, parse_transcript};

fn shared(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/feeds")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn every_shared_feed_parses_with_unique_guids() {
    // (file, items, items with a duration at least)
    for (file, items, with_duration) in [
        ("podcasting20-pc20rss.xml", 56, 0), // it has no itunes:duration at all
        ("swedish-acast-spar.xml", 56, 56),
        ("soundcloud-graphistania.xml", 54, 54),
        ("podcasting20-themnshow.xml", 54, 50),
        ("podcasting20-transistorfm-oxide.xml", 1, 1),
    ] {
        let f = parse(&shared(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(f.episodes.len(), items, "{file}");
        let guids: HashSet<&str> = f.episodes.iter().map(|e| e.guid.as_str()).collect();
        assert_eq!(guids.len(), items, "{file}: guids are unique");
        let durations = f.episodes.iter().filter(|e| e.duration.is_some()).count();
        assert!(durations >= with_duration, "{file}: {durations} durations");
        for e in &f.episodes {
            assert!(!e.title.is_empty(), "{file}: an episode without a title");
            assert!(
                !e.description.contains("<p>"),
                "{file}: HTML left in {}",
                e.title
            );
        }
    }
}

#[test]
fn soundcloud_feeds_keep_track_pages_paging_and_ttl() {
    let f = parse(&shared("soundcloud-graphistania.xml")).unwrap();
    assert_eq!(f.ttl_minutes, Some(60));
    assert!(
        f.next_page
            .as_deref()
            .is_some_and(|n| n.starts_with("http")),
        "{:?}",
        f.next_page
    );
    let e = &f.episodes[0];
    assert!(
        e.guid.starts_with("tag:soundcloud,2010:tracks/"),
        "{}",
        e.guid
    );
    assert!(
        e.link
            .as_deref()
            .unwrap()
            .starts_with("https://soundcloud.com/")
    );
    assert!(e.duration.unwrap() > 60);
}

#[test]
fn the_swedish_feed_with_a_leading_newline_keeps_its_letters_and_long_durations() {
    let bytes = shared("swedish-acast-spar.xml");
    assert_eq!(bytes[0], b'\n', "the fixture starts with a newline");
    let f = parse(&bytes).unwrap();
    assert!(f.episodes.iter().any(|e| e.title.contains(['å', 'ä', 'ö'])));
    // "1:02:17"-style durations become seconds over an hour.
    assert!(
        f.episodes
            .iter()
            .any(|e| e.duration.is_some_and(|d| d > 3600))
    );
}

#[test]
fn podcasting_2_tags_under_either_namespace_uri_are_found() {
    // The alternate namespace URI (pc20rss) and the canonical one (transistor).
    let f = parse(&shared("podcasting20-pc20rss.xml")).unwrap();
    let with_chapters = f
        .episodes
        .iter()
        .filter(|e| e.chapters_url.is_some())
        .count();
    let with_transcripts = f
        .episodes
        .iter()
        .filter(|e| !e.transcript_urls.is_empty())
        .count();
    assert_eq!(with_chapters, 48);
    assert_eq!(with_transcripts, 47);
    let t = parse(&shared("podcasting20-transistorfm-oxide.xml")).unwrap();
    let kinds: Vec<&str> = t.episodes[0]
        .transcript_urls
        .iter()
        .map(|(_, k)| k.as_str())
        .collect();
    assert!(
        kinds.contains(&"text/vtt") && kinds.contains(&"application/x-subrip"),
        "{kinds:?}"
    );
}

#[test]
fn the_specs_chapters_and_transcript_examples_parse() {
    let ch =
        parse_chapters_json(&shared("podcast-namespace-examples/chapters-example.json")).unwrap();
    assert!(!ch.is_empty());
    assert!(ch.windows(2).all(|w| w[0].start <= w[1].start));
    for (file, kind) in [
        ("transcripts-example.srt", "application/srt"),
        ("transcripts-example.vtt", "text/vtt"),
        ("transcripts-example.json", "application/json"),
    ] {
        let t = parse_transcript(kind, &shared(&format!("podcast-namespace-examples/{file}")))
            .unwrap_or_else(|| panic!("{file}"));
        assert!(!t.is_empty(), "{file}");
        assert!(!t[0].text.is_empty(), "{file}");
    }
}

#[test]
fn thousands_of_items_and_odd_fields_are_fine() {
    let mut xml = String::from(
        "\n\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><title>Stor</title>",
    );
    for i in 0..5000 {
        let duration = match i % 5 {
            0 => "1:02:17".to_string(),
            1 => "51:53".into(),
            2 => format!("{}", 60 + i),
            3 => "okänd".into(),
            _ => String::new(),
        };
        xml.push_str(&format!(
            "<item><guid isPermaLink=\"false\">g{i}</guid><title>Avsnitt {i} &amp; mer</title>\
             <description><![CDATA[<p>Om <b>snö</b></p><p>04:30 Plogvallar</p>]]></description>\
             <itunes:duration>{duration}</itunes:duration></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    let f = parse(xml.as_bytes()).unwrap();
    assert_eq!(f.episodes.len(), 5000);
    assert_eq!(f.episodes[0].duration, Some(3737));
    assert_eq!(f.episodes[3].duration, None);
    assert_eq!(f.episodes[0].title, "Avsnitt 0 & mer");
    assert_eq!(f.episodes[0].chapters[0].start, 270);
}
