//! Findings about the authorization-server metadata.

use super::catalogue::STRICT;
use super::resource::tried;
use super::{shown, Evidence, Finding, Hurt};
use crate::check::discovery::{Discovery, Doc};
use serde_json::Value;
use std::net::IpAddr;
use url::Url;

/// The findings about the authorization-server metadata.
#[must_use]
pub fn findings(d: &Discovery) -> Vec<Finding> {
    let Some((issuer, from)) = &d.issuer else {
        return Vec::new();
    };
    let Some(doc) = &d.server else {
        return vec![Finding::fail(
            "server.metadata",
            format!(
                "no metadata for {issuer} (from {from}) at {}",
                tried(&d.server_tries)
            ),
        )];
    };
    let at = doc.url.as_str();
    vec![
        Finding::pass(
            "server.metadata",
            format!("found at {at} for {issuer} (from {from})"),
        ),
        issuer_identical(doc, issuer),
        endpoints(doc),
        token_auth_none(doc),
        pkce_s256(doc),
        listed(
            doc,
            "server.response-type-code",
            "response_types_supported",
            "code",
        ),
        registration(doc),
        https(doc),
        iss_parameter(doc),
    ]
}

fn member<'a>(doc: &'a Doc, name: &str) -> Option<&'a Value> {
    doc.members.get(name)
}

fn evidence(doc: &Doc, name: &str) -> Evidence {
    Evidence::member(doc.url.as_str(), name, shown(member(doc, name)))
}

/// The strings of an array member (a single string counts as one).
fn strings<'a>(doc: &'a Doc, name: &str) -> Option<Vec<&'a str>> {
    match member(doc, name)? {
        Value::Array(items) => Some(items.iter().filter_map(Value::as_str).collect()),
        Value::String(s) => Some(vec![s.as_str()]),
        _ => None,
    }
}

fn issuer_identical(doc: &Doc, expected: &str) -> Finding {
    let ev = evidence(doc, "issuer");
    let Some(issuer) = member(doc, "issuer").and_then(Value::as_str) else {
        return Finding::fail("server.issuer", "issuer is missing or not a string").with(ev);
    };
    if issuer == expected {
        return Finding::pass("server.issuer", format!("issuer is {issuer}")).with(ev);
    }
    if issuer.strip_suffix('/') == Some(expected) {
        return Finding::fail(
            "server.issuer",
            format!(
                "issuer {issuer:?} has a trailing slash that the identifier {expected:?} lacks"
            ),
        )
        .with(ev);
    }
    if expected.strip_suffix('/') == Some(issuer) {
        return Finding::warn(
            "server.issuer",
            format!("the identifier {expected:?} has a trailing slash that issuer {issuer:?} lacks: the TypeScript SDK tolerates exactly this, RFC 8414 clients do not"),
        )
        .hurts(&[Hurt { client: STRICT, message: "issuer mismatch (RFC 8414 §3.3)" }])
        .with(ev);
    }
    Finding::fail(
        "server.issuer",
        format!("issuer {issuer:?} is not the identifier {expected:?}"),
    )
    .with(ev)
}

fn token_auth_none(doc: &Doc) -> Finding {
    let name = "token_endpoint_auth_methods_supported";
    let ev = evidence(doc, name);
    let f = match (member(doc, name), strings(doc, name)) {
        (None, _) => Finding::fail(
            "server.token-auth-none",
            format!("{name} is absent, which means [\"client_secret_basic\"]: no \"none\""),
        ),
        (Some(_), None) => Finding::fail(
            "server.token-auth-none",
            format!("{name} is not a list of strings"),
        ),
        (Some(_), Some(list)) if list.contains(&"none") => {
            Finding::pass("server.token-auth-none", format!("{name} lists \"none\""))
        }
        (Some(v), Some(_)) => Finding::fail(
            "server.token-auth-none",
            format!("{name} = {v} lists no \"none\": public clients look unsupported"),
        ),
    };
    f.with(ev)
}

fn pkce_s256(doc: &Doc) -> Finding {
    let name = "code_challenge_methods_supported";
    let ev = evidence(doc, name);
    let f = match strings(doc, name) {
        Some(list) if list.contains(&"S256") => {
            Finding::pass("server.pkce-s256", format!("{name} lists S256"))
        }
        Some(_) => Finding::fail("server.pkce-s256", format!("{name} lists no S256")),
        None if member(doc, name).is_none() => Finding::fail(
            "server.pkce-s256",
            format!("{name} is absent: clients following the 2025-11-25 spec refuse to proceed"),
        )
        .hurts(&[Hurt {
            client: STRICT,
            message: "refuses to proceed: code_challenge_methods_supported is absent",
        }]),
        None => Finding::fail(
            "server.pkce-s256",
            format!("{name} is not a list of strings"),
        ),
    };
    f.with(ev)
}

