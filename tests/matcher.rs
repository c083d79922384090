//! The matcher, one phrasing per line, against the shipped FAQ. A new phrasing that citizens
//! use is one more line here.

use std::path::Path;
use std::sync::OnceLock;

use kommunbot::answer::{Engine, Glossary, Outcome, Thresholds};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let faq = kommunbot::faq::load_strict(Path::new("faq")).expect("shipped faq loads");
        Engine::new(&faq, Glossary::base()).expect("engine builds")
    })
}

/// The engine over the shared eval FAQ, for behaviour found on the written question sets.
fn eval_engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let faq =
            kommunbot::faq::load_strict(Path::new("../shared/eval/faq")).expect("eval faq loads");
        Engine::new(&faq, Glossary::base()).expect("engine builds")
    })
}

/// Asserts that `explain` labels a term of `word` in `question` as a concept (`≈`) with
/// `mark` ("stavning", "utan å/ä/ö").
fn assert_concept_marked(engine: &Engine, question: &str, word: &str, mark: &str) {
    let ex = engine.explain(question);
    let (_, terms) = ex
        .words
        .iter()
        .find(|(w, _)| w == word)
        .unwrap_or_else(|| panic!("no word {word:?} in {question:?}"));
    assert!(
        terms
            .iter()
            .any(|(label, _, _)| label.starts_with('≈') && label.contains(mark)),
        "{word}: {terms:?}"
    );
}

