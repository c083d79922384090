//! Text normalisation for matching: folding, tokenising, stop words, stemming, language.
//!
//! Everything is folded (lowercase, diacritics removed) *before* stemming so that
//! "när plogas gatan" and "nar plogas gatan" meet on the same stems. Snowball's Swedish
//! suffix list is almost free of å/ä/ö, so stemming folded words costs next to nothing.

use rustc_hash::FxHashSet as HashSet;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Function words that carry no matter of their own. Question words are here too: "när",
/// "hur" and "var" appear in every FAQ phrasing, so they only add noise to the ranking.
const STOP_SV: &[&str] = &[
    "och",
    "i",
    "att",
    "det",
    "som",
    "en",
    "pa",
    "ar",
    "av",
    "for",
    "med",
    "till",
    "den",
    "har",
    "de",
    "inte",
    "om",
    "ett",
    "han",
    "hon",
    "men",
    "var",
    "jag",
    "sig",
    "fran",
    "vi",
    "sa",
    "kan",
    "man",
    "nar",
    "hur",
    "vad",
    "vem",
    "vems",
    "vilken",
    "vilket",
    "vilka",
    "varfor",
    "vart",
    "varifran",
    "dar",
    "har",
    "min",
    "mitt",
    "mina",
    "din",
    "ditt",
    "dina",
    "er",
    "ert",
    "era",
    "ni",
    "oss",
    "vara",
    "vart",
    "sin",
    "sitt",
    "sina",
    "hans",
    "hennes",
    "deras",
    "dem",
    "mig",
    "dig",
    "du",
    "ju",
    "val",
    "nog",
    "ocksa",
    "istallet",
    // Adverbs and particles of chat that name no matter ("fortfarande" would split into
    // "fort" and "far").
    "fortfarande",
    // Who the question is for names no matter (the glossary has no group for them either):
    // a parent is no question about elderly care, and Snowball stems "pappa" as "papper".
    "pappa",
    "pappan",
    "pappas",
    "pappor",
    "papporna",
    "mamma",
    "mamman",
    "mammas",
    "mammor",
    "farfar",
    "farmor",
    "morfar",
    "mormor",
    "sambo",
    "sambon",
    "svarfar",
    "svarmor",
    "snart",
    "iaf",
    "ialla",
    "iallafall",
    "anda",
    "dock",
    "nastan",
    "valdigt",
    "jatte",
    "jattemycket",
    "annars",
    "forresten",
    "tyvarr",
    "hursomhelst",
    "heller",
    "nanting",
    "overallt",
    // "förra veckan": stemmed, "förra" would be the "förr(åd)" of a shed.
    "forra",
    "forr",
    "nyss",
    "strax",
    // Habit and time said relative to now ("brukar", "igår kväll") name no matter either.
    "brukar",
    "ibland",
    "igar",
    "idag",
    "imorgon",
    "ikvall",
    "inatt",
    "ca",
    "cirka",
    "tex",
    "osv",
    "etc",
    // Numbers in words: a count says nothing of the matter ("vi är bara två").
    "tva",
    "tre",
    "fyra",
    "fem",
    "sju",
    "atta",
    "nio",
    "tio",
    "elva",
    "tolv",
    "tjugo",
    "hundra",
    "tusen",
    // "Gånger" is only ever "times" ("två gånger"): the paths of "gång" are "gångar".
    "ganger",
    "bara",
    "lite",
    "mycket",
    "nagon",
    "nagot",
    "nagra",
    "nan",
    "nat",
    "nagonting",
    "sadan",
    "sadant",
    "sadana",
    "san",
    "sant",
    "sana",
    "denna",
    "detta",
    "dessa",
    "den",
    "det",
    "eller",
    "samt",
    "utan",
    "under",
    "over",
    "efter",
    "innan",
    "mot",
    "vid",
    "hos",
    "genom",
    "sen",
    "sedan",
    "da",
    "nu",
    "redan",
    "annu",
    "an",
    "alla",
    "allt",
    "all",
    "hela",
    "andra",
    "annan",
    "annat",
    "skulle",
    "ska",
    "skall",
    "kommer",
    "blir",
    "blev",
    "bli",
    "vara",
    "varit",
    "ha",
    "hade",
    "haft",
    "fa",
    "far",
    "fick",
    "fatt",
    "gora",
    "gor",
    "gjorde",
    "gjort",
    "maste",
    "behover",
    "borde",
    "vill",
    "ville",
    "kunna",
    "kunde",
    "hej",
    "hejsan",
    "hallo",
    "tjena",
    "tja",
    "tack",
    "snalla",
    "typ",
    "liksom",
    "alltsa",
    "asså",
    "assa",
    "ba",
    "ok",
    "okej",
    "ja",
    "nej",
    "jo",
    "aven",
    "ens",
    "precis",
    "egentligen",
    "faktiskt",
    "helt",
    "ganska",
    "riktigt",
    "verkligen",
    "just",
    "igen",
    "ocksa",
    "eller",
    "sa",
    "ungefar",
    "kanske",
    "finns",
    "fanns",
    "gar",
    "ga",
    "gick",
    "finnas",
    "ta",
    "tar",
    "tog",
    "nagonstans",
    "dom",
    "nagonsin",
    "aldrig",
    "alltid",
    "ofta",
    "hit",
    "dit",
    "upp",
    "ut",
    "in",
    "ner",
    "fram",
    "bort",
    "mer",
    "mest",
    "fler",
    "flest",
    "sa",
    "ni",
    "er",
    "tro",
    "tror",
    "tycker",
    "undrar",
    "heter",
    "fundera",
    "funderar",
    "fraga",
    "fragar",
    "undra",
    "veta",
    "vet",
    "hjalp",
    "hjalpa",
    "behov",
    "vanlig",
    "halla",
    "haller",
    "holl",
    "hejhej",
    "mvh",
    "hallaa",
    "halloj",
    "tjo",
    "godmorgon",
    "godkvall",
    "goddag",
];

