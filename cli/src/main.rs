//! `oauth-metadata-repair`: a reverse proxy that repairs the OAuth / `OpenID`
//! discovery documents of the server behind it. See the README's "Fix a
//! Python MCP server in two commands" and `oauth-metadata-repair --help`.

#![forbid(unsafe_code)]

use clap::Parser;
use oauth_metadata_repair_cli::proxy::{args, server};
use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let args = match args::Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // One line that says what is wrong (clap's message up to its
            // usage hint, joined); --help has the rest.
            let text = e.to_string();
            let what: Vec<&str> = text
                .lines()
                .map(str::trim)
                .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
                .collect();
            let what = what.join(" ");
            eprintln!(
                "oauth-metadata-repair: {}",
                what.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    init_logs();
    match server::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oauth-metadata-repair: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `RUST_LOG` when set; otherwise startup, upstream failures, access log
/// lines and one line per discovery document (repaired or left alone).
fn init_logs() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,oauth_metadata_repair::trace=debug"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
