//! Findings: a stable id, a severity, what was seen, who it hurts and with
//! which message, the spec clause and the remedy.
//!
//! The catalogue ([`catalogue::ENTRIES`]) is the list of ids; the checks
//! that produce findings live in [`resource`] (the MCP endpoint and its
//! protected-resource metadata), [`server`] (the authorization-server
//! metadata) and the probe module.

pub mod answers;
pub mod catalogue;
mod kind;
mod login_catalogue;
pub mod resource;
pub mod server;

pub use kind::{Group, Hurt, Severity};
use serde::Serialize;

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
        let failing = severity.concerns();
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

    /// An INFO.
    #[must_use]
    pub fn info(id: &'static str, summary: impl Into<String>) -> Self {
        Self::new(id, Severity::Info, summary)
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
        if self.severity.concerns() {
            self.clients = clients.to_vec();
        }
        self
    }

    /// Replaces the remedy.
    #[must_use]
    pub fn remedy(mut self, remedy: impl Into<String>) -> Self {
        if self.severity.concerns() {
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
