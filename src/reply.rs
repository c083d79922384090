//! The reply a citizen sees, independent of where it is shown (CLI, Discord, web).
//!
//! [`Reply::build`] turns an engine [`Outcome`] into Swedish texts (the bot's own words in
//! English for an English question, see [`Reply::to_question`]), links and choices; each
//! adapter only lays that out (plain text here, an embed in the Discord adapter). Keeping
//! the words in one place keeps every channel honest in the same way: a bot says it is a
//! bot, says when it does not know, and always shows the way to a person.

use serde::Serialize;

use crate::answer::Outcome;
use crate::faq::Faq;

/// Texts a municipality sets for itself.
#[derive(Debug, Clone)]
pub struct Texts {
    /// How to reach a person, shown with every reply.
    pub contact: String,
    /// The same in English, shown with the reply to an English question.
    pub contact_en: String,
}

/// The question that opens the way to a person; the web page asks it in its own header.
pub const HUMAN: &str = "Vill du prata med en människa?";
/// [`HUMAN`] in English.
pub const HUMAN_EN: &str = "Would you like to talk to a person?";

impl Default for Texts {
    fn default() -> Self {
        Self {
            contact: format!(
                "{HUMAN} Kontakta kommuncenter – via kommunens webbplats, på telefon eller på \
                 plats."
            ),
            contact_en: format!(
                "{HUMAN_EN} Contact the service centre (kommuncenter) – through the \
                 municipality's website, by phone or in person."
            ),
        }
    }
}

pub const BOT_NOTICE: &str = "Svar från kommunbot, en automatisk tjänst.";

/// The title of a no-answer's link to its theme's page: "Mer om snöröjning".
const MORE_ABOUT: &str = "Mer om ";
/// [`BOT_NOTICE`] in English.
pub const BOT_NOTICE_EN: &str = "Answer from kommunbot, an automated service.";

/// The bot's notice in the language of its own words (`ui_lang`).
pub fn bot_notice(ui_lang: &str) -> &'static str {
    if ui_lang == "en" {
        BOT_NOTICE_EN
    } else {
        BOT_NOTICE
    }
}

/// What a greeting, a thank-you or an empty message gets: how to use the bot.
pub const GREETING: &str = "Hej! Jag är kommunbot och svarar på frågor om kommunens service, \
                            till exempel snöröjning, bygglov och livsmedel. Skriv din fråga med \
                            några ord, så försöker jag hjälpa dig.";

/// What a thank-you gets: not the introduction a greeting gets.
pub const THANKS: &str = "Varsågod! Skriv gärna igen om du undrar över något mer.";

/// What a request for a person gets; the contact line follows, as in every reply.
pub const PERSON: &str = "Självklart – på kommuncenter svarar en människa.";

/// The no-answer reply.
pub const NO_ANSWER: &str = "Det kan jag tyvärr inte svara på ännu. Din fråga sparas så att \
                             kommuncenter kan ta upp den – kanske i ett kommande avsnitt av \
                             podden. Namn, personnummer, telefonnummer och e-post tas bort \
                             innan frågan sparas.";

/// The bot's own words for a question in English, so an English speaker can tell a refusal
/// from an answer and finds the way to a person. The FAQ's answers stay Swedish, and say so.
mod english {
    pub const GREETING: &str = "Hi! I'm kommunbot and I answer questions about the \
                                municipality's services, such as snow clearing, building \
                                permits and food businesses. Write your question in a few words \
                                and I'll try to help. (The answers are in Swedish.)";
    pub const THANKS: &str = "You're welcome! Write again if you wonder about anything else.";
    pub const PERSON: &str = "Of course – at the municipality's service centre \
                              (kommuncenter) a person will help you.";
    pub const NO_ANSWER: &str = "I can't answer that yet. Your question is saved so the \
                                 service centre can take it up. Names, personal identity \
                                 numbers, phone numbers and e-mail addresses are removed before \
                                 it is saved.";
    pub const SUGGEST_ONE: &str = "I'm not quite sure what you mean. Did you mean this \
                                   question? (The questions and answers are in Swedish.)";
    pub const SUGGEST: &str = "I'm not quite sure what you mean. Did you mean one of these \
                               questions? (The questions and answers are in Swedish.)";
    /// Said with a direct answer, which is the FAQ's Swedish text.
    pub const ANSWER_IN_SWEDISH: &str = "The answer is in Swedish.";
}

