//! `oauth-metadata-repair`: a reverse proxy that repairs the OAuth / `OpenID`
//! discovery documents of the server behind it, and `check`, which sees a
//! server the way MCP clients do. See the manual's pages "The proxy"
//! (`docs/src/proxy.md`) and "Diagnose a server: `check`"
//! (`docs/src/check.md`), and `oauth-metadata-repair --help`.

#![forbid(unsafe_code)]

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use oauth_metadata_repair_cli::check::{self, args::CheckArgs};
use oauth_metadata_repair_cli::proxy::{args, server};
use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// Reverse proxy that adds "none" to token_endpoint_auth_methods_supported in
/// the OAuth / OpenID discovery documents of the server behind it, so public
/// (PKCE, secretless) clients can log in. Everything else is forwarded
/// untouched and streamed.
///
/// Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=warn) to change what is
/// logged. `oauth-metadata-repair check URL` diagnoses a server instead.
// The doc comment is the --help text. The struct only defines the command
// line: `parse` builds the proxy's or the subcommand's arguments from the
// matches, so an OMR_* variable of the proxy never gets in `check`'s way.
#[allow(clippy::doc_markdown, dead_code)]
#[derive(Debug, Parser)]
#[command(
    name = "oauth-metadata-repair",
    version,
    max_term_width = 100,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    subcommand_value_name = "COMMAND"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The proxy's flags, when no subcommand is given.
    #[command(flatten)]
    proxy: Option<args::Args>,
}

#[allow(dead_code)] // see Cli
#[derive(Debug, Subcommand)]
enum Command {
    /// See a server the way MCP clients see it: which client fails, why,
    /// and what the repair changes.
    Check(CheckArgs),
}

/// What to run.
enum Run {
    Proxy(Box<args::Args>),
    Check(CheckArgs),
}

fn parse() -> Result<Run, clap::Error> {
    let matches = Cli::command().try_get_matches()?;
    match matches.subcommand() {
        Some(("check", sub)) => CheckArgs::from_arg_matches(sub).map(Run::Check),
        _ => args::Args::from_arg_matches(&matches).map(|a| Run::Proxy(Box::new(a))),
    }
}

fn main() -> ExitCode {
    let run = match parse() {
        Ok(run) => run,
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
    let args = match run {
        Run::Check(check) => return ExitCode::from(check::run(&check)),
        Run::Proxy(args) => args,
    };
    init_logs();
    match server::run(*args) {
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