const STOP_EN: &[&str] = &[
    "the",
    "a",
    "an",
    "i",
    "me",
    "my",
    "mine",
    "we",
    "our",
    "us",
    "you",
    "your",
    "it",
    "its",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "am",
    "do",
    "does",
    "did",
    "done",
    "doing",
    "how",
    "what",
    "when",
    "where",
    "who",
    "whom",
    "whose",
    "which",
    "why",
    "can",
    "could",
    "should",
    "would",
    "will",
    "shall",
    "may",
    "might",
    "must",
    "to",
    "of",
    "in",
    "on",
    "for",
    "from",
    "with",
    "at",
    "by",
    "about",
    "as",
    "into",
    "there",
    "here",
    "this",
    "that",
    "these",
    "those",
    "have",
    "has",
    "had",
    "get",
    "got",
    "getting",
    "and",
    "or",
    "but",
    "if",
    "so",
    "not",
    "no",
    "any",
    "some",
    "all",
    "just",
    "also",
    "too",
    "very",
    "please",
    "hi",
    // Whom the question is for, as in Swedish ("pappa", "mamma").
    "dad",
    "daddy",
    "mum",
    "mom",
    "mother",
    "father",
    "grandma",
    "grandpa",
    "grandmother",
    "grandfather",
    "hello",
    "hey",
    "thanks",
    "thank",
    "need",
    "want",
    "know",
    "they",
    "them",
    "their",
    "he",
    "she",
    "his",
    "her",
    "anyone",
    "someone",
    "something",
    "anything",
    "up",
    "out",
    "off",
    "again",
    "still",
    "then",
    "than",
    "now",
    "one",
    "do",
    "dont",
    "don",
    "t",
    "s",
    "m",
    "ve",
    "ll",
    "re",
    "d",
    "im",
    "ive",
    "cant",
    "isnt",
    "doesnt",
    "help",
    // Time relative to now, as "igår" and "ikväll" in Swedish.
    "yesterday",
    "today",
    "tonight",
    "tomorrow",
];

