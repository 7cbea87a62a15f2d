//! The report: the same data as text for a terminal ([`text`]) and as JSON
//! ([`Report`] serialised; its shape is documented below and in the manual, `docs/src/check-json.md`).
//!
//! # The JSON shape (`"schema": "oauth-metadata-repair/check/1"`)
//!
//! Every key is always present; a value that does not apply is `null` or
//! an empty list. New keys may be added in a later version of the same
//! schema; existing keys keep their meaning.
//!
//! ```text
//! {
//!   "schema": "oauth-metadata-repair/check/1",
//!   "target": "https://host/mcp",                  // as given
//!   "mode": "mcp" | "issuer",                      // URL or --issuer
//!   "authorization_server": {"identifier": "...", "from": "authorization_servers[0]"} | null,
//!   "findings": [{
//!     "id": "server.token-auth-none",              // stable
//!     "group": "mcp" | "discovery" | "resource" | "server" | "probe" | "login",
//!     "severity": "pass" | "info" | "warn" | "fail",
//!     "summary": "...",
//!     "evidence": [{"url": "...", "member": "..." | null, "value": "<JSON text>" | null}],
//!     "clients": [{"client": "mcp-remote", "message": "..."}],   // empty for a pass or an info
//!     "spec": "RFC 8414 §2; ...",
//!     "remedy": "..."                              // empty for a pass or an info
//!   }],
//!   "repair": {"url": "...", "repaired": true, "left_alone_because": null,
//!              "fields": ["token_endpoint_auth_methods_supported"],
//!              "inserts": [{"offset": 312, "text": ",\"none\"", "before": "...", "after": "..."}]} | null,
//!   "registered_client": false,                    // true after --register or --login registered one
//!   "logged_in": false,                            // true after --login obtained a token (never shown)
//!   "requests": [{"method": "GET", "url": "...", "purpose": "...", "status": 200 | null,
//!                 "content_type": "..." | null, "bytes": 312, "truncated": false, "error": null}],
//!   "summary": {"pass": 12, "info": 1, "warn": 1, "fail": 1, "clients_failing": ["mcp-remote"], "exit_status": 1}
//! }
//! ```

pub mod text;

use super::client::Exchange;
use super::findings::{Finding, Severity};
use super::preview::Preview;
use serde::Serialize;

/// The schema name and version in every JSON report.
pub const SCHEMA: &str = "oauth-metadata-repair/check/1";

/// A whole check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The URL checked, as given.
    pub target: String,
    /// `mcp` or `issuer`.
    pub mode: &'static str,
    /// The authorization server checked, and where its identifier came from.
    pub authorization_server: Option<Issuer>,
    /// Every finding, in report order.
    pub findings: Vec<Finding>,
    /// What the repair would change.
    pub repair: Option<Preview>,
    /// True when `--register` or `--login` registered a client on the server.
    pub registered_client: bool,
    /// True when `--login` obtained a token (used for one MCP session,
    /// never printed or stored).
    pub logged_in: bool,
    /// Every request sent, in order.
    pub requests: Vec<Exchange>,
    /// Counts, the clients that will fail, and the exit status.
    pub summary: Summary,
}

/// The authorization server's identifier.
#[derive(Debug, Clone, Serialize)]
pub struct Issuer {
    /// The identifier.
    pub identifier: String,
    /// Where it came from.
    pub from: &'static str,
}

/// The report's last line.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// PASS findings.
    pub pass: usize,
    /// INFO findings.
    pub info: usize,
    /// WARN findings.
    pub warn: usize,
    /// FAIL findings.
    pub fail: usize,
    /// The clients named by FAIL findings, each once, in report order.
    pub clients_failing: Vec<String>,
    /// 1 when something FAILs, else 0.
    pub exit_status: u8,
}

impl Summary {
    /// Counts `findings`.
    #[must_use]
    pub fn of(findings: &[Finding]) -> Self {
        let count = |s| findings.iter().filter(|f| f.severity == s).count();
        let mut clients: Vec<String> = Vec::new();
        for f in findings.iter().filter(|f| f.severity == Severity::Fail) {
            for hurt in &f.clients {
                if !clients.iter().any(|c| c == hurt.client) {
                    clients.push(hurt.client.to_owned());
                }
            }
        }
        let fail = count(Severity::Fail);
        Self {
            pass: count(Severity::Pass),
            info: count(Severity::Info),
            warn: count(Severity::Warn),
            fail,
            clients_failing: clients,
            exit_status: u8::from(fail > 0),
        }
    }
}
