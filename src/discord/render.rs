//! A [`Reply`] as a Discord message: one embed and its buttons. Pure: no I/O, no client, so
//! every layout rule is unit-tested here.
//!
//! Discord's limits are kept by construction (title 256, description 4096, field value 1024,
//! footer 2048, 6000 characters per embed, button label 80, custom id 100): text is cut on a
//! word boundary with "…", never mid-character and never by Discord rejecting the message.
//! The embed says it comes from the bot, shows the matched question apart from the answer,
//! and always ends with the way to a person.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedAuthor, CreateEmbedFooter,
};

use crate::logview::count;
use crate::reply::{Chat, Kind, Labels, Reply};

pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 4096;
pub const MAX_FIELD: usize = 1024;
pub const MAX_FOOTER: usize = 2048;
pub const MAX_EMBED: usize = 6000;
pub const MAX_LABEL: usize = 80;
pub const MAX_CONTENT: usize = 2000;

/// Shown above every embed: the reply comes from a bot.
const AUTHOR: &str = "🤖 kommunbot – automatiskt svar";
const BLUE: u32 = 0x1f6feb;
const AMBER: u32 = 0xbf8700;
const GREY: u32 = 0x6e7781;

/// What a button asks for. Encoded in the button's custom id, so a click is understood
/// without any state kept in memory: it survives restarts and works in any bot process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The citizen's buttons carry the record and whether the bot's words were English
    /// (`ui_lang`), so what a press brings is in the same language.
    Helpful(String, bool),
    NotHelpful(String, bool),
    /// A "Menade du…?" choice: the record and a short hash of the entry id.
    Pick(String, String, bool),
    NoneOfThese(String, bool),
    /// Staff: set a candidate topic's status (`planned` or `dismissed`; `covered` opens a
    /// form for the episode and entries that cover it).
    Topic(i64, String),
    /// Staff: accept (true) or reject a phrasing suggestion.
    Suggestion(String, bool),
}