/// The language a question is written in, as far as matching cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Sv,
    En,
}

/// Words that insult or judge the bot. They name no municipal matter, so they are dropped:
/// "din dumma bot" is talk to the bot, not a question about a parking fine. Kept narrow on
/// purpose: everyday words of judgement ("dålig", "bad") also describe matters ("dåligt
/// vatten", "bad smell").
const BANTER: &[&str] = &[
    "dum",
    "dumma",
    "dumt",
    "dumme",
    "korkad",
    "korkade",
    "korkat",
    "vardelos",
    "vardelosa",
    "vardelost",
    "usel",
    "usla",
    "idiot",
    "idioter",
    "idiotisk",
    "idiotiska",
    "javla",
    "javlar",
    "javligt",
    "helvete",
    "stupid",
    "dumb",
    "useless",
    "idiots",
    "sucks",
    "crap",
    "rubbish",
    "moron",
    "worthless",
    "wtf",
];
/// Words for the bot itself, dropped where the message speaks to it (see [`Analyzer::banter`]).
const BOT: &[&str] = &[
    "bot",
    "boten",
    "bots",
    "robot",
    "roboten",
    "chatbot",
    "chatboten",
    "chattbot",
    "chattboten",
    "chatbots",
    "robots",
];
/// Second-person words: a message that uses them speaks to the bot.
const YOU: &[&str] = &["du", "din", "ditt", "dina", "dig", "you", "your", "youre"];

pub struct Analyzer {
    sv: Stemmer,
    en: Stemmer,
    stop_sv: HashSet<&'static str>,
    stop_en: HashSet<&'static str>,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self {
            sv: Stemmer::create(Algorithm::Swedish),
            en: Stemmer::create(Algorithm::English),
            stop_sv: STOP_SV.iter().copied().collect(),
            stop_en: STOP_EN.iter().copied().collect(),
        }
    }
}

impl Analyzer {
    /// Folded words of a text: letters and digits only, no pure numbers.
    pub fn words(&self, text: &str) -> Vec<String> {
        spans(&fold(text)).map(str::to_owned).collect()
    }

    /// The words of `text` as written (see [`fold_marked`]), one for each of [`Self::words`].
    pub fn marked_words(&self, text: &str) -> Vec<String> {
        spans(&fold_marked(text)).map(str::to_owned).collect()
    }

    /// The one content word of a term as written (see [`fold_marked`]), if it has one.
    pub fn written_word(&self, term: &str) -> Option<String> {
        let folded = self.words(term);
        let marked = self.marked_words(term);
        if folded.len() != marked.len() {
            return None;
        }
        let mut content = folded
            .iter()
            .zip(marked)
            .filter(|(f, _)| !self.is_stop(f, Lang::Sv))
            .map(|(_, m)| m);
        match (content.next(), content.next()) {
            (Some(m), None) => Some(m),
            _ => None,
        }
    }

    /// Guesses the language by function words; Swedish wins ties since it is the default.
    /// Words both languages use ("i", "in", "for") say nothing either way.
    pub fn detect(&self, words: &[String]) -> Lang {
        let sv = words
            .iter()
            .filter(|w| self.stop_sv.contains(w.as_str()) && !self.stop_en.contains(w.as_str()))
            .count();
        let en = words
            .iter()
            .filter(|w| self.stop_en.contains(w.as_str()) && !self.stop_sv.contains(w.as_str()))
            .count();
        if en > sv { Lang::En } else { Lang::Sv }
    }

