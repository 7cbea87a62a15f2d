//! Findings about the MCP endpoint, its protected-resource metadata and
//! every well-known answer.

use super::catalogue::{PY_RESOURCE, TS_RESOURCE, VS_CODE_RESOURCE};
use super::{shown, Evidence, Finding};
use crate::check::discovery::{Discovery, Fetched, Target};
use url::Url;

/// The findings about the MCP endpoint and its protected-resource metadata.
#[must_use]
pub fn findings(d: &Discovery) -> Vec<Finding> {
    let mut out = Vec::new();
    let Target::Mcp(mcp) = &d.target else {
        return out;
    };
    let Some(init) = &d.initialize else {
        return out;
    };
    let url = init.fetched.url.as_str();
    let challenge = match &init.fetched.result {
        Err(e) => Finding::fail("mcp.challenge", format!("initialize got no answer: {e}"))
            .with(Evidence::answer(url, e.to_string())),
        Ok(a) if a.status == 401 && init.bearer.is_some() => {
            Finding::pass("mcp.challenge", "401 with a Bearer challenge")
        }
        Ok(a) if a.status == 401 => Finding::warn(
            "mcp.challenge",
            "401 without a Bearer challenge in WWW-Authenticate: clients can only guess the well-known URL",
        ),
        Ok(a) if a.status.is_success() => Finding::warn(
            "mcp.challenge",
            format!("{} without a token: this endpoint asks for no login, so clients never start OAuth", a.status),
        )
        .hurts(&[])
        .remedy("nothing to do if no login is wanted; otherwise enable auth on the server"),
        Ok(a) => Finding::fail(
            "mcp.challenge",
            format!("initialize without a token answered {}, not 401", a.status),
        ),
    };
    let header = init.www_authenticate.clone();
    out.push(challenge.with(Evidence {
        url: url.to_owned(),
        member: Some("WWW-Authenticate".to_owned()),
        value: header,
    }));
    if let Some(f) = metadata_url(init.param("resource_metadata"), init.bearer.is_some(), url) {
        out.push(f);
    }
    out.push(match &d.resource {
        Some(doc) => Finding::pass("resource.metadata", format!("found at {}", doc.url)),
        None => Finding::fail(
            "resource.metadata",
            format!(
                "no protected-resource metadata at {}",
                tried(&d.resource_tries)
            ),
        ),
    });
    if let Some(doc) = &d.resource {
        out.push(matches(mcp, doc.members.get("resource"), doc.url.as_str()));
        let servers = doc.members.get("authorization_servers");
        let ok = servers
            .and_then(|s| s.as_array())
            .is_some_and(|a| a.first().is_some_and(serde_json::Value::is_string));
        let f = if ok {
            Finding::pass(
                "resource.authorization-servers",
                "names an authorization server",
            )
        } else {
            Finding::fail(
                "resource.authorization-servers",
                "authorization_servers is missing, empty or not a list of strings",
            )
        };
        out.push(f.with(Evidence::member(
            doc.url.as_str(),
            "authorization_servers",
            shown(servers),
        )));
    }
    out
}

/// `mcp.resource-metadata-url`, when there was a 401 to read it from.
fn metadata_url(value: Option<&str>, bearer: bool, url: &str) -> Option<Finding> {
    if !bearer {
        return None;
    }
    let f = match value {
        None => Finding::warn(
            "mcp.resource-metadata-url",
            "the Bearer challenge has no resource_metadata: clients fall back to the well-known URL",
        ),
        Some(v) => match Url::parse(v) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                Finding::pass("mcp.resource-metadata-url", "absolute resource_metadata")
            }
            _ => Finding::fail(
                "mcp.resource-metadata-url",
                "resource_metadata is not an absolute http(s) URL",
            ),
        },
    };
    Some(f.with(Evidence::member(
        url,
        "resource_metadata",
        value.map(str::to_owned),
    )))
}

/// `resource.matches`: VS Code's exact rule and the SDKs' prefix rule.
fn matches(mcp: &Url, resource: Option<&serde_json::Value>, at: &str) -> Finding {
    let evidence = Evidence::member(at, "resource", shown(resource));
    let Some(text) = resource.and_then(serde_json::Value::as_str) else {
        return Finding::fail("resource.matches", "resource is missing or not a string")
            .with(evidence);
    };
    let Ok(resource) = Url::parse(text) else {
        return Finding::fail("resource.matches", "resource is not a URL").with(evidence);
    };
    let mut target = mcp.clone();
    target.set_fragment(None);
    if resource.as_str() == target.as_str() {
        return Finding::pass("resource.matches", format!("resource is {target}")).with(evidence);
    }
    let trailing =
        if resource.as_str().trim_end_matches('/') == target.as_str().trim_end_matches('/') {
            " (a trailing slash apart)"
        } else {
            ""
        };
    if prefix_allowed(&target, &resource) {
        Finding::fail(
            "resource.matches",
            format!("resource {resource} is not the MCP URL {target}{trailing}: VS Code refuses it, the SDKs accept it as a prefix"),
        )
        .hurts(&[VS_CODE_RESOURCE])
        .with(evidence)
    } else {
        Finding::fail(
            "resource.matches",
            format!(
                "resource {resource} is neither the MCP URL {target} nor a prefix of it{trailing}"
            ),
        )
        .hurts(&[VS_CODE_RESOURCE, TS_RESOURCE, PY_RESOURCE])
        .with(evidence)
    }
}

/// The SDKs' rule: same origin, and the configured path a whole-segment
/// prefix of the requested one.
fn prefix_allowed(requested: &Url, configured: &Url) -> bool {
    if requested.origin() != configured.origin() {
        return false;
    }
    let slash = |p: &str| {
        if p.ends_with('/') {
            p.to_owned()
        } else {
            format!("{p}/")
        }
    };
    requested.path().len() >= configured.path().len()
        && slash(requested.path()).starts_with(&slash(configured.path()))
}

/// The URLs tried, for a summary.
#[must_use]
pub fn tried(tries: &[Fetched]) -> String {
    let urls: Vec<String> = tries.iter().map(|t| t.url.to_string()).collect();
    if urls.is_empty() {
        "no URL (nothing to try)".to_owned()
    } else {
        urls.join(", ")
    }
}
