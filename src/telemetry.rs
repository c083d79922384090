//! The one place tracing is set up: human-readable logs on stderr, level from `RUST_LOG`.
//!
//! Invariant: nothing logged anywhere carries a secret or a citizen's raw text; events
//! name ids, counts and outcomes instead.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. One-shot commands are quiet by default (warnings), a
/// service tells what it does (info); `-v` for info, `-vv` debug.
pub fn init(verbose: u8, service: bool) {
    let default = match (verbose, service) {
        (0, false) => "warn",
        (0, true) | (1, _) => "info,serenity=warn,sqlx=warn",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A second init (tests calling into the CLI) is harmless: the first subscriber stays.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