/// A `listed` check: `value` in the array `name`.
fn listed(doc: &Doc, id: &'static str, name: &str, value: &str) -> Finding {
    let f = match strings(doc, name) {
        Some(list) if list.contains(&value) => Finding::pass(id, format!("{name} lists {value}")),
        Some(_) => Finding::fail(id, format!("{name} lists no {value}")),
        None => Finding::fail(id, format!("{name} is absent or not a list of strings")),
    };
    f.with(evidence(doc, name))
}

fn registration(doc: &Doc) -> Finding {
    let endpoint = member(doc, "registration_endpoint").and_then(Value::as_str);
    let cimd = member(doc, "client_id_metadata_document_supported") == Some(&Value::Bool(true));
    let f = match (endpoint, cimd) {
        (Some(_), _) => Finding::pass("server.registration", "registration_endpoint is listed"),
        (None, true) => Finding::pass(
            "server.registration",
            "client ID metadata documents are supported",
        ),
        (None, false) => Finding::fail(
            "server.registration",
            "neither registration_endpoint nor client_id_metadata_document_supported: true",
        ),
    };
    f.with(evidence(doc, "registration_endpoint"))
}

/// The members that are URLs clients call or trust.
const ENDPOINTS: &[&str] = &[
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "registration_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
];

fn https(doc: &Doc) -> Finding {
    let plain: Vec<Evidence> = ENDPOINTS
        .iter()
        .filter(|name| {
            let url = member(doc, name)
                .and_then(Value::as_str)
                .and_then(|u| Url::parse(u).ok());
            url.is_some_and(|u| u.scheme() != "https" && !loopback(&u))
        })
        .map(|name| evidence(doc, name))
        .collect();
    if plain.is_empty() {
        return Finding::pass("server.https", "every endpoint is https or loopback");
    }
    let names: Vec<&str> = plain.iter().filter_map(|e| e.member.as_deref()).collect();
    let mut f = Finding::fail(
        "server.https",
        format!("not https and not loopback: {}", names.join(", ")),
    );
    f.evidence = plain;
    f
}

/// True for an https URL or a loopback one: where the probes may send a
/// client registration or a code (clients refuse plain http elsewhere).
#[must_use]
pub fn safe_to_send(url: &Url) -> bool {
    url.scheme() == "https" || loopback(url)
}

/// `localhost`, 127.0.0.0/8 or `::1` (RFC 8252 §7.3; the SDK's exemption).
fn loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// True when the metadata advertises RFC 9207 `iss` on authorization responses.
#[must_use]
pub fn advertises_iss(doc: &Doc) -> bool {
    member(doc, ISS_SUPPORTED) == Some(&Value::Bool(true))
}

const ISS_SUPPORTED: &str = "authorization_response_iss_parameter_supported";

/// The 2026-07-28 table, as far as the metadata shows it: advertised is a
/// PASS (with the one client known to drop `iss`), not advertised a WARN for
/// the clients that require `iss` anyway. What the redirect carries is
/// `login.iss`.
fn iss_parameter(doc: &Doc) -> Finding {
    let f = if advertises_iss(doc) {
        Finding::pass(
            "server.iss-parameter",
            format!("{ISS_SUPPORTED} is true (note: Codex before openai/codex issue 33354 was fixed drops iss from the redirect and then fails)"),
        )
    } else {
        Finding::warn(
            "server.iss-parameter",
            format!("{ISS_SUPPORTED} is not true: clients that require iss on the redirect (RFC 9207) refuse the login unless it is sent anyway"),
        )
    };
    f.with(evidence(doc, ISS_SUPPORTED))
}

/// `authorization_endpoint` and `token_endpoint`: present, absolute URLs.
fn endpoints(doc: &Doc) -> Finding {
    let bad: Vec<Evidence> = ["authorization_endpoint", "token_endpoint"]
        .iter()
        .filter(|name| {
            let url = member(doc, name)
                .and_then(Value::as_str)
                .and_then(|u| Url::parse(u).ok());
            !url.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        })
        .map(|name| evidence(doc, name))
        .collect();
    if bad.is_empty() {
        return Finding::pass(
            "server.endpoints",
            "authorization_endpoint and token_endpoint are absolute URLs",
        );
    }
    let names: Vec<&str> = bad.iter().filter_map(|e| e.member.as_deref()).collect();
    let mut f = Finding::fail(
        "server.endpoints",
        format!(
            "missing, empty or not an absolute URL: {}",
            names.join(", ")
        ),
    );
    f.evidence = bad;
    f
}
