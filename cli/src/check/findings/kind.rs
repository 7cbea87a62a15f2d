//! What a finding is made of: its severity, its section, a client it hurts.

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// As clients need it.
    Pass,
    /// Worth knowing, breaks no client: a step not taken (and why), or a
    /// choice that clients handle.
    Info,
    /// Works for the clients named, or only in some setups.
    Warn,
    /// Breaks the clients named.
    Fail,
}

impl Severity {
    /// `PASS`, `WARN` or `FAIL`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
        }
    }
}

impl Severity {
    /// True for WARN and FAIL: the finding names clients and a remedy.
    #[must_use]
    pub fn concerns(self) -> bool {
        matches!(self, Self::Warn | Self::Fail)
    }
}

/// Which part of discovery a finding is about; the report's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// The MCP endpoint's answer to an unauthenticated `initialize`.
    Mcp,
    /// Every well-known answer and document, whichever it is.
    Discovery,
    /// Protected-resource metadata (RFC 9728).
    Resource,
    /// Authorization-server metadata (RFC 8414, `OpenID` discovery).
    Server,
    /// The `--register` probe.
    Probe,
    /// The `--login` login, step by step.
    Login,
}

impl Group {
    /// The section title in the text report.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::Mcp => "MCP endpoint",
            Self::Discovery => "Discovery answers",
            Self::Resource => "Protected-resource metadata (RFC 9728)",
            Self::Server => "Authorization-server metadata (RFC 8414)",
            Self::Probe => "Active probe (--register)",
            Self::Login => "Login as a public client (--login)",
        }
    }
}

/// A client that a finding breaks, and what it prints or does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hurt {
    /// The client, e.g. `mcp-remote` or `VS Code`.
    pub client: &'static str,
    /// The message it shows, quoted from its source where it has one, or
    /// what it does.
    pub message: &'static str,
}