    /// Which of `words` are talk to the bot rather than about a matter: insults, and a word
    /// for the bot right after "du"/"din"/"you" or an insult ("din dumma bot", "är du en
    /// bot"). "p-bot" (a parking fine) stays: its "bot" follows "p".
    pub fn banter(&self, words: &[String]) -> Vec<bool> {
        let insult = |w: &str| BANTER.contains(&w);
        let cue = |w: &str| insult(w) || YOU.contains(&w);
        // "är du …" / "are you …" asks what the bot is: a later "en bot" / "a bot" is the bot
        // ("är du en riktig människa eller en bot").
        let asks_what = |i: usize| {
            words[..i].windows(2).any(|p| {
                matches!(
                    (p[0].as_str(), p[1].as_str()),
                    ("ar", "du") | ("are", "you")
                )
            })
        };
        (0..words.len())
            .map(|i| {
                let w = words[i].as_str();
                insult(w)
                    || (BOT.contains(&w)
                        && i > 0
                        && words[i - 1] != "p"
                        && (words[i.saturating_sub(2)..i].iter().any(|p| cue(p))
                            || (matches!(words[i - 1].as_str(), "en" | "a") && asks_what(i))))
            })
            .collect()
    }

    pub fn is_stop(&self, word: &str, lang: Lang) -> bool {
        match lang {
            Lang::Sv => self.stop_sv.contains(word),
            Lang::En => self.stop_en.contains(word),
        }
    }

    /// Extra Swedish stems where Snowball leaves forms apart that citizens use for one
    /// thing: the definite -an ("gatan", "ansökan" → as "gata", "ansöka"), the
    /// nominal -ning ("plogning" → as "ploga"), and the neuter definite -et ("bygglovet" →
    /// as "bygglov"). Both sides of a match get them.
    pub fn variants(&self, word: &str, stem: &str) -> Vec<String> {
        let mut out = Vec::new();
        if word.len() >= 5 && word.ends_with("an") && stem == word {
            out.push(self.sv.stem(&word[..word.len() - 1]).into_owned());
        }
        // The definite -n after o, u, y or i ("snön", "bron", "sjön" → "snö", "bro", "sjö"),
        // which Snowball keeps.
        if word.len() >= 4
            && stem == word
            && let Some(base) = word.strip_suffix('n')
            && base.ends_with(['o', 'u', 'y', 'i'])
        {
            out.push(self.sv.stem(base).into_owned());
        }
        // The neuter definite -et likewise ("bygglovet", "avloppet", "garaget"); not on short
        // words, where the bare stem is ambiguous ("havet" would meet "hävs").
        if word.len() >= 6 && word.ends_with("et") && stem == word {
            out.push(self.sv.stem(&word[..word.len() - 2]).into_owned());
        }
        // Spoken definite -arn for -aren ("mätarn", "läkarn", "ägarn"), common in chat;
        // Snowball strips -aren but not -arn.
        if word.len() >= 7 && word.ends_with("arn") && stem == word {
            let written = format!("{}en", &word[..word.len() - 1]);
            out.push(self.sv.stem(&written).into_owned());
        }
        // Weak past tense -de/-te ("grävde", "köpte", "tömde" → as "gräva", "köpa", "tömma"),
        // which Snowball leaves whole.
        if word.len() >= 5
            && (word.ends_with("de") || word.ends_with("te"))
            && let Some(base) = word.get(..word.len() - 2)
            && base.chars().count() >= 3
            && base.ends_with(|c: char| !"aeiouy".contains(c))
        {
            // Not onto a stop word: "hände", "sände" are no "han", "sån".
            let v = self.sv.stem(base).into_owned();
            if !self.stop_sv.contains(v.as_str()) {
                out.push(v);
            }
        }
        // -a verbs with a vowel pair ("snöa", "snöar", "snöat", "snöade"): Snowball's R1 begins
        // after the pair, so it keeps their endings.
        for suffix in ["ad", "at", "ar"] {
            if let Some(base) = stem.strip_suffix(suffix)
                && base.chars().count() >= 3
                && base.ends_with(|c: char| "aeiouy".contains(c))
            {
                out.push(base.to_owned());
            }
        }
        if let Some(base) = stem.strip_suffix("ning")
            && base.chars().count() >= 3
        {
            out.push(base.to_owned());
        }
        out.retain(|v| v != stem && v.chars().count() >= 3);
        out
    }

