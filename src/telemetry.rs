//! The one place tracing is set up: human-readable logs on stderr, level from `RUST_LOG`.
//!
//! Invariant: nothing logged anywhere carries a secret or a citizen's raw text; events
//! name ids, counts and outcomes instead.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Quiet by default (warnings), `-v` for info, `-vv` debug.
pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A second init (tests calling into the CLI) is harmless: the first subscriber stays.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
