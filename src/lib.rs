//! kommunbot: answers citizens' questions for a Swedish municipality's service centre.
//!
//! Code map (see ARCHITECTURE.md for the why):
//! - [`faq`]: the content guides edit — themes, entries, episodes — loaded and validated
//!   with `file:line` diagnostics.
//! - [`answer`]: the engine. Pure: text in, [`answer::Outcome`] out; no I/O.
//! - [`reply`]: turns an outcome into the Swedish reply every channel shows.
//! - [`eval`]: answer-quality figures over labelled questions.
//! - [`bench`]: latency and index build time over synthetic corpora.
//! - [`cli`]: the command line; `main.rs` only hands over to it.
//! - [`telemetry`]: the one place tracing is set up.

pub mod answer;
pub mod bench;
pub mod cli;
pub mod config;
pub mod eval;
pub mod faq;
pub mod logview;
pub mod privacy;
pub mod reply;
pub mod store;
pub mod telemetry;