    /// Stems a word may have when it is a supine or past form Snowball leaves whole
    /// ("ställt", "grävt", "bott", "spydde" → as "ställa", "gräva", "bo", "spy"). Only for
    /// words the FAQ does not know: many nouns end so too ("tomt", "kort"), and where the
    /// word itself is known it is that word.
    pub fn inflected_bases(&self, word: &str) -> Vec<String> {
        let vowel = |c: char| "aeiouy".contains(c);
        let mut bases = Vec::new();
        // -dde and -tt after a vowel: verbs whose stem ends in one ("bodde", "trott").
        for suffix in ["dde", "tt"] {
            if let Some(base) = word.strip_suffix(suffix)
                && base.ends_with(vowel)
            {
                bases.push(base);
            }
        }
        // -t after a consonant other than t: the supine of weak verbs ("ställt", "köpt").
        if let Some(base) = word.strip_suffix('t')
            && base.ends_with(|c: char| !vowel(c) && c != 't')
        {
            bases.push(base);
        }
        bases
            .into_iter()
            .filter(|b| b.chars().count() >= 3)
            .map(|b| self.sv.stem(b).into_owned())
            .filter(|v| v.chars().count() >= 3 && !self.stop_sv.contains(v.as_str()))
            .collect()
    }

    /// The stems of a text's content words (stop words left out): how the matcher reads a
    /// glossary term ("care at home" is "care home" to it).
    pub fn content_stems(&self, text: &str, lang: Lang) -> Vec<String> {
        self.words(text)
            .into_iter()
            .filter(|w| !self.is_stop(w, lang))
            .map(|w| self.stem(&w, lang))
            .collect()
    }

    pub fn stem(&self, word: &str, lang: Lang) -> String {
        match lang {
            Lang::Sv => self.sv.stem(word).into_owned(),
            Lang::En => self.en.stem(word).into_owned(),
        }
    }
}

/// The words of an already folded text: runs of letters and digits, numbers and overlong
/// runs left out.
pub fn spans(folded: &str) -> impl Iterator<Item = &str> {
    runs(folded)
        .filter(|w| !w.bytes().all(|b| b.is_ascii_digit()))
        // Nobody asks with a 40-letter word; long runs are noise (or an attack) and only
        // cost time downstream.
        .filter(|w| w.len() <= 40 || w.chars().count() <= 40)
}

