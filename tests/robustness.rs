//! Bad input never panics and gets a sensible outcome: empty, huge, emoji, zalgo,
//! control characters, mixed scripts, and (property test) arbitrary strings.

use std::path::Path;
use std::sync::OnceLock;

use kommunbot::answer::{Engine, Glossary, Outcome};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let faq = kommunbot::faq::load_strict(Path::new("faq")).expect("shipped faq loads");
        Engine::new(&faq, Glossary::base()).expect("engine builds")
    })
}

fn is_no_answer(o: &Outcome) -> bool {
    matches!(o, Outcome::NoAnswer { .. })
}

#[test]
fn empty_and_blank_questions_get_no_answer() {
    for q in [
        "",
        " ",
        "\n\t  \r\n",
        "???",
        "!!! ... ,,,",
        "\u{200b}\u{feff}",
    ] {
        assert!(is_no_answer(&engine().ask(q)), "{q:?}");
    }
}

#[test]
fn emoji_zalgo_control_characters_and_mixed_scripts() {
    for q in [
        "🎉🎉🎉 ❄️☃️",
        "Z̸̢̛͓̞̱̩̤͙̈́̅̀͛a̴̬̼̫̓̏l̷̯̈́g̶̹̈́o̴͎̊",
        "\u{0}\u{1}\u{7}\u{1b}[31m\u{7f}",
        "Как получить разрешение на строительство? 建筑许可证 رخصة البناء",
        // Found by the property test: a compound's head whose stem ends in a letter of four
        // bytes ("p𐗜𖹶y𑰃𖩂a" + "lov").
        "p𐗜𖹶y𑰃𖩂alov",
        "snö𖩂agata",
    ] {
        // Must not panic; none of these is a question the FAQ answers.
        let o = engine().ask(q);
        assert!(!matches!(o, Outcome::Answer { .. }), "{q:?} → {o:?}");
    }
}

#[test]
fn zalgo_and_emoji_around_a_real_question_still_match_it() {
    let plain = engine().ask("När plogas min gata?");
    let noisy = engine().ask("🚜❄️ N̈́ä̴r̷ plogas min gata?? 🙏");
    assert_eq!(plain, noisy);
    // Bidi controls around the words change nothing either.
    let bidi = engine().ask("\u{202e}När plogas min gata?\u{202c}");
    assert_eq!(plain, bidi);
    assert!(matches!(plain, Outcome::Answer { .. }), "{plain:?}");
}

#[test]
fn a_100_kb_question_is_handled() {
    let q = "snö plogning bygglov ".repeat(5000);
    assert!(q.len() >= 100_000);
    let _ = engine().ask(&q);
    let long_word = "a".repeat(100_000);
    assert!(is_no_answer(&engine().ask(&long_word)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arbitrary_strings_never_panic_and_outcomes_are_well_formed(
        q in prop_oneof!["\\PC{0,200}", "[a-zåäöéüß𖩂 -]{0,120}"]
    ) {
        match engine().ask(&q) {
            Outcome::Answer { confidence, .. } => prop_assert!((0.0..=1.0).contains(&confidence)),
            Outcome::Suggest { entries } => prop_assert!((1..=3).contains(&entries.len())),
            Outcome::NoAnswer { .. } => {}
        }
    }

    #[test]
    fn arbitrary_bytes_as_lossy_text_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = engine().ask(&String::from_utf8_lossy(&bytes));
    }
}

// Each case builds a whole index, so fewer cases; `KB_FAQ_CASES` runs more when hunting.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("KB_FAQ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32)
    ))]

    /// A guide's text is indexed as it is written: any text in an entry's phrasings,
    /// keywords and answer builds an index, and the entry can then be asked about.
    #[test]
    fn arbitrary_faq_text_builds_an_index(
        // Any text, and Swedish-like words with odd letters, which reach the stemmer and
        // the compound splitter.
        text in prop_oneof!["\\PC{0,120}", "[a-zåäöéüß𖩂 -]{0,80}"]
    ) {
        let mut faq = kommunbot::faq::load_strict(Path::new("faq")).expect("shipped faq loads");
        let entry = &mut faq.entries[0];
        entry.alternates.push(text.clone());
        entry.alternates_en.push(text.clone());
        entry.keywords.push(text.clone());
        entry.answer = format!("{} {text}", entry.answer);
        let engine = Engine::new(&faq, Glossary::base()).expect("engine builds");
        let _ = engine.ask(&text);
    }
}
