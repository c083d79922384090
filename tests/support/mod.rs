//! Test helpers shared by the black-box tests.

#![allow(dead_code)]

pub mod browser;
pub mod discord;
pub mod pg;
pub mod service;

/// Curates one podcast episode in the FAQ folder `faq` (its `episodes.toml`).
pub fn curate_episode(faq: &std::path::Path, id: &str, title: &str, theme: &str) {
    std::fs::write(
        faq.join("episodes.toml"),
        format!(
            "[[episode]]\nid = \"{id}\"\ntitle = \"{title}\"\n\
             url = \"https://example.se/podd/{id}\"\npublished = 2026-11-01\n\
             themes = [\"{theme}\"]\ndescription = \"{title}.\"\n"
        ),
    )
    .unwrap();
}