/// The runs of letters and digits in `text`: its words, numbers among them.
fn runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// `text` with an age said with "fyller" ("fyller 50", "fyllde 3 år", "fyller tre år",
/// "fyllde år") written as "ålder": the verb of an age is not the one of filling soil on a
/// plot ("pappa fyller 50, kan vi hyra en festlokal" is no question about marklov), and an
/// age is a matter of its own ("förskolan är gratis från det år barnet fyller tre år").
/// Numbers are no words to the analyzer, so this is read off the text itself. A number
/// followed by a unit ("fyllde 30 cm jord") is an amount; a number word is an age with its
/// "år", or where what is said ends or says when ("när barnet fyllt tre?", "fyller tre i
/// maj"), not before a noun ("fyllde tre säckar"), and "en"/"ett" only with "år" ("fyller
/// en säck").
pub fn ages(text: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    const VERBS: &[&str] = &["fyller", "fyllde", "fyllt", "fylla"];
    #[rustfmt::skip]
    const UNITS: &[&str] = &[
        "mm", "cm", "dm", "m", "meter", "metern", "kubik", "kubikmeter", "m3", "ton", "kg",
        "kilo", "liter", "lass", "procent", "kvm", "st", "stycken", "säckar", "sackar",
    ];
    const NUMBERS: &[&str] = &[
        "ett", "en", "två", "tva", "tre", "fyra", "fem", "sex", "sju", "åtta", "atta", "nio",
        "tio", "elva", "tolv", "tretton", "fjorton", "femton", "sexton", "sjutton", "arton",
        "nitton", "tjugo", "trettio", "fyrtio", "femtio", "sextio", "sjuttio", "åttio", "attio",
        "nittio", "hundra",
    ];
    const WHEN: &[&str] = &[
        "i", "på", "pa", "nu", "snart", "nästa", "nasta", "idag", "imorgon", "igår", "igar", "och",
        "så", "sa", "till",
    ];
    if !text
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"fyll"))
    {
        return Cow::Borrowed(text);
    }
    // Byte ranges of the words as `spans` cuts them, numbers kept.
    let tokens: Vec<(usize, usize)> = runs(text)
        .map(|w| {
            let at = w.as_ptr() as usize - text.as_ptr() as usize;
            (at, at + w.len())
        })
        .collect();
    let word = |k: usize| {
        tokens
            .get(k)
            .map_or(String::new(), |&(s, e)| text[s..e].to_lowercase())
    };
    let year = |k: usize| matches!(word(k).as_str(), "år" | "ar");
    // A number word that ends what is said ("när barnet har fyllt tre?") or is followed by
    // when ("fyller tre i oktober"): an age, not an amount ("fyllde tre säckar").
    let said = |k: usize| {
        let end = tokens[k].1;
        let next = tokens.get(k + 1).map_or(text.len(), |t| t.0);
        text[end..next].contains(['.', ',', '?', '!', ';', ':'])
            || k + 1 == tokens.len()
            || WHEN.contains(&word(k + 1).as_str())
    };
    // The byte ranges of the ages found.
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while k < tokens.len() {
        if !VERBS.contains(&word(k).as_str()) {
            k += 1;
            continue;
        }
        let n = word(k + 1);
        let digits = !n.is_empty()
            && n.len() <= 3
            && n.bytes().all(|b| b.is_ascii_digit())
            && n.parse::<u32>().is_ok_and(|n| n <= 120);
        let last = if digits && !UNITS.contains(&word(k + 2).as_str()) {
            Some(if year(k + 2) { k + 2 } else { k + 1 })
        } else if NUMBERS.contains(&n.as_str()) && year(k + 2) {
            Some(k + 2)
        } else if year(k + 1)
            || NUMBERS.contains(&n.as_str()) && !matches!(n.as_str(), "en" | "ett") && said(k + 1)
        {
            Some(k + 1)
        } else {
            None
        };
        match last {
            Some(last) => {
                found.push((tokens[k].0, tokens[last].1));
                k = last + 1;
            }
            None => k += 1,
        }
    }
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    // Written as the rest of the text is, with å, ä and ö or without: the age's "år" must
    // not make a writer without them look like one who types them (see `Lexicon::written`).
    let marked = text
        .char_indices()
        .any(|(i, c)| "åäöÅÄÖ".contains(c) && !found.iter().any(|&(s, e)| (s..e).contains(&i)));
    let age = if marked { "ålder" } else { "alder" };
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for &(s, e) in &found {
        out.push_str(&text[done..s]);
        out.push_str(age);
        done = e;
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

/// Lowercases and strips diacritics and combining marks (which also flattens "zalgo" text).
pub fn fold(text: &str) -> String {
    fold_with(text, false)
}

/// As [`fold`], but keeps å, ä and ö: the word as written, to tell "mat" from "mät" where
/// the writer types them. Its words line up one to one with those of [`fold`].
pub fn fold_marked(text: &str) -> String {
    fold_with(text, true)
}

/// [`fold`] of a text already folded by [`fold_marked`]: only its å, ä and ö change, so
/// this is a cheap map where folding again would decompose every letter.
pub fn unmark(marked: &str) -> String {
    if marked.is_ascii() {
        return marked.to_owned();
    }
    marked.chars().map(unmark_char).collect()
}

/// A letter of a folded-marked text as [`fold`] has it: å and ä are a, ö is o.
fn unmark_char(c: char) -> char {
    match c {
        'å' | 'ä' => 'a',
        'ö' => 'o',
        c => c,
    }
}

/// Whether a folded-marked word holds å, ä or ö.
pub fn is_marked(word: &str) -> bool {
    word.contains(['å', 'ä', 'ö'])
}

/// Whether a word as written may be a plural that turns its stem's a/o into ä/ö
/// ("stränder", "städer", "nätter", "böcker", "söner"): its ä/ö may stand for a plain a/o,
/// so how it is written says nothing against a stem written plain.
pub fn umlaut_plural(written: &str) -> bool {
    !written.contains('å')
        && ["er", "erna", "ers", "ernas"]
            .iter()
            .any(|e| written.ends_with(e))
}

/// The start of a word as written (see [`fold_marked`]) that folds to `stem`: "råttan" and
/// the stem "ratt" give "rått". Stems and their variants are compared this way, cut where
/// folding cuts, since Snowball may stem a word with å/ä/ö differently ("område" keeps its
/// "-åde" where "omrade" loses "-ade"). `None` when the word does not start with the stem.
pub fn written_prefix<'a>(stem: &str, marked: &'a str) -> Option<&'a str> {
    let mut chars = marked.char_indices();
    let mut end = 0;
    for s in stem.chars() {
        let (i, m) = chars.next()?;
        if unmark_char(m) != s {
            return None;
        }
        end = i + m.len_utf8();
    }
    Some(&marked[..end])
}