impl Action {
    pub fn encode(&self) -> String {
        fn lang_suffix(en: bool) -> &'static str {
            if en { ":en" } else { "" }
        }
        match self {
            Action::Helpful(r, en) => format!("kb:yes:{r}{}", lang_suffix(*en)),
            Action::NotHelpful(r, en) => format!("kb:no:{r}{}", lang_suffix(*en)),
            Action::Pick(r, h, en) => format!("kb:pick:{r}:{h}{}", lang_suffix(*en)),
            Action::NoneOfThese(r, en) => format!("kb:none:{r}{}", lang_suffix(*en)),
            Action::Topic(id, status) => format!("kb:topic:{id}:{status}"),
            Action::Suggestion(id, accept) => {
                format!("kb:sugg:{id}:{}", if *accept { "yes" } else { "no" })
            }
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        let rest = id.strip_prefix("kb:")?;
        let (verb, rest) = rest.split_once(':')?;
        let ok =
            |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        // A citizen's button may end in ":en" (see `lang_suffix`).
        let (plain, en) = match rest.strip_suffix(":en") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        match verb {
            "yes" if ok(plain) => Some(Action::Helpful(plain.into(), en)),
            "no" if ok(plain) => Some(Action::NotHelpful(plain.into(), en)),
            "none" if ok(plain) => Some(Action::NoneOfThese(plain.into(), en)),
            "pick" => {
                let (r, h) = plain.split_once(':')?;
                (ok(r) && ok(h)).then(|| Action::Pick(r.into(), h.into(), en))
            }
            "topic" => {
                let (id, status) = rest.split_once(':')?;
                let id: i64 = id.parse().ok()?;
                matches!(status, "planned" | "covered" | "dismissed")
                    .then(|| Action::Topic(id, status.into()))
            }
            "sugg" => match rest.split_once(':')? {
                (id, "yes") if ok(id) => Some(Action::Suggestion(id.into(), true)),
                (id, "no") if ok(id) => Some(Action::Suggestion(id.into(), false)),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A short, stable hash of an entry id for custom ids: entry ids can be longer than a
/// custom id allows.
pub fn entry_hash(entry: &str) -> String {
    crate::faq::short_hash(entry)
}

/// A message ready to send.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub embed: CreateEmbed,
    pub components: Vec<CreateActionRow>,
}

/// No pings, ever: not `@everyone` in a question echoed back, not the asker, not a role.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .everyone(false)
        .all_users(false)
        .all_roles(false)
        .replied_user(false)
}

/// Cuts `s` to at most `max` characters, at a word boundary where one is near, with "…".
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let keep: String = s.chars().take(max.saturating_sub(1)).collect();
    let at = keep
        .rfind(char::is_whitespace)
        .filter(|&i| keep[..i].chars().count() > max * 3 / 4)
        .unwrap_or(keep.len());
    format!("{}…", keep[..at].trim_end())
}

/// The reply to a question. `record_id` ties the buttons to the logged question.
pub fn reply(r: &Reply, record_id: &str) -> Rendered {
    let author = CreateEmbedAuthor::new(AUTHOR);
    let en = r.ui_lang == "en";
    let l = crate::reply::labels(r.ui_lang);
    // An English question's answer is the FAQ's Swedish: said where the bot's words are.
    let swedish = if en && r.kind == Kind::Answer {
        format!("{}\n", crate::reply::ANSWER_IN_SWEDISH)
    } else {
        String::new()
    };
    let footer_text = format!(
        "{swedish}{}\n{}",
        r.contact,
        crate::reply::bot_notice(r.ui_lang)
    );
    let mut fields: Vec<(String, String)> = Vec::new();
    let (title, colour, components) = match r.kind {
        Kind::Answer => {
            if let Some(t) = &r.theme {
                fields.push((l.theme.into(), t.clone()));
            }
            fields.extend(links_field(r, l));
            if let Some(ep) = &r.episode {
                fields.push((format!("🎧 {}", l.listen), episode_link(ep, l)));
            }
            let buttons = vec![
                CreateButton::new(Action::Helpful(record_id.into(), en).encode())
                    .label(l.helpful)
                    .style(ButtonStyle::Success),
                CreateButton::new(Action::NotHelpful(record_id.into(), en).encode())
                    .label(l.not_helpful)
                    .style(ButtonStyle::Secondary),
            ];
            let title = format!(
                "{}: {}",
                l.question,
                r.question.as_deref().unwrap_or_default()
            );
            (title, BLUE, vec![CreateActionRow::Buttons(buttons)])
        }
        Kind::Suggest => {
            let mut buttons: Vec<CreateButton> = r
                .choices
                .iter()
                .take(3)
                .enumerate()
                .map(|(i, c)| {
                    CreateButton::new(
                        Action::Pick(record_id.into(), entry_hash(&c.entry), en).encode(),
                    )
                    .label(cut(&format!("{}. {}", i + 1, c.question), MAX_LABEL))
                    .style(ButtonStyle::Primary)
                })
                .collect();
            buttons.push(
                CreateButton::new(Action::NoneOfThese(record_id.into(), en).encode())
                    .label(l.none_of_these(r.choices.len().min(3)))
                    .style(ButtonStyle::Secondary),
            );
            // The heading in the language of the text under it.
            let title = if en {
                "Did you mean…?"
            } else {
                "Menade du…?"
            };
            (title.into(), AMBER, vec![CreateActionRow::Buttons(buttons)])
        }
        Kind::NoAnswer => {
            if let Some(t) = &r.theme {
                fields.push((l.seems_about.into(), t.clone()));
            }
            fields.extend(links_field(r, l));
            if let Some(ep) = &r.episode {
                fields.push((format!("🎧 {}", l.in_podcast), episode_link(ep, l)));
            }
            let title = match (r.chat, en) {
                (Some(Chat::Greeting), false) => "Hej!",
                (Some(Chat::Greeting), true) => "Hello!",
                (Some(Chat::Thanks), false) => "Varsågod!",
                (Some(Chat::Thanks), true) => "You're welcome!",
                (Some(Chat::Person), false) => "Till en människa",
                (Some(Chat::Person), true) => "To a person",
                (None, false) => "Det vet jag inte ännu",
                (None, true) => "I don't know yet",
            };
            (title.into(), GREY, Vec::new())
        }
    };
    let mut description = match r.kind {
        Kind::Suggest => {
            let mut d = r.text.clone();
            for (i, c) in r.choices.iter().take(3).enumerate() {
                d.push_str(&format!("\n**{}.** {}", i + 1, c.question));
            }
            d
        }
        _ => r.text.clone(),
    };
    let title = cut(&title, MAX_TITLE);
    let footer_text = cut(&footer_text, MAX_FOOTER);
    let fields: Vec<(String, String)> = fields
        .into_iter()
        .map(|(n, v)| (cut(&n, MAX_TITLE), cut(&v, MAX_FIELD)))
        .collect();
    // The whole embed must stay within 6000 characters: the answer gives way first.
    let fixed = title.chars().count()
        + footer_text.chars().count()
        + AUTHOR.chars().count()
        + fields
            .iter()
            .map(|(n, v)| n.chars().count() + v.chars().count())
            .sum::<usize>();
    let room = MAX_EMBED.saturating_sub(fixed).min(MAX_DESCRIPTION);
    description = cut(&description, room);
    let embed = CreateEmbed::new()
        .author(author)
        .title(title)
        .description(description)
        .colour(colour)
        .fields(fields.into_iter().map(|(n, v)| (n, v, false)))
        .footer(CreateEmbedFooter::new(footer_text));
    Rendered { embed, components }
}

/// "[<title> (från 04:30)](<url at the minute>)".
fn episode_link(ep: &crate::reply::EpisodeOut, l: &Labels) -> String {
    format!("[{}]({})", md_label(&l.episode_title(ep)), ep.url)
}

/// The official links, as Markdown links in one field.
fn links_field(r: &Reply, l: &Labels) -> Option<(String, String)> {
    let links: Vec<String> = r
        .links
        .iter()
        .map(|l| format!("[{}]({})", md_label(&l.title), l.url))
        .collect();
    (!links.is_empty()).then(|| (l.read_more.into(), join_within(&links, MAX_FIELD)))
}

/// Square brackets would end a Markdown link label early.
fn md_label(s: &str) -> String {
    s.replace(['[', ']'], "")
}

/// Lines joined by newlines, as many as fit in `max` characters.
fn join_within(lines: &[String], max: usize) -> String {
    let mut out = String::new();
    for l in lines {
        let extra = l.chars().count() + usize::from(!out.is_empty());
        if out.chars().count() + extra > max {
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(l);
    }
    out
}

/// Plain message text (2000 characters at most), for notices and staff replies.
pub fn content(s: &str) -> String {
    cut(s, MAX_CONTENT)
}

/// `/ämnen`: the top candidate topics as text, and per topic a row of buttons to plan,
/// cover (a form asks by which episode or entries) or dismiss it (Discord allows five rows).
pub fn topics(report: &crate::topics::Report) -> (String, Vec<CreateActionRow>) {
    let mut text = String::new();
    if report.open.is_empty() {
        text.push_str("Inga kandidatämnen just nu: allt som frågats har fått svar.");
    } else {
        text.push_str(&format!(
            "**Kandidatämnen** ({}, störst efterfrågan först):\n",
            count(report.questions, "obesvarad fråga", "obesvarade frågor")
        ));
    }
    let mut rows = Vec::new();
    for t in report.open.iter().take(5) {
        text.push_str(&format!(
            "\n**#{}** {} – {}, {}, trend {}, {}\n> {}\n",
            t.id,
            crate::topics::status_sv(&t.status),
            count(t.size, "fråga", "frågor"),
            count(t.askers, "person", "personer"),
            t.trend(),
            t.theme.as_deref().unwrap_or("okänt tema"),
            cut(&t.label, 200)
        ));
        rows.push(CreateActionRow::Buttons(vec![
            CreateButton::new(Action::Topic(t.id, "planned".into()).encode())
                .label(format!("#{} planera", t.id))
                .style(ButtonStyle::Primary),
            CreateButton::new(Action::Topic(t.id, "covered".into()).encode())
                .label(format!("#{} täckt", t.id))
                .style(ButtonStyle::Success),
            CreateButton::new(Action::Topic(t.id, "dismissed".into()).encode())
                .label(format!("#{} avfärda", t.id))
                .style(ButtonStyle::Secondary),
        ]));
    }
    if !report.covered_but_asked.is_empty() {
        text.push_str("\n**Täckta men frågas ändå** (svaret hittas inte):\n");
        for t in report.covered_but_asked.iter().take(5) {
            text.push_str(&format!(
                "#{} {} – {} sedan det täcktes\n",
                t.id,
                cut(&t.label, 120),
                count(t.since_covered, "fråga", "frågor")
            ));
        }
    }
    (content(&text), rows)
}

/// `/förslag`: proposed phrasings with buttons to add each to its entry or reject it.
pub fn suggestions(list: &[crate::topics::phrasing::Suggestion]) -> (String, Vec<CreateActionRow>) {
    if list.is_empty() {
        return (
            "Inga förslag på nya formuleringar just nu.".into(),
            Vec::new(),
        );
    }
    let mut text =
        String::from("**Så frågar invånarna** – lägg till som alternativ formulering?\n");
    let mut rows = Vec::new();
    for (n, s) in list.iter().take(5).enumerate() {
        text.push_str(&format!(
            "\n**{}.** \"{}\" → `{}` ({} gånger)\n",
            n + 1,
            cut(&s.phrasing, 150),
            s.entry,
            s.count
        ));
        rows.push(CreateActionRow::Buttons(vec![
            CreateButton::new(Action::Suggestion(s.id.clone(), true).encode())
                .label(format!("{}. lägg till", n + 1))
                .style(ButtonStyle::Success),
            CreateButton::new(Action::Suggestion(s.id.clone(), false).encode())
                .label(format!("{}. avvisa", n + 1))
                .style(ButtonStyle::Secondary),
        ]));
    }
    (content(&text), rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::{BOT_NOTICE, BOT_NOTICE_EN, Choice, EpisodeOut, LinkOut};
    use serde_json::Value;

    fn answer() -> Reply {
        Reply {
            kind: Kind::Answer,
            entry: Some("snorojning/nar-plogas".into()),
            confidence: Some(0.8),
            question: Some("När plogas min gata?".into()),
            text: "Huvudgator först, sedan bostadsgator.".into(),
            theme: Some("Snöröjning".into()),
            theme_id: Some("snorojning".into()),
            links: vec![LinkOut {
                title: "Snöröjning [kommunen]".into(),
                url: "https://www.example.se/sno".into(),
            }],
            episode: Some(EpisodeOut {
                id: "ep3".into(),
                title: "Snöröjning – vem plogar vad?".into(),
                url: "https://soundcloud.com/k/ep3#t=4:30".into(),
                at: Some("04:30".into()),
            }),
            choices: vec![],
            contact: "Ring kommuncenter.".into(),
            lang: "sv",
            ui_lang: "sv",
            chat: None,
        }
    }

    fn json(r: &Rendered) -> (Value, Value) {
        (
            serde_json::to_value(&r.embed).unwrap(),
            serde_json::to_value(&r.components).unwrap(),
        )
    }

    #[test]
    fn an_answer_shows_question_answer_theme_links_episode_and_feedback_buttons() {
        let (e, c) = json(&reply(&answer(), "ab12"));
        assert_eq!(e["title"], "Fråga: När plogas min gata?");
        assert_eq!(e["description"], "Huvudgator först, sedan bostadsgator.");
        assert!(
            e["author"]["name"]
                .as_str()
                .unwrap()
                .contains("automatiskt svar")
        );
        let fields = e["fields"].as_array().unwrap();
        assert_eq!(fields[0]["name"], "Tema");
        assert_eq!(fields[0]["value"], "Snöröjning");
        assert_eq!(
            fields[1]["value"],
            "[Snöröjning kommunen](https://www.example.se/sno)"
        );
        assert_eq!(fields[2]["name"], "🎧 Lyssna");
        assert_eq!(
            fields[2]["value"],
            "[Snöröjning – vem plogar vad? (från 04:30)](https://soundcloud.com/k/ep3#t=4:30)"
        );
        let footer = e["footer"]["text"].as_str().unwrap();
        assert!(footer.starts_with("Ring kommuncenter."), "{footer}");
        assert!(footer.contains(BOT_NOTICE));
        let buttons = c[0]["components"].as_array().unwrap();
        assert_eq!(buttons.len(), 2);
        assert_eq!(buttons[0]["custom_id"], "kb:yes:ab12");
        assert_eq!(buttons[1]["custom_id"], "kb:no:ab12");
        // To an English question: the answer is Swedish, and the words around it say so.
        let english = Reply {
            ui_lang: "en",
            contact: "Call the service centre.".into(),
            ..answer()
        };
        let (e, c) = json(&reply(&english, "ab12"));
        assert_eq!(e["title"], "Question: När plogas min gata?");
        assert_eq!(e["fields"][0]["name"], "Theme");
        assert_eq!(e["fields"][2]["name"], "🎧 Listen");
        assert_eq!(c[0]["components"][0]["label"], "👍 That helped");
        // Its buttons say so, so what a press brings is English too.
        assert_eq!(c[0]["components"][0]["custom_id"], "kb:yes:ab12:en");
        assert_eq!(
            e["footer"]["text"],
            format!("The answer is in Swedish.\nCall the service centre.\n{BOT_NOTICE_EN}")
        );
    }

    #[test]
    fn suggestions_become_buttons_with_none_of_these() {
        let mut r = answer();
        r.kind = Kind::Suggest;
        r.text = "Menade du någon av de här frågorna?".into();
        r.choices = (0..4)
            .map(|i| Choice {
                entry: format!("t/e{i}"),
                question: format!("Fråga nummer {i} {}", "lång ".repeat(30)),
            })
            .collect();
        let (e, c) = json(&reply(&r, "ab12"));
        assert_eq!(e["title"], "Menade du…?");
        let buttons = c[0]["components"].as_array().unwrap();
        assert_eq!(buttons.len(), 4, "three choices and 'Inget av dessa'");
        assert_eq!(
            buttons[0]["custom_id"],
            format!("kb:pick:ab12:{}", entry_hash("t/e0"))
        );
        assert!(buttons[0]["label"].as_str().unwrap().chars().count() <= MAX_LABEL);
        assert!(buttons[0]["label"].as_str().unwrap().ends_with('…'));
        assert_eq!(buttons[3]["label"], "Inget av dessa");
    }

    #[test]
    fn no_answer_is_honest_has_no_buttons_and_shows_the_human_route() {
        let r = Reply {
            kind: Kind::NoAnswer,
            entry: None,
            confidence: None,
            question: None,
            text: "Det kan jag tyvärr inte svara på ännu.".into(),
            theme: Some("Bygglov".into()),
            theme_id: Some("bygglov".into()),
            links: vec![],
            episode: None,
            choices: vec![],
            contact: "Ring kommuncenter.".into(),
            lang: "sv",
            ui_lang: "sv",
            chat: None,
        };
        let rendered = reply(&r, "ab12");
        let (e, _) = json(&rendered);
        assert_eq!(e["title"], "Det vet jag inte ännu");
        // Over English words, an English heading.
        let english = Reply {
            lang: "en",
            ui_lang: "en",
            ..r.clone()
        };
        let (e, _) = json(&reply(&english, "ab12"));
        assert_eq!(e["title"], "I don't know yet");
        assert!(
            e["footer"]["text"]
                .as_str()
                .unwrap()
                .ends_with(BOT_NOTICE_EN),
            "{e}"
        );
        assert_eq!(e["fields"][0]["value"], "Bygglov");
        assert!(
            e["footer"]["text"]
                .as_str()
                .unwrap()
                .contains("Ring kommuncenter.")
        );
        assert!(rendered.components.is_empty());
    }

    #[test]
    fn a_long_answer_is_cut_cleanly_within_discords_limits() {
        let mut r = answer();
        r.text = "ord ".repeat(3000);
        r.contact = "k".repeat(3000);
        r.question = Some("fråga ".repeat(100));
        let (e, _) = json(&reply(&r, "ab12"));
        let len = |v: &Value| v.as_str().unwrap().chars().count();
        assert!(len(&e["title"]) <= MAX_TITLE);
        assert!(len(&e["description"]) <= MAX_DESCRIPTION);
        assert!(len(&e["footer"]["text"]) <= MAX_FOOTER);
        let total = len(&e["title"])
            + len(&e["description"])
            + len(&e["footer"]["text"])
            + len(&e["author"]["name"])
            + e["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| len(&f["name"]) + len(&f["value"]))
                .sum::<usize>();
        assert!(total <= MAX_EMBED, "{total}");
        assert!(e["description"].as_str().unwrap().ends_with("ord…"));
    }

    #[test]
    fn cut_never_splits_a_character() {
        assert_eq!(cut("åäö", 3), "åäö");
        assert_eq!(cut("åäöåäö", 4), "åäö…");
        assert_eq!(cut("en två tre fyra", 12), "en två tre…");
    }

    #[test]
    fn actions_round_trip_and_junk_is_refused() {
        for a in [
            Action::Helpful("ab".into(), false),
            Action::NotHelpful("ab".into(), false),
            Action::Pick("ab".into(), "0123abcd".into(), false),
            Action::Helpful("ab".into(), true),
            Action::Pick("ab".into(), "0123abcd".into(), true),
            Action::NoneOfThese("ab".into(), true),
            Action::Topic(42, "planned".into()),
            Action::Topic(7, "dismissed".into()),
            Action::Suggestion("0123abcd".into(), true),
            Action::Suggestion("0123abcd".into(), false),
            Action::NoneOfThese("ab".into(), false),
        ] {
            assert_eq!(Action::parse(&a.encode()), Some(a.clone()));
            assert!(a.encode().len() <= 100);
        }
        for junk in [
            "",
            "kb:",
            "kb:yes:",
            "kb:yes:zz",
            "kb:pick:ab",
            "x:yes:ab",
            "kb:drop:ab",
        ] {
            assert_eq!(Action::parse(junk), None, "{junk}");
        }
        let id = Action::Pick("f".repeat(32), entry_hash("a/b"), true).encode();
        assert!(id.len() <= 100);
    }

    #[test]
    fn no_mentions_allows_nothing() {
        let m = serde_json::to_value(no_mentions()).unwrap();
        assert_eq!(m["parse"], serde_json::json!([]));
        assert_eq!(m["users"], serde_json::json!([]));
        assert_eq!(m["roles"], serde_json::json!([]));
        assert_eq!(m["replied_user"], false);
    }
}
