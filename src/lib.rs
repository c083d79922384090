//! kommunbot: answers citizens' questions for a Swedish municipality's service centre.
//!
//! Code map (see ARCHITECTURE.md for the why):
//! - [`faq`]: the content guides edit — themes, entries, episodes — loaded and validated
//!   with `file:line` diagnostics.
//! - [`answer`]: the engine. Pure: text in, [`answer::Outcome`] out; no I/O.
//! - [`reply`]: turns an outcome into the Swedish reply every channel shows.
//! - [`eval`]: answer-quality figures over labelled questions.
//! - [`bench`]: latency and index build time over synthetic corpora.
//! - [`loadtest`]: `bench --http`: the whole service under load on loopback.
//! - [`service`]: the answer path adapters share: live FAQ, replies, logging, feedback,
//!   reloads and staff edits.
//! - [`discord`]: the Discord adapter, the only code that names serenity or poise.
//! - [`app`]: the composition root of `serve`: builds the parts, runs them until shutdown.
//! - [`config`]: `kommunbot.toml` and the environment, validated at start-up.
//! - [`ratelimit`]: per-user question limits.
//! - [`podcast`]: feed sync (the only outbound HTTP) and linking answers to the episode at
//!   the minute.
//! - [`http`]: the HTTP API (axum): ask, feedback, health, metrics, staff endpoints.
//! - [`metrics`]: the Prometheus metrics.
//! - [`cli`]: the command line; `main.rs` only hands over to it.
//! - [`telemetry`]: the one place tracing is set up.

pub mod answer;
pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod discord;
pub mod eval;
pub mod faq;
pub mod http;
pub mod loadtest;
pub mod logview;
pub mod metrics;
pub mod podcast;
pub mod privacy;
pub mod ratelimit;
pub mod reply;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod topics;
