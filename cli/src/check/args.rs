//! The `check` subcommand's command line.
// The doc comments below are the --help text, shown as written.
#![allow(clippy::doc_markdown)]

use crate::repair_flags::RepairFlags;
use clap::{ArgGroup, Args as ClapArgs, ValueEnum};
use std::path::PathBuf;

/// Sees a server the way MCP clients see it: discovery as the MCP
/// authorization spec (2025-11-25) has clients do it, one finding per
/// defect with the clients it breaks and the message they print, and what
/// the repair would change.
///
/// Exit status: 0 when nothing FAILs, 1 when something does, 2 on a usage
/// error or when the server cannot be reached.
#[derive(Debug, Clone, ClapArgs)]
#[command(group(ArgGroup::new("target").required(true).args(["url", "issuer"])))]
pub struct CheckArgs {
    /// The MCP endpoint, e.g. https://host/mcp.
    #[arg(value_name = "URL")]
    pub url: Option<String>,

    /// Start from an authorization server's issuer identifier instead of an
    /// MCP endpoint.
    #[arg(long, value_name = "URL", conflicts_with = "url")]
    pub issuer: Option<String>,

    /// Print the report as JSON (its shape is in the manual's page "The JSON report").
    #[arg(long)]
    pub json: bool,

    /// Also register a throwaway public client and send the token endpoint a
    /// made-up code, to learn whether the server accepts public clients. No
    /// real credential is sent; the report says that a client was registered.
    #[arg(long)]
    pub register: bool,

    /// Also log in as a public client, as Claude Code and Gemini CLI do:
    /// register a native public client, open the authorization URL, wait for
    /// the redirect to 127.0.0.1, redeem the code without a secret and make
    /// one MCP request with the token. The token is never printed or stored;
    /// the report says that a client was registered and a login made.
    #[arg(long, conflicts_with = "issuer")]
    pub login: bool,

    /// The command that opens the authorization URL for --login (the URL is
    /// appended, or put in place of %s); else $BROWSER, else the platform's
    /// opener. The URL is printed on standard error either way.
    #[arg(long, value_name = "CMD", requires = "login")]
    pub browser: Option<String>,

    /// Seconds --login waits for the browser to come back to 127.0.0.1.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 120,
        requires = "login"
    )]
    pub login_timeout: u64,

    /// The proxy's repair flags, for the preview.
    #[command(flatten)]
    pub repair: RepairFlags,

    /// PEM certificate(s) trusted for an https:// server, in addition to the
    /// public web roots (the proxy's --upstream-ca).
    #[arg(long, env = "OMR_UPSTREAM_CA", value_name = "FILE")]
    pub upstream_ca: Option<PathBuf>,

    /// Seconds each request may take (connecting, the answer and its body).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,

    /// Colour on a terminal: auto (only on a TTY), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
}

/// When the text report is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Only when standard output is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}