#[derive(Debug)]
enum Expect {
    /// Answered directly with this entry.
    Answer(&'static str),
    /// This entry is the answer or among the "Menade du…?" choices.
    Helpful(&'static str),
    /// Nothing is answered (suggestions are not an answer either).
    NoAnswer,
    /// Neither an answer nor choices: the no-answer reply.
    Nothing,
}
use Expect::*;

#[rustfmt::skip]
const TABLE: &[(&str, Expect)] = &[
    // canonical and inflected
    ("När plogas min gata?",                          Answer("snorojning/nar-plogas-min-gata")),
    ("plogvallen framför infarten",                    Answer("snorojning/plogvall-vid-infarten")),
    ("vem tar bort snövallen vid uppfarten",           Answer("snorojning/plogvall-vid-infarten")),
    ("vill riva ett gammalt uthus",                    Answer("bygglov/rivningslov")),
    ("får jag bygga en friggebod på 15 kvm",           Answer("bygglov/friggebod")),
    // missing å/ä/ö
    ("nar plogas gatan",                               Answer("snorojning/nar-plogas-min-gata")),
    ("oppettider kommuncenter",                        Answer("kommuncenter/oppettider")),
    // compounds
    ("bygglovsansökan vilka ritningar",                Answer("bygglov/ansoka-om-bygglov")),
    ("hur lång är handläggningstiden för bygglov",     Answer("bygglov/handlaggningstid-bygglov")),
    ("attefallshus 30 kvm anmälan",                    Answer("bygglov/attefallsatgarder")),
    ("registrera livsmedelsanläggning",                Answer("livsmedel/registrera-livsmedelsverksamhet")),
    // typos
    ("bygglof för altan",                              Answer("bygglov/altan-och-staket")),
    ("snöröjnig på min gata",                          Helpful("snorojning/nar-plogas-min-gata")),
    // a compound written apart, also misspelt
    ("snö röjning på min gata",                        Answer("snorojning/nar-plogas-min-gata")),
    ("hur lång är handlägnings tiden för bygglov",     Answer("bygglov/handlaggningstid-bygglov")),
    // colloquial and glossary words
    ("jag ska öppna ett kafé i vår",                   Answer("livsmedel/registrera-livsmedelsverksamhet")),
    ("sälja hembakade bullar hemifrån",                Answer("livsmedel/salja-mat-hemifran")),
    ("blev magsjuk efter middagen på restaurangen",    Answer("livsmedel/misstankt-matforgiftning")),
    ("smutsigt kök på pizzerian",                      Answer("livsmedel/klagomal-pa-livsmedel")),
    ("gatlampan är trasig",                            Answer("kommuncenter/felanmalan")),
    ("jag har inget bankid",                           Answer("kommuncenter/utan-bankid")),
    ("hur får jag ut protokoll",                       Answer("kommuncenter/allmanna-handlingar")),
    ("brygga vid sjön strandskydd",                    Answer("bygglov/strandskydd")),
    ("food truck på torget",                           Answer("livsmedel/food-truck")),
    ("vad kostar bygglovet",                           Helpful("bygglov/avgift-for-bygglov")),
    ("vill klaga på kommunen",                         Helpful("kommuncenter/synpunkter-och-klagomal")),
    ("kan jag få hjälp på arabiska när jag ringer er",  Answer("kommuncenter/hjalp-pa-andra-sprak")),
    ("vill läsa protokollen från senaste nämndmötet",   Answer("kommuncenter/allmanna-handlingar")),
    ("vår enskilda väg har inte plogats, vem ansvarar", Answer("snorojning/snorojning-enskild-vag")),
    ("när kan vi flytta in, vi väntar på slutbesked",   Answer("bygglov/startbesked-och-slutbesked")),
    ("grannen har ställt bilen på gatan så plogbilen inte kommer fram",
                                                       Answer("snorojning/parkerade-bilar-vid-plogning")),
    ("det hänger stora istappar från taket på huset bredvid, vem ska ta bort dem",
                                                       Answer("snorojning/istappar-och-takras")),
    ("min son är allergisk mot nötter, måste restaurangen tala om vad maten innehåller",
                                                       Answer("livsmedel/allergener-och-markning")),
    // English, also where the entry has no English phrasing
    ("When will my street be ploughed?",               Answer("snorojning/nar-plogas-min-gata")),
    ("Do I need a building permit for a shed?",        Answer("bygglov/friggebod")),
    ("How do I register a food business?",             Answer("livsmedel/registrera-livsmedelsverksamhet")),
    ("What are your opening hours?",                   Answer("kommuncenter/oppettider")),
    ("who removes the snow pile in my driveway",       Helpful("snorojning/plogvall-vid-infarten")),
    // a long story around a short question
    ("hej! vi har en villa och det har snöat hela natten, vår gata är fortfarande inte plogad och vi ska till jobbet, när kommer plogbilen egentligen?",
                                                       Helpful("snorojning/nar-plogas-min-gata")),
    // chit-chat, nonsense and questions outside the FAQ
    ("hej",                                            NoAnswer),
    ("tack så mycket",                                 NoAnswer),
    ("test test",                                      NoAnswer),
    ("asdfghjkl qwerty",                               NoAnswer),
    ("vem vann melodifestivalen 1974?",                NoAnswer),
    ("vad kostar en ny iphone",                        NoAnswer),
    ("din dumma bot",                                  NoAnswer),
    // a generic word one entry holds, beside a matter the FAQ lacks entirely
    ("raketer tillstånd",                              NoAnswer),
    // a shared word beside a matter no entry knows (fire), most of the question
    ("får jag grilla på stranden",                     NoAnswer),
    // one word shared with an entry's answer, nothing of how the entry is asked
    ("hur blir man livsmedelsinspektör",               NoAnswer),
    // mostly about a matter no entry knows: no choices of entries about something else
    ("hur byter jag elavtal?",                         Nothing),
    ("vad blir det för skolmat den här veckan?",       Nothing),
    // a keyword alone is the entry's; a general entry asked about a detail it does not name
    ("slutbesked",                                     Answer("bygglov/startbesked-och-slutbesked")),
    ("mina sidor",                                     Answer("kommuncenter/e-tjanster")),
    ("attefall regler",                                Answer("bygglov/attefallsatgarder")),
    // a name the asker gives is no matter of the question ("björn" is also a bear)
    ("jag är björn och vill bygga en altan",           Answer("bygglov/altan-och-staket")),
    // the färdtjänst entry says how its decision is appealed; a matter without an entry of
    // its own is still offered the general appeal entry
    ("kan jag överklaga beslut om färdtjänst",         Answer("kommuncenter/fardtjanst")),
    ("kan jag överklaga beslut om bostadsanpassning",  Helpful("kommuncenter/overklaga-beslut")),
    ("behöver jag bygglov för en värmepump",           Helpful("bygglov/behover-jag-bygglov")),
    ("får jag sälja ägg från mina höns",               Helpful("livsmedel/salja-mat-hemifran")),
    // matters a review found answered with an entry sharing one word, now entries of their own
    ("Hur överklagar jag en parkeringsbot?",           Answer("kommuncenter/parkeringsbot")),
    ("vad är telefonnumret till hemtjänsten",          Answer("kommuncenter/hemtjanst")),
    ("Hur söker jag jobb hos kommunen?",               Answer("kommuncenter/lediga-jobb")),
    ("Hur anmäler man sig till SFI?",                  Answer("kommuncenter/sfi")),
    ("jag tar hand om min sjuka man, finns det avlösning?", Answer("kommuncenter/hemtjanst")),
    ("vi vill fylla på jord så tomten blir en meter högre, behövs lov?", Answer("bygglov/marklov")),
    ("Min pappa har svårt att gå, kan han få färdtjänst?", Answer("kommuncenter/fardtjanst")),
    ("how do I get the subsidised taxi for disabled people?", Answer("kommuncenter/fardtjanst")),
    ("Kan jag få riksfärdtjänst för att hälsa på min syster i Göteborg?", Answer("kommuncenter/fardtjanst")),
    ("någon har parkerat framför vår infart så vi kommer inte ut, vem kontaktar jag?", Helpful("kommuncenter/parkering")),
    // ... and the words they share with other matters: leave from school, an age, paper,
    // "care" stemmed as Swedish
    ("Kan vi få ledigt från skolan en vecka?",         NoAnswer),
    ("Sonen fyller 1 år i mars. När måste jag söka dagis?", NoAnswer),
    ("min pappa fyller 50, kan vi hyra en festlokal?", NoAnswer),
    ("kan man skriva ut papper på biblioteket och vad kostar det", NoAnswer),
    ("is there anywhere to charge an electric car in the centre?", NoAnswer),
    ("hur ansöker man om uppehållstillstånd",          NoAnswer),
    // A towed car: the FAQ has no entry, and "hämta" is no fetching of sand.
    ("min bil har blivit bortbogserad, var hämtar jag den?", NoAnswer),
];

fn check(question: &str, expect: &Expect) -> Result<(), String> {
    check_with(engine(), question, expect)
}

fn check_with(engine: &Engine, question: &str, expect: &Expect) -> Result<(), String> {
    let got = engine.ask(question);
    let ok = match (expect, &got) {
        (Answer(id), Outcome::Answer { entry, .. }) => entry.as_str() == *id,
        (Helpful(id), Outcome::Answer { entry, .. }) => entry.as_str() == *id,
        (Helpful(id), Outcome::Suggest { entries }) => {
            entries.iter().any(|(e, _)| e.as_str() == *id)
        }
        (NoAnswer, Outcome::NoAnswer { .. } | Outcome::Suggest { .. }) => true,
        (Nothing, Outcome::NoAnswer { .. }) => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{question:?}: expected {expect:?}, got {got:?}"))
    }
}

#[test]
fn phrasing_table() {
    let failures: Vec<String> = TABLE
        .iter()
        .filter_map(|(q, e)| check(q, e).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} phrasings failed:\n{}",
        failures.len(),
        TABLE.len(),
        failures.join("\n")
    );
}

#[test]
fn greetings_and_thanks_are_chat_not_unknown_questions() {
    for q in [
        "hej",
        "Hej hej!",
        "tack så mycket",
        "hallå?",
        "",
        "🙂",
        // talk to the bot itself
        "din dumma bot",
        "är du en bot?",
        "you stupid bot",
    ] {
        assert!(
            matches!(engine().ask(q), Outcome::NoAnswer { chat: true, .. }),
            "{q:?}"
        );
    }
    assert!(matches!(
        engine().ask("vem vann melodifestivalen 1974?"),
        Outcome::NoAnswer { chat: false, .. }
    ));
}

#[test]
fn explain_names_the_terms_that_matched() {
    let ex = engine().explain("bygglof för altan");
    let top = &ex.candidates[0];
    assert_eq!(top.entry.as_str(), "bygglov/altan-och-staket");
    assert!(
        top.matched
            .iter()
            .any(|(w, t)| w == "bygglof" && t.contains("bygglov")),
        "{:?}",
        top.matched
    );
    assert!(top.coverage > 0.0 && top.fit > 0.0);
}

/// A direct answer needs the question to touch what the entry is about, not a word it
/// mentions once in passing: "berätta" in one phrasing of the public-records entry does not
/// make "berätta ett skämt" a question about public records.
#[test]
fn a_word_an_entry_mentions_in_passing_makes_no_direct_answer() {
    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("kommuncenter");
    std::fs::create_dir(&theme).unwrap();
    std::fs::write(theme.join("_theme.toml"), "name = \"Kommuncenter\"\n").unwrap();
    std::fs::write(
        theme.join("allmanna-handlingar.md"),
        "+++\nquestion = \"Hur begär jag ut en allmän handling?\"\n\
         alternates = [\"Måste jag berätta varför jag vill ha en handling?\"]\n\
         keywords = [\"allmän handling\", \"offentlighetsprincipen\"]\n+++\n\
         Du kan begära ut allmänna handlingar från kommunen. Du behöver inte säga vem du är \
         eller varför du vill ha handlingen.\n",
    )
    .unwrap();
    std::fs::write(
        theme.join("oppettider.md"),
        "+++\nquestion = \"När har kommuncenter öppet?\"\n+++\n\
         Kommuncenter har öppet vardagar.\n",
    )
    .unwrap();
    let faq = kommunbot::faq::load_strict(dir.path()).expect("test faq loads");
    let engine = Engine::new(&faq, Glossary::base()).expect("engine builds");
    let joke = engine.explain("berätta ett skämt");
    assert!(
        joke.evidence.subject < 0.1,
        "subject {}",
        joke.evidence.subject
    );
    check_with(&engine, "berätta ett skämt", &NoAnswer).unwrap();
    // The entry's subject, asked about, is answered.
    check_with(
        &engine,
        "hur får jag ut en allmän handling från kommunen",
        &Answer("kommuncenter/allmanna-handlingar"),
    )
    .unwrap();
}

/// No direct answer leaves most of what a question names unexplained: a question about a job
/// in home care names home care, but mostly a job, which no entry covers. Against the eval
/// FAQ, where the question (from written set A) was answered with the home-care entry.
#[test]
fn a_question_mostly_about_another_matter_gets_no_direct_answer() {
    let engine = eval_engine();
    let job = engine.explain("hur söker man jobb som undersköterska i hemtjänsten");
    assert_eq!(
        job.candidates[0].entry.as_str(),
        "aldreomsorg/ansoka-om-hemtjanst"
    );
    assert!(
        job.evidence.unexplained > 0.6,
        "unexplained {}",
        job.evidence.unexplained
    );
    check_with(
        engine,
        "hur söker man jobb som undersköterska i hemtjänsten",
        &NoAnswer,
    )
    .unwrap();
    // Home care itself, asked about, is answered.
    check_with(
        engine,
        "hur söker man hemtjänst till min mamma",
        &Answer("aldreomsorg/ansoka-om-hemtjanst"),
    )
    .unwrap();
}

/// English stems meet: the glossary's "felling" (of trees) stemmed as "fell", the past of
/// "fall", so "I fell on the ice" was a question about trees. The tree group says "tree
/// felling" now, a phrase matched as written.
#[test]
fn falling_on_the_ice_is_no_tree_felling() {
    let ex = engine().explain("I fell on the ice on the pavement, does the municipality pay?");
    let (_, terms) = ex
        .words
        .iter()
        .find(|(w, _)| w == "fell")
        .expect("the word fell");
    assert!(
        terms.iter().all(|(label, _, _)| !label.contains("träd")),
        "{terms:?}"
    );
    assert_concept_marked(engine(), "we want to cut down a tree", "tree", "träd");
}

/// A distinct word alone is not enough when the question covers little of how the entry is
/// asked: "flytta" is the abandoned-car entry's own (cars are moved away), but a question
/// about reporting a move to a new address shares nothing else with it. Against the eval
/// FAQ, where the question (from written set B) was answered with that entry.
#[test]
fn a_distinct_word_alone_needs_some_of_the_entrys_phrasing() {
    let engine = eval_engine();
    let moving = engine.explain("Hur anmäler jag flytt till ny adress?");
    let top = &moving.candidates[0];
    assert_eq!(top.entry.as_str(), "parkering/overgivet-fordon");
    assert!(moving.evidence.distinct >= 0.7, "{:?}", moving.evidence);
    assert!(top.fit < 0.25, "fit {}", top.fit);
    check_with(engine, "Hur anmäler jag flytt till ny adress?", &NoAnswer).unwrap();
    // The entry's own matter, in other words, is answered.
    check_with(
        engine,
        "hur anmäler jag en bil som står övergiven på gatan",
        &Answer("parkering/overgivet-fordon"),
    )
    .unwrap();
}

/// An English question meets an entry without English phrasings through glossary concepts
/// alone, and a concept counts less than a word's own stem: the same evidence scores lower,
/// so the bars for a direct answer are lower too. Against the eval FAQ (no English phrasings),
/// with a question from written set A that scores under the Swedish bar.
#[test]
fn an_english_question_to_a_swedish_only_entry_has_lower_bars() {
    let engine = eval_engine();
    let q = "My son is 15, is he allowed to use the library when it's unstaffed in the evening?";
    let library = engine.explain(q);
    assert!(library.evidence.translated);
    assert!(
        library.candidates[0].score < Thresholds::default().answer,
        "score {}",
        library.candidates[0].score
    );
    check_with(
        engine,
        q,
        &Answer("bibliotek-kultur/bibliotekets-oppettider-och-meroppet"),
    )
    .unwrap();
    // A Swedish question meets the entry's own words: the bars stay.
    let swedish = engine.explain("får min son på 15 gå in på biblioteket när det är obemannat?");
    assert!(!swedish.evidence.translated);
}

/// A typo repair's guess names no matter of the question's own: without å/ä/ö, "11-aring"
/// (11-åring) is one letter from "arving" (heir), a glossary word no entry has. Weighed as a
/// named matter the FAQ lacks, the guess kept a plain question about after-school care from
/// its answer; weighed as the unknown word it is, the question is answered. Against the eval
/// FAQ, with a question from written set A typed without å/ä/ö.
#[test]
fn a_typo_repairs_guess_names_no_matter() {
    let engine = eval_engine();
    let q = "finns det fritids for en 11-aring?";
    assert_concept_marked(engine, q, "aring", "stavning");
    check_with(engine, q, &Answer("skola-forskola/fritidshem")).unwrap();
}

/// A reading that needs lost å/ä/ö does not set a word's weight: typed without them,
/// "bygglov" holds "lov", which may be "löv" (leaves), rarer in the FAQ than "lov" itself.
/// Weighed by that rarest reading, the building-permit entry covered too little of the
/// question to answer it, though it answers the same question typed with å/ä/ö. Against the
/// eval FAQ, with a question from written set A typed without å/ä/ö.
#[test]
fn a_reading_that_needs_lost_marks_does_not_weigh_the_word() {
    let engine = eval_engine();
    let plain = "behovs det bygglov for solceller pa villataket?";
    assert_concept_marked(engine, plain, "bygglov", "utan å/ä/ö");
    let expect = Answer("bygglov/behover-jag-bygglov");
    check_with(
        engine,
        "behövs det bygglov för solceller på villataket?",
        &expect,
    )
    .unwrap();
    check_with(engine, plain, &expect).unwrap();
}

/// A question asked as a guide wrote one of an entry's phrasings is answered with that entry,
/// however close its siblings score: "Behöver jag bygglov?" had only "Menade du…?". Case,
/// punctuation and marks aside, as `check` compares phrasings.
#[test]
fn every_phrasing_a_guide_wrote_is_answered_with_its_entry() {
    let faq = kommunbot::faq::load_strict(Path::new("faq")).expect("shipped faq loads");
    let mut failures = Vec::new();
    for e in faq.served() {
        for p in e.phrasings() {
            for asked in [p.to_owned(), p.to_lowercase().replace('?', "")] {
                match engine().ask(&asked) {
                    Outcome::Answer { entry, .. } if entry == e.id => {}
                    got => failures.push(format!("{asked:?}: want {}, got {got:?}", e.id)),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One word that several entries are about names a theme, not a question: "snö" gets
/// "Menade du…?" with the likely ones, not one of them as if it had been asked. A word one
/// entry is about ("friggebod") is answered.
#[test]
fn one_broad_word_gets_choices_a_specific_one_an_answer() {
    for word in ["snö", "bygglov", "livsmedel"] {
        match engine().ask(word) {
            Outcome::Suggest { entries } => assert!(entries.len() >= 2, "{word}: {entries:?}"),
            other => panic!("{word}: {other:?}"),
        }
    }
    for (word, entry) in [
        ("friggebod", "bygglov/friggebod"),
        ("plogvall", "snorojning/plogvall-vid-infarten"),
    ] {
        check(word, &Answer(entry)).unwrap();
    }
}

/// Questions a reviewer wrote for the shipped FAQ in the twelfth session (2026-11-25), to
/// probe a new färdtjänst entry, wrongly parked cars, ages and mixed writing: 228, 66 of
/// them about neighbouring matters no entry answers (sjukresor, taxis, school buses). The
/// session's glossary and text changes were made after it, so it is no clean measure; it
/// keeps the shipped FAQ from losing what it answers. Measured then, balanced: acc1 0.809,
/// helpful 0.895, wrong 0.056, false_answer 0.258 (the FAQ and binary before the session:
/// 0.556, 0.648, 0.093, 0.136).
#[test]
fn the_shipped_faq_keeps_answering_its_review_questions() {
    let text = std::fs::read_to_string("tests/data/questions-shipped-j.jsonl").expect("questions");
    let questions = kommunbot::eval::parse_jsonl(&text).expect("questions parse");
    let r = kommunbot::eval::run(engine(), &questions);
    let f = &r.figures;
    let summary = r.to_text(30);
    assert_eq!(f.n, 228, "{summary}");
    assert!(f.acc1 >= 0.78, "acc1 {:.3}\n{summary}", f.acc1);
    assert!(f.helpful >= 0.87, "helpful {:.3}\n{summary}", f.helpful);
    assert!(f.wrong <= 0.07, "wrong {:.3}\n{summary}", f.wrong);
    assert!(
        f.false_answer <= 0.28,
        "false_answer {:.3}\n{summary}",
        f.false_answer
    );
}
