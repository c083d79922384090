//! The one place tracing is set up: human-readable logs on stderr, level from `RUST_LOG`.
//!
//! Invariant: nothing logged anywhere carries a secret or a citizen's raw text; events
//! name ids, counts and outcomes instead.

use tracing_subscriber::EnvFilter;

/// How log lines look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Installs the global subscriber. One-shot commands are quiet by default (warnings), a
/// service tells what it does (info); `-v` for info, `-vv` debug.
pub fn init(verbose: u8, service: bool, format: LogFormat) {
    let default = match (verbose, service) {
        (0, false) => "warn",
        (0, true) | (1, _) => "info,serenity=warn,sqlx=warn",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default))
        // sqlx warns of a connect parameter it does not know with its value: a password
        // under a key it spells otherwise ("PASSWORD=…") would be logged. Never, at any level.
        .add_directive(
            "sqlx_postgres::options=error"
                .parse()
                .expect("a valid directive"),
        );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests calling into the CLI) is harmless: the first subscriber stays.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        // Colours only on a terminal: a log file or journald gets plain text.
        LogFormat::Human => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
    };
}
