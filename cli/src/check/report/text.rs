//! The terminal report: a header, one line per finding grouped by section
//! with the severity first (details under each WARN and FAIL), the repair
//! preview, the requests, and the summary line.

use super::Report;
use crate::check::findings::{Finding, Group, Severity};
use std::fmt::Write;

const RESET: &str = "\x1b[0m";

fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Pass => "\x1b[32m",
        Severity::Info => "\x1b[36m",
        Severity::Warn => "\x1b[33m",
        Severity::Fail => "\x1b[1;31m",
    }
}

/// The report as text; ANSI colours only when `colour` is set.
#[must_use]
pub fn render(report: &Report, colour_on: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "oauth-metadata-repair check {}", report.target);
    if let Some(issuer) = &report.authorization_server {
        let _ = writeln!(
            out,
            "authorization server: {} (from {})",
            issuer.identifier, issuer.from
        );
    }
    let width = report
        .findings
        .iter()
        .map(|f| f.id.len())
        .max()
        .unwrap_or(0);
    let mut group: Option<Group> = None;
    for f in &report.findings {
        if group != Some(f.group) {
            group = Some(f.group);
            let _ = writeln!(out, "\n{}", f.group.title());
        }
        finding(&mut out, f, width, colour_on);
    }
    if let Some(p) = &report.repair {
        let _ = writeln!(out, "\nWhat the repair changes ({})", p.url);
        if p.repaired {
            for i in &p.inserts {
                let _ = writeln!(out, "  inserts {:?} at byte {}:", i.text, i.offset);
                let _ = writeln!(out, "    …{}[+{}]{}…", i.before, i.text, i.after);
            }
            let _ = writeln!(out, "  changed members: {}", p.fields.join(", "));
        } else {
            let why = p.left_alone_because.as_deref().unwrap_or("unknown");
            let _ = writeln!(out, "  left alone: {why}");
        }
        let secrets = report
            .findings
            .iter()
            .find(|f| f.id == "probe.client-secret");
        if let Some(f) = secrets.filter(|f| f.severity == Severity::Warn) {
            let _ = writeln!(out, "  warning: {}", f.summary);
        }
    }
    if report.registered_client {
        let _ = writeln!(
            out,
            "\nNote: a throwaway public client was registered on the server (see probe.registration, login.registration)."
        );
    }
    if report.logged_in {
        let _ = writeln!(
            out,
            "Note: --login logged in; the token served one MCP session and was dropped (never printed or stored)."
        );
    }
    let _ = writeln!(out, "\nRequests ({})", report.requests.len());
    for r in &report.requests {
        let answer = match (r.status, &r.error) {
            (_, Some(e)) => format!("error: {e}"),
            (Some(s), None) => format!(
                "{s} {} {} bytes{}",
                r.content_type.as_deref().unwrap_or("(no type)"),
                r.bytes,
                if r.truncated { " (cut)" } else { "" }
            ),
            (None, None) => "no answer".to_owned(),
        };
        let _ = writeln!(out, "  {} {} -> {answer}  [{}]", r.method, r.url, r.purpose);
    }
    let s = &report.summary;
    let clients = if s.clients_failing.is_empty() {
        "none".to_owned()
    } else {
        s.clients_failing.join(", ")
    };
    let _ = writeln!(
        out,
        "\nSummary: {} FAIL, {} WARN, {} PASS, {} INFO; clients that will fail: {clients}",
        s.fail, s.warn, s.pass, s.info
    );
    out
}

fn finding(out: &mut String, f: &Finding, width: usize, colour_on: bool) {
    let label = f.severity.label();
    let label = if colour_on {
        format!("{}{label}{RESET}", colour(f.severity))
    } else {
        label.to_owned()
    };
    let _ = writeln!(out, "  {label} {:width$}  {}", f.id, f.summary);
    if !f.severity.concerns() {
        return;
    }
    let pad = " ".repeat(7);
    for e in &f.evidence {
        let what = match (&e.member, &e.value) {
            (Some(m), Some(v)) => format!("{m} = {v}"),
            (Some(m), None) => format!("{m} absent"),
            (None, Some(v)) => v.clone(),
            (None, None) => String::new(),
        };
        let _ = writeln!(out, "{pad}seen:   {} {what}", e.url);
    }
    for h in &f.clients {
        let _ = writeln!(out, "{pad}breaks: {}: {}", h.client, h.message);
    }
    if !f.remedy.is_empty() {
        let _ = writeln!(out, "{pad}fix:    {}", f.remedy);
    }
    let _ = writeln!(out, "{pad}spec:   {}", f.spec);
}
