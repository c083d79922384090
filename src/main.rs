//! The `kommunbot` binary: parse the command line, hand over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kommunbot::cli::Cli::parse();
    kommunbot::telemetry::init(cli.verbose, cli.command.is_service(), cli.log_format);
    match kommunbot::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kommunbot: {}", kommunbot::cli::error_text(&err));
            ExitCode::from(2)
        }
    }
}