/// Said with a direct answer to an English question, whose text is the FAQ's Swedish.
pub use english::ANSWER_IN_SWEDISH;

/// Which small talk a reply with nothing to match answers, for its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chat {
    Greeting,
    Thanks,
    Person,
}

/// Whether a message with nothing to match thanks the bot ("tack!", "tusen tack", "thanks").
fn thanks(question: &str) -> Option<crate::answer::Lang> {
    use crate::answer::Lang;
    crate::answer::fold(question)
        .split(|c: char| !c.is_alphanumeric())
        .find_map(|w| match w {
            "tack" | "tackar" | "tacksam" => Some(Lang::Sv),
            "thanks" | "thank" | "thx" => Some(Lang::En),
            _ => None,
        })
}

/// Whether a request for a person is worded in English ("human please", "talk to a
/// person"): it may have no two function words to tell by.
fn english_person(question: &str) -> bool {
    crate::answer::fold(question)
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| {
            matches!(
                w,
                "human"
                    | "someone"
                    | "somebody"
                    | "agent"
                    | "operator"
                    | "phone"
                    | "number"
                    | "talk"
                    | "speak"
                    | "contact"
                    | "reach"
                    | "call"
                    | "connect"
            )
        })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Answer,
    Suggest,
    NoAnswer,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LinkOut {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EpisodeOut {
    pub id: String,
    pub title: String,
    /// Links straight to the minute when the entry says where in the episode.
    pub url: String,
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Choice {
    pub entry: String,
    pub question: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reply {
    pub kind: Kind,
    /// The entry answered with.
    pub entry: Option<String>,
    pub confidence: Option<f32>,
    /// The matched FAQ question, so the citizen sees what was answered.
    pub question: Option<String>,
    /// The answer (Markdown) or the explanation of why there is none.
    pub text: String,
    pub theme: Option<String>,
    pub theme_id: Option<String>,
    pub links: Vec<LinkOut>,
    pub episode: Option<EpisodeOut>,
    /// "Menade du…?" choices.
    pub choices: Vec<Choice>,
    pub contact: String,
    /// The language of `text`: "sv", or "en" where the bot's own words are English (see
    /// [`Reply::to_question`]); so a screen reader reads it in the right voice.
    pub lang: &'static str,
    /// The language of the bot's own words around `text` (`contact`, headings, notices):
    /// "en" for an English question, also when `text` is an entry's Swedish answer.
    pub ui_lang: &'static str,
    /// For a reply with nothing to match: what it answers (not part of the API's JSON).
    #[serde(skip)]
    pub chat: Option<Chat>,
}

impl Reply {
    /// The reply to `question`: as [`Reply::build`]; a thank-you and a request for a person
    /// are answered as such, and the bot's own words are English for an English question.
    pub fn to_question(question: &str, faq: &Faq, outcome: &Outcome, texts: &Texts) -> Self {
        let mut reply = Self::build(faq, outcome, texts);
        let en = crate::answer::is_english(question);
        if matches!(outcome, Outcome::NoAnswer { chat: true, .. }) {
            let (chat, english) = if crate::answer::asks_for_a_person(question) {
                // "human please" has no function word; its person word says the language.
                (Chat::Person, en || english_person(question))
            } else if let Some(lang) = thanks(question) {
                // The word thanked with says the language: "thanks" has no function word.
                (Chat::Thanks, lang == crate::answer::Lang::En)
            } else {
                (Chat::Greeting, en)
            };
            reply.text = match (chat, english) {
                (Chat::Greeting, false) => GREETING,
                (Chat::Greeting, true) => english::GREETING,
                (Chat::Thanks, false) => THANKS,
                (Chat::Thanks, true) => english::THANKS,
                (Chat::Person, false) => PERSON,
                (Chat::Person, true) => english::PERSON,
            }
            .into();
            reply.chat = Some(chat);
            if english {
                reply.lang = "en";
                reply.english_around(texts);
            }
            if chat == Chat::Person {
                // The reply is the way to a person: asking "would you like to talk to a
                // person?" after it would ask again what was just asked.
                for q in [HUMAN, HUMAN_EN] {
                    if let Some(rest) = reply.contact.strip_prefix(q) {
                        reply.contact = rest.trim_start().to_owned();
                    }
                }
            }
        } else if en {
            reply = reply.in_english(texts);
        }
        reply
    }

    /// The bot's own words in English: the contact text, the theme link, the no-answer and
    /// "did you mean…?" texts. An answer's text stays the FAQ's Swedish.
    pub fn in_english(mut self, texts: &Texts) -> Self {
        self.english_around(texts);
        if self.kind != Kind::Answer {
            self.lang = "en";
        }
        match self.kind {
            Kind::NoAnswer => self.text = english::NO_ANSWER.into(),
            Kind::Suggest if self.choices.len() == 1 => self.text = english::SUGGEST_ONE.into(),
            Kind::Suggest => self.text = english::SUGGEST.into(),
            Kind::Answer => {}
        }
        self
    }

    /// The words around `text` in English: the contact text and the theme link.
    fn english_around(&mut self, texts: &Texts) {
        self.ui_lang = "en";
        self.contact = texts.contact_en.clone();
        for l in &mut self.links {
            if let Some(theme) = l.title.strip_prefix(MORE_ABOUT) {
                l.title = format!("More about {theme}");
            }
        }
    }

    pub fn build(faq: &Faq, outcome: &Outcome, texts: &Texts) -> Self {
        let mut reply = Reply {
            kind: Kind::NoAnswer,
            entry: None,
            confidence: None,
            question: None,
            text: String::new(),
            theme: None,
            theme_id: None,
            links: Vec::new(),
            episode: None,
            choices: Vec::new(),
            contact: texts.contact.clone(),
            lang: "sv",
            ui_lang: "sv",
            chat: None,
        };
        match outcome {
            Outcome::Answer { entry, confidence } => {
                let Some(e) = faq.entry(entry.as_str()) else {
                    return reply;
                };
                reply.kind = Kind::Answer;
                reply.entry = Some(e.id.to_string());
                reply.confidence = Some(*confidence);
                reply.question = Some(e.question.clone());
                reply.text = e.answer.clone();
                if let Some(t) = faq.theme(&e.theme) {
                    reply.theme = Some(t.name.clone());
                    reply.theme_id = Some(t.id.to_string());
                }
                reply.links = e
                    .links
                    .iter()
                    .map(|l| LinkOut {
                        title: l.title.clone(),
                        url: l.url.clone(),
                    })
                    .collect();
                reply.episode = e.episodes.iter().find_map(|r| {
                    faq.episode(&r.id).map(|ep| EpisodeOut {
                        id: ep.id.clone(),
                        title: ep.title.clone(),
                        url: ep.url_at(r.at),
                        at: r.at.filter(|t| t.0 > 0).map(|t| t.to_string()),
                    })
                });
            }
            Outcome::Suggest { entries } => {
                reply.kind = Kind::Suggest;
                reply.choices = entries
                    .iter()
                    .filter_map(|(id, _)| faq.entry(id.as_str()))
                    .map(|e| Choice {
                        entry: e.id.to_string(),
                        question: e.question.clone(),
                    })
                    .collect();
                reply.text = if reply.choices.len() == 1 {
                    "Jag är inte helt säker på vad du menar. Menade du den här frågan?"
                } else {
                    "Jag är inte helt säker på vad du menar. Menade du någon av de här frågorna?"
                }
                .into();
            }
            Outcome::NoAnswer { chat: true, .. } => {
                reply.chat = Some(Chat::Greeting);
                reply.text = GREETING.into();
            }
            Outcome::NoAnswer { theme, .. } => {
                let theme = theme.as_ref().and_then(|t| faq.theme(t));
                // What redaction takes out, said as it is: an address or a diagnosis in the
                // question stays (see `privacy`).
                reply.text = NO_ANSWER.into();
                if let Some(t) = theme {
                    reply.theme = Some(t.name.clone());
                    reply.theme_id = Some(t.id.to_string());
                    if let Some(url) = &t.url {
                        reply.links.push(LinkOut {
                            title: format!("{MORE_ABOUT}{}", t.name.to_lowercase()),
                            url: url.clone(),
                        });
                    }
                }
            }
        }
        reply
    }

    /// Plain text, as the CLI prints it.
    pub fn to_text(&self) -> String {
        let l = labels(self.ui_lang);
        let mut out = String::new();
        match self.kind {
            Kind::Answer => {
                if let Some(q) = &self.question {
                    out.push_str(&format!("{}: {q}\n", l.question));
                }
                if let Some(t) = &self.theme {
                    out.push_str(&format!("{}: {t}\n", l.theme));
                }
                out.push_str(&format!("\n{}:\n{}\n", l.answer, self.text));
                if !self.links.is_empty() {
                    out.push_str(&format!("\n{}:\n", l.read_more));
                    for link in &self.links {
                        out.push_str(&format!("- {}: {}\n", link.title, link.url));
                    }
                }
                if let Some(ep) = &self.episode {
                    out.push_str(&format!("\n🎧 {}\n", l.episode_line(ep)));
                }
            }
            Kind::Suggest => {
                out.push_str(&format!("{}\n", self.text));
                for (i, c) in self.choices.iter().enumerate() {
                    out.push_str(&format!("  {}. {}\n", i + 1, c.question));
                }
                out.push_str(&format!(
                    "  ({}? {})\n",
                    l.none_of_these(self.choices.len()),
                    l.rephrase
                ));
            }
            Kind::NoAnswer => {
                out.push_str(&format!("{}\n", self.text));
                if let Some(t) = &self.theme {
                    out.push_str(&format!("{}: {t}\n", l.seems_about));
                }
                for link in &self.links {
                    out.push_str(&format!("- {}: {}\n", link.title, link.url));
                }
                if let Some(ep) = &self.episode {
                    out.push_str(&format!("🎧 {}. {}\n", l.in_podcast, l.episode_line(ep)));
                }
            }
        }
        out.push_str(&format!(
            "\n{}\n{}\n",
            self.contact,
            bot_notice(self.ui_lang)
        ));
        out
    }
}

/// The bot's own labels around a reply, in the language of its words (`ui_lang`): one
/// table for every channel that lays a reply out (the CLI here, Discord's embed).
pub struct Labels {
    pub question: &'static str,
    pub theme: &'static str,
    pub answer: &'static str,
    pub read_more: &'static str,
    pub listen: &'static str,
    pub in_podcast: &'static str,
    pub seems_about: &'static str,
    /// Before a time in an episode: "från 04:30".
    pub from: &'static str,
    pub helpful: &'static str,
    pub not_helpful: &'static str,
    pub rephrase: &'static str,
    none_of_these: [&'static str; 2],
}

const SWEDISH: Labels = Labels {
    question: "Fråga",
    theme: "Tema",
    answer: "Svar",
    read_more: "Läs mer",
    listen: "Lyssna",
    in_podcast: "Det här tas upp i podden",
    seems_about: "Frågan verkar handla om",
    from: "från",
    helpful: "👍 Det hjälpte",
    not_helpful: "👎 Det hjälpte inte",
    rephrase: "Skriv frågan på ett annat sätt.",
    none_of_these: ["Inte den", "Inget av dessa"],
};

const ENGLISH: Labels = Labels {
    question: "Question",
    theme: "Theme",
    answer: "Answer (in Swedish)",
    read_more: "Read more",
    listen: "Listen",
    in_podcast: "The podcast covers this",
    seems_about: "The question seems to be about",
    from: "from",
    helpful: "👍 That helped",
    not_helpful: "👎 That didn't help",
    rephrase: "Write the question another way.",
    none_of_these: ["Not this one", "None of these"],
};

/// The labels for `ui_lang` ("sv" or "en").
pub fn labels(ui_lang: &str) -> &'static Labels {
    if ui_lang == "en" { &ENGLISH } else { &SWEDISH }
}

impl Labels {
    /// What the citizen answers when no choice is what they meant: "Inget av dessa", or
    /// "Inte den" when there is one choice.
    pub fn none_of_these(&self, choices: usize) -> &'static str {
        self.none_of_these[usize::from(choices != 1)]
    }

    /// An episode's title with where to start: "Snöröjning (från 04:30)".
    pub fn episode_title(&self, ep: &EpisodeOut) -> String {
        match &ep.at {
            Some(at) => format!("{} ({} {at})", ep.title, self.from),
            None => ep.title.clone(),
        }
    }

    /// "Lyssna: <title> (från 04:30) <url>".
    pub fn episode_line(&self, ep: &EpisodeOut) -> String {
        format!("{}: {} {}", self.listen, self.episode_title(ep), ep.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::{Entry, EntryId, Episode, EpisodeRef, Link, Theme, ThemeId, Timestamp};

    fn faq() -> Faq {
        let theme = ThemeId::parse("snorojning").unwrap();
        Faq {
            themes: vec![Theme {
                id: theme.clone(),
                name: "Snöröjning".into(),
                description: String::new(),
                synonyms: vec![],
                url: Some("https://example.se/sno".into()),
            }],
            entries: vec![Entry {
                id: EntryId::new(&theme, "plog").unwrap(),
                theme,
                question: "När plogas min gata?".into(),
                alternates: vec![],
                alternates_en: vec![],
                keywords: vec![],
                episodes: vec![EpisodeRef {
                    id: "ep3".into(),
                    at: Timestamp::parse("04:30"),
                }],
                links: vec![Link {
                    title: "Snöröjning".into(),
                    url: "https://example.se/sno".into(),
                }],
                updated: None,
                owner: None,
                review_by: None,
                draft: false,
                answer: "Huvudgator först.".into(),
                source: "x.md".into(),
                lines: Default::default(),
            }],
            episodes: vec![Episode {
                id: "ep3".into(),
                title: "Snöröjning – vem plogar vad?".into(),
                url: "https://soundcloud.com/k/ep3".into(),
                published: None,
                themes: vec![],
                description: String::new(),
                line: None,
            }],
            glossary: None,
        }
    }

    #[test]
    fn an_answer_shows_question_theme_links_and_episode_at_the_minute() {
        let f = faq();
        let r = Reply::build(
            &f,
            &Outcome::Answer {
                entry: f.entries[0].id.clone(),
                confidence: 0.9,
            },
            &Texts::default(),
        );
        let text = r.to_text();
        assert!(text.contains("Fråga: När plogas min gata?"), "{text}");
        assert!(text.contains("Tema: Snöröjning"), "{text}");
        assert!(text.contains("Svar:\nHuvudgator först."), "{text}");
        assert!(
            text.contains("- Snöröjning: https://example.se/sno"),
            "{text}"
        );
        assert!(
            text.contains(
                "🎧 Lyssna: Snöröjning – vem plogar vad? (från 04:30) https://soundcloud.com/k/ep3#t=4:30"
            ),
            "{text}"
        );
        assert!(text.contains(BOT_NOTICE), "{text}");
    }

    #[test]
    fn no_answer_is_honest_and_shows_the_human_route_and_theme_page() {
        let f = faq();
        let r = Reply::build(
            &f,
            &Outcome::NoAnswer {
                chat: false,
                theme: Some(f.themes[0].id.clone()),
            },
            &Texts::default(),
        );
        let text = r.to_text();
        assert!(text.contains("inte svara på ännu"), "{text}");
        assert!(text.contains("Kontakta kommuncenter"), "{text}");
        assert!(text.contains("https://example.se/sno"), "{text}");
        assert_eq!(r.kind, Kind::NoAnswer);
    }

    #[test]
    fn a_greeting_gets_told_how_to_ask() {
        let r = Reply::build(
            &faq(),
            &Outcome::NoAnswer {
                theme: None,
                chat: true,
            },
            &Texts::default(),
        );
        let text = r.to_text();
        assert!(text.starts_with("Hej! Jag är kommunbot"), "{text}");
        assert!(!text.contains("inte svara på ännu"), "{text}");
        assert!(text.contains("Kontakta kommuncenter"), "{text}");
    }

    #[test]
    fn a_request_for_a_person_gets_the_way_to_one() {
        let faq = faq();
        let engine = crate::answer::Engine::new(&faq, crate::answer::Glossary::base()).unwrap();
        for (q, text) in [
            ("jag vill prata med en människa", PERSON),
            ("Kan jag få prata med en riktig person?", PERSON),
            ("I want to speak to a human", english::PERSON),
            (
                "kan jag få prata med nån riktig person istället för en bot",
                PERSON,
            ),
            ("koppla mig till en människa", PERSON),
            ("finns det nån människa där?", PERSON),
            ("hur når jag en riktig människa", PERSON),
            ("ge mig ett telefonnummer till kommunen", PERSON),
            ("vad är numret till kommuncenter", PERSON),
            ("human please", english::PERSON),
            ("what is your phone number?", english::PERSON),
            ("talk to a person", english::PERSON),
            ("I'd like to speak with a human being", english::PERSON),
            ("snälla låt mig prata med en människa", PERSON),
            ("jag behöver hjälp av en människa", PERSON),
            ("vad är kommuncenters telefonnummer", PERSON),
            ("vilket nummer ska jag ringa?", PERSON),
            ("hur kontaktar jag kommunen?", PERSON),
            ("vad är er e-postadress?", PERSON),
            ("vilken adress har kommuncenter", PERSON),
        ] {
            let outcome = engine.ask(q);
            assert!(
                matches!(outcome, Outcome::NoAnswer { chat: true, .. }),
                "{q}: {outcome:?}"
            );
            let r = Reply::to_question(q, &faq, &outcome, &Texts::default());
            assert_eq!((r.text.as_str(), r.chat), (text, Some(Chat::Person)), "{q}");
            let shown = r.to_text();
            assert!(
                shown.contains("Kontakta kommuncenter") || shown.contains("Contact the service"),
                "{q}: {shown}"
            );
            // The reply is the way to a person; the contact line does not ask again.
            assert!(
                !shown.contains(HUMAN) && !shown.contains(HUMAN_EN),
                "{q}: {shown}"
            );
        }
        // A person beside a matter is a question about the matter, and a role is one.
        for q in [
            "kan jag prata med en handläggare om bygglov",
            "vem ska jag prata med om snöröjningen",
            "Hur får jag prata med en handläggare?",
            "Kan jag ringa handläggaren?",
            "vad är numret till hemtjänsten",
            "vilket nummer har bygglovsavdelningen",
            // Asking when is about opening hours.
            "när kan jag ringa någon",
            "när har ni telefon",
            "hur ändrar jag min adress för sophämtningen",
            "mejl",
        ] {
            assert!(!crate::answer::asks_for_a_person(q), "{q}");
        }
    }

    #[test]
    fn an_english_question_gets_the_bots_own_words_in_english() {
        let none = Outcome::NoAnswer {
            theme: None,
            chat: false,
        };
        let r = Reply::to_question(
            "how do I renew my passport?",
            &faq(),
            &none,
            &Texts::default(),
        );
        assert_eq!((r.text.as_str(), r.lang), (english::NO_ANSWER, "en"));
        // Swedish, whatever letters an abbreviation leaves or a greeting in English.
        for q in [
            "hur förnyar jag mitt pass?",
            "Vad gäller för hundar, katter m.m.?",
            "Skolskjuts p.g.a. lång väg",
            "Sophämtning, t.ex. grovsopor",
            "Hello, sophämtning?",
        ] {
            let r = Reply::to_question(q, &faq(), &none, &Texts::default());
            assert_eq!((r.text.as_str(), r.lang), (NO_ANSWER, "sv"), "{q}");
        }
        let chat = Outcome::NoAnswer {
            theme: None,
            chat: true,
        };
        let r = Reply::to_question("thank you so much", &faq(), &chat, &Texts::default());
        assert_eq!(r.text, english::THANKS);
    }

    /// The FAQ's answer stays Swedish, but the words around it are the asker's: an English
    /// speaker is told the answer is Swedish and how to reach a person in English.
    #[test]
    fn an_english_question_answered_directly_is_told_the_answer_is_swedish() {
        let f = faq();
        let answer = Outcome::Answer {
            entry: f.entries[0].id.clone(),
            confidence: 0.9,
        };
        let texts = Texts::default();
        let r = Reply::to_question("When will my street be ploughed?", &f, &answer, &texts);
        assert_eq!(
            (r.kind.clone(), r.lang, r.ui_lang),
            (Kind::Answer, "sv", "en")
        );
        assert_eq!(r.text, "Huvudgator först.");
        assert_eq!(r.contact, texts.contact_en);
        let text = r.to_text();
        for part in [
            "Question: När plogas min gata?",
            "Answer (in Swedish):\nHuvudgator först.",
            BOT_NOTICE_EN,
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        assert!(
            !text.contains(BOT_NOTICE) && !text.contains("Svar:"),
            "{text}"
        );
        // Choices and a no-answer: every line of the bot's own in English.
        let suggest = Outcome::Suggest {
            entries: vec![(f.entries[0].id.clone(), 0.4)],
        };
        let text = Reply::to_question(
            "is it about the ploughing of my street?",
            &f,
            &suggest,
            &texts,
        )
        .to_text();
        assert!(
            text.contains("(Not this one? Write the question another way.)"),
            "{text}"
        );
        let none = Outcome::NoAnswer {
            theme: Some(f.themes[0].id.clone()),
            chat: false,
        };
        let text = Reply::to_question("when is the pool open?", &f, &none, &texts).to_text();
        assert!(
            text.contains("The question seems to be about: Snöröjning"),
            "{text}"
        );
        assert!(
            !text.contains("Frågan verkar") && !text.contains("Vill du"),
            "{text}"
        );
        // A Swedish question keeps the Swedish words.
        let r = Reply::to_question("När plogas gatan?", &f, &answer, &texts);
        assert_eq!(
            (r.ui_lang, r.contact.as_str()),
            ("sv", texts.contact.as_str())
        );
        // One English question word is enough in a short question with no Swedish one;
        // "is" alone is ice.
        for (q, lang) in [
            ("can I build a pool?", "en"),
            ("is på gatan, halkigt", "sv"),
            ("Hello, sophämtning?", "sv"),
            // The pronoun "I", and the glossary's English words where no function word
            // tells.
            ("I think I got food poisoning", "en"),
            ("I morgon ska jag bygga", "sv"),
            ("opening hours", "en"),
            ("building permit", "en"),
            ("container gatan", "sv"),
            // Half the words English-only and the rest English words of the glossary too
            // ("food" and "pool" are also Swedish ones); a greeting alone says nothing.
            ("food poisoning", "en"),
            ("pool permit", "en"),
            ("pool bygglov", "sv"),
            ("hello", "sv"),
        ] {
            let r = Reply::to_question(q, &f, &answer, &texts);
            assert_eq!(r.ui_lang, lang, "{q}");
        }
    }

    #[test]
    fn a_thank_you_gets_a_welcome_not_an_introduction() {
        let chat = Outcome::NoAnswer {
            theme: None,
            chat: true,
        };
        for (q, text) in [
            ("tack!", THANKS),
            ("Tusen tack för hjälpen", THANKS),
            ("thanks", english::THANKS),
        ] {
            let r = Reply::to_question(q, &faq(), &chat, &Texts::default());
            assert_eq!(r.text, text, "{q}");
        }
        let r = Reply::to_question("hej", &faq(), &chat, &Texts::default());
        assert_eq!(r.text, GREETING);
    }

    #[test]
    fn suggestions_list_the_questions() {
        let f = faq();
        let r = Reply::build(
            &f,
            &Outcome::Suggest {
                entries: vec![(f.entries[0].id.clone(), 0.4)],
            },
            &Texts::default(),
        );
        assert_eq!(r.choices[0].question, "När plogas min gata?");
        // One choice is asked about as one.
        let text = r.to_text();
        assert!(text.contains("Menade du den här frågan?"), "{text}");
        assert!(text.contains("(Inte den? Skriv frågan"), "{text}");
        let two = Reply::build(
            &f,
            &Outcome::Suggest {
                entries: vec![
                    (f.entries[0].id.clone(), 0.4),
                    (f.entries[0].id.clone(), 0.3),
                ],
            },
            &Texts::default(),
        );
        let text = two.to_text();
        assert!(
            text.contains("Menade du någon av de här frågorna?"),
            "{text}"
        );
        assert!(text.contains("(Inget av dessa? Skriv frågan"), "{text}");
    }
}
