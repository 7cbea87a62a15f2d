//! The `check` subcommand's command line.
// The doc comments below are the --help text, shown as written.
#![allow(clippy::doc_markdown)]

use clap::{ArgGroup, Args as ClapArgs, ValueEnum};
use oauth_metadata_repair::repair::{Placement, Repairer, Rule};
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

    /// Print the report as JSON (the shape is documented in the README).
    #[arg(long)]
    pub json: bool,

    /// Also register a throwaway public client and send the token endpoint a
    /// made-up code, to learn whether the server accepts public clients. No
    /// real credential is sent; the report says that a client was registered.
    #[arg(long)]
    pub register: bool,

    /// Extra repairs besides "none" in token_endpoint_auth_methods_supported
    /// (repeat or separate with commas). s256 advertises PKCE S256: only for
    /// a server that verifies it.
    #[arg(long = "rule", value_name = "RULE", value_delimiter = ',')]
    pub rules: Vec<ExtraRule>,

    /// Put "none" first in the list instead of last, for clients that pick
    /// the first method.
    #[arg(long)]
    pub prepend: bool,

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

/// The optional repairs, by their command-line names (as the proxy's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtraRule {
    /// "none" in revocation_endpoint_auth_methods_supported.
    Revocation,
    /// "none" in introspection_endpoint_auth_methods_supported.
    Introspection,
    /// "S256" in code_challenge_methods_supported.
    S256,
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

impl CheckArgs {
    /// The repairer the proxy would run with the same `--rule`/`--prepend`.
    #[must_use]
    pub fn repairer(&self) -> Repairer {
        let rules = self.rules.iter().map(|r| match r {
            ExtraRule::Revocation => Rule::revocation_endpoint_none(),
            ExtraRule::Introspection => Rule::introspection_endpoint_none(),
            ExtraRule::S256 => Rule::code_challenge_s256(),
        });
        Repairer::new()
            .rules(std::iter::once(Rule::token_endpoint_none()).chain(rules))
            .placement(if self.prepend {
                Placement::Prepend
            } else {
                Placement::Append
            })
    }

    /// The proxy flags that give the same repair, for the report's remedies.
    #[must_use]
    pub fn proxy_flags(&self) -> String {
        let mut flags = String::new();
        for rule in &self.rules {
            let name = match rule {
                ExtraRule::Revocation => "revocation",
                ExtraRule::Introspection => "introspection",
                ExtraRule::S256 => "s256",
            };
            flags.push_str(" --rule ");
            flags.push_str(name);
        }
        if self.prepend {
            flags.push_str(" --prepend");
        }
        flags
    }
}
