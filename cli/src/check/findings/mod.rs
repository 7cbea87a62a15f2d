//! Findings: a stable id, a severity, what was seen, who it hurts and with
//! which message, the spec clause and the remedy.
//!
//! The catalogue ([`catalogue::ENTRIES`]) is the list of ids; the checks
//! that produce findings live in [`resource`] (the MCP endpoint and its
//! protected-resource metadata), [`server`] (the authorization-server
//! metadata) and the probe module.

pub mod answers;
pub mod catalogue;
pub mod resource;
pub mod server;

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// As clients need it.
    Pass,
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
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
        }
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

/// What was seen: where, which member, its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The URL the value came from.
    pub url: String,
    /// The member or header, when the finding is about one.
    pub member: Option<String>,
    /// The value as JSON text (or the header's text); `None` when absent.
    pub value: Option<String>,
}

impl Evidence {
    /// Evidence about `member` of the document at `url`.
    pub fn member(url: impl Into<String>, member: &str, value: Option<String>) -> Self {
        Self {
            url: url.into(),
            member: Some(member.to_owned()),
            value,
        }
    }

    /// Evidence about the answer at `url` as a whole.
    pub fn answer(url: impl Into<String>, seen: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            member: None,
            value: Some(seen.into()),
        }
    }
}

/// One finding of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The stable id, e.g. `server.token-auth-none`.
    pub id: &'static str,
    /// The section.
    pub group: Group,
    /// PASS, WARN or FAIL.
    pub severity: Severity,
    /// One line: what was seen.
    pub summary: String,
    /// Where it was seen.
    pub evidence: Vec<Evidence>,
    /// Clients this breaks (empty for a PASS).
    pub clients: Vec<Hurt>,
    /// The specification clause.
    pub spec: &'static str,
    /// What fixes it (empty for a PASS).
    pub remedy: String,
}

impl Finding {
    /// A finding of catalogue entry `id`, with its clients and remedy when
    /// it is not a PASS. Every id used is in the catalogue (a test checks).
    #[must_use]
    pub fn new(id: &'static str, severity: Severity, summary: impl Into<String>) -> Self {
        let entry = catalogue::entry(id);
        let failing = severity != Severity::Pass;
        Self {
            id: entry.id,
            group: entry.group,
            severity,
            summary: summary.into(),
            evidence: Vec::new(),
            clients: if failing {
                entry.clients.to_vec()
            } else {
                Vec::new()
            },
            spec: entry.spec,
            remedy: if failing {
                entry.remedy.to_owned()
            } else {
                String::new()
            },
        }
    }

    /// A PASS.
    #[must_use]
    pub fn pass(id: &'static str, summary: impl Into<String>) -> Self {
        Self::new(id, Severity::Pass, summary)
    }

    /// A WARN.
    #[must_use]
    pub fn warn(id: &'static str, summary: impl Into<String>) -> Self {
        Self::new(id, Severity::Warn, summary)
    }

    /// A FAIL.
    #[must_use]
    pub fn fail(id: &'static str, summary: impl Into<String>) -> Self {
        Self::new(id, Severity::Fail, summary)
    }

    /// Adds evidence.
    #[must_use]
    pub fn with(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    /// Replaces the clients hurt (for a finding whose variant hurts fewer).
    #[must_use]
    pub fn hurts(mut self, clients: &[Hurt]) -> Self {
        if self.severity != Severity::Pass {
            self.clients = clients.to_vec();
        }
        self
    }

    /// Replaces the remedy.
    #[must_use]
    pub fn remedy(mut self, remedy: impl Into<String>) -> Self {
        if self.severity != Severity::Pass {
            self.remedy = remedy.into();
        }
        self
    }
}

/// A JSON value as compact text, for evidence.
#[must_use]
pub fn shown(value: Option<&serde_json::Value>) -> Option<String> {
    value.map(serde_json::Value::to_string)
}