fn fold_with(text: &str, keep_swedish: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // Most text is ASCII; decomposing it is pure overhead at index-build time.
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        match c {
            'å' | 'Å' if keep_swedish => out.push('å'),
            'ä' | 'Ä' if keep_swedish => out.push('ä'),
            'ö' | 'Ö' if keep_swedish => out.push('ö'),
            // Decomposed text (a + ring, a/o + diaeresis, as pasted from some PDFs and Macs)
            // is the same å/ä/ö: compose it, or the word would read as written plain.
            '\u{30A}' | '\u{308}' if keep_swedish && out.ends_with(['a', 'o']) => {
                let base = out.pop();
                out.push(match (base, c) {
                    (Some('a'), '\u{30A}') => 'å',
                    (Some('a'), _) => 'ä',
                    (Some('o'), '\u{308}') => 'ö',
                    // o + ring is no Swedish letter; folded, as any other mark.
                    _ => 'o',
                });
            }
            'æ' | 'Æ' => out.push('a'),
            'ø' | 'Ø' => out.push('o'),
            'ß' => out.push_str("ss"),
            _ => decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    out.extend(d.to_lowercase());
                }
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("När PLOGAS gatan?"), "nar plogas gatan?");
        assert_eq!(fold("Snöröjning"), "snorojning");
        assert_eq!(fold("z̷̛a̶l̴g̵o"), "zalgo");
        // Decomposed å/ä/ö are kept as written, like the composed ones.
        assert_eq!(
            fold_marked("Ra\u{308}tt till O\u{308}ppet"),
            "rätt till öppet"
        );
        assert_eq!(fold_marked("ra\u{30A}tta"), "råtta");
        assert_eq!(fold("ra\u{30A}tta"), "ratta");
        for t in ["När PLOGAS gatan?", "Ra\u{308}tt", "z̷̛a̶l̴g̵o", "Straße ÆØ ǻ İ"] {
            assert_eq!(unmark(&fold_marked(t)), fold(t), "{t}");
        }
    }

    #[test]
    fn words_and_language() {
        let a = Analyzer::default();
        let w = a.words("Hur söker jag bygglov för 12 kvm?");
        assert_eq!(w, vec!["hur", "soker", "jag", "bygglov", "for", "kvm"]);
        assert_eq!(a.detect(&w), Lang::Sv);
        let w = a.words("How do I apply for a building permit?");
        assert_eq!(a.detect(&w), Lang::En);
    }

    #[test]
    fn stems_meet_across_inflections() {
        let a = Analyzer::default();
        let s = |w: &str| a.stem(&fold(w), Lang::Sv);
        assert_eq!(s("plogvallen"), s("plogvall"));
        assert_eq!(s("gata"), s("gator"));
        // Snowball keeps the definite -an; the variant brings it home.
        assert!(a.variants("gatan", &s("gatan")).contains(&s("gata")));
        assert!(a.variants("ansokan", &s("ansökan")).contains(&s("ansöka")));
        assert!(a.variants("plogning", &s("plogning")).contains(&s("ploga")));
        assert!(
            a.variants("bygglovet", &s("bygglovet"))
                .contains(&s("bygglov"))
        );
        assert!(a.variants("havet", &s("havet")).is_empty());
        // …and the definite -n after o, u, y or i.
        for (w, base) in [("snön", "snö"), ("bron", "bro"), ("sjön", "sjö")] {
            assert!(a.variants(&fold(w), &s(w)).contains(&s(base)), "{w}");
        }
        // Weak past tense and -a verbs with a vowel pair.
        assert!(a.variants("gravde", &s("grävde")).contains(&s("gräva")));
        assert!(a.variants("kopte", &s("köpte")).contains(&s("köpa")));
        for w in ["snöat", "snöade", "snöar"] {
            assert!(a.variants(&fold(w), &s(w)).contains(&s("snö")), "{w}");
        }
        // Not on a vowel before -de, nor on a short base ("stad" is no verb).
        assert!(a.variants("ide", &s("ide")).is_empty());
        assert!(a.variants("stad", &s("stad")).is_empty());
        assert!(a.variants("hande", &s("hände")).is_empty());
        // Supine and past forms Snowball leaves whole, for words the FAQ lacks.
        let b = |w: &str| a.inflected_bases(&fold(w));
        assert!(b("ställt").contains(&s("ställa")));
        assert!(b("grävt").contains(&s("gräva")));
        assert!(b("spydde").contains(&s("spy")));
        assert!(b("spytt").contains(&s("spy")));
        // Not after a vowel or another t, nor onto a short base.
        assert!(b("skatt").is_empty() && b("sett").is_empty());
        assert!(b("betala").is_empty());
        // Spoken -arn meets the written -aren.
        assert!(
            a.variants("vattenmatarn", &s("vattenmätarn"))
                .contains(&s("vattenmätaren"))
        );
    }

    #[test]
    fn banter_is_talk_to_the_bot_not_a_matter() {
        let a = Analyzer::default();
        let dropped = |text: &str| -> Vec<String> {
            let words = a.words(text);
            let banter = a.banter(&words);
            words
                .into_iter()
                .zip(banter)
                .filter(|(_, b)| *b)
                .map(|(w, _)| w)
                .collect()
        };
        assert_eq!(dropped("din dumma bot"), ["dumma", "bot"]);
        assert_eq!(dropped("är du en bot?"), ["bot"]);
        assert_eq!(dropped("är du en riktig människa eller en bot"), ["bot"]);
        assert_eq!(dropped("are you a human or a bot"), ["bot"]);
        assert_eq!(dropped("you stupid bot"), ["stupid", "bot"]);
        // A parking fine stays a matter, even when the message speaks to the bot.
        assert!(dropped("kan du hjälpa mig med min p-bot").is_empty());
        assert!(dropped("jag fick en bot igår").is_empty());
        assert!(dropped("kan du hjälpa mig, jag har fått en bot").is_empty());
        // Everyday judgement describes matters.
        assert!(dropped("vattnet smakar dåligt").is_empty());
    }
}
