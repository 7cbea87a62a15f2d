//! Findings about every well-known answer and document: JSON or a clean
//! 4xx, no `null` members, served as `application/json`, without a redirect.

use super::{Evidence, Finding};
use crate::check::client::{Answer, MAX_BODY_BYTES};
use crate::check::discovery::{Discovery, Doc, Fetched};

/// `wellknown.json`, `metadata.no-null`, `metadata.content-type` and
/// `metadata.no-redirect`.
#[must_use]
pub fn findings(d: &Discovery) -> Vec<Finding> {
    let tries = d.resource_tries.iter().chain(&d.server_tries);
    let bad: Vec<Evidence> = tries.filter_map(unclean).collect();
    let answers = d.resource_tries.len() + d.server_tries.len();
    let json = verdict(
        "wellknown.json",
        bad,
        format!("{answers} well-known answers, each JSON or a clean 4xx"),
        |bad| {
            let urls: Vec<&str> = bad.iter().map(|e| e.url.as_str()).collect();
            format!("not JSON and not a clean 4xx: {}", urls.join(", "))
        },
    );
    let docs = d.resource.iter().chain(&d.server);
    let nulls: Vec<Evidence> = docs.flat_map(null_members).collect();
    let null = verdict(
        "metadata.no-null",
        nulls,
        "no member is null".into(),
        |nulls| {
            let names: Vec<&str> = nulls.iter().filter_map(|e| e.member.as_deref()).collect();
            format!("null members: {}", names.join(", "))
        },
    );
    vec![json, null, content_type(d), no_redirect(d)]
}

/// `metadata.no-redirect`: each document found answered 200 itself.
fn no_redirect(d: &Discovery) -> Finding {
    let docs = d.resource.iter().chain(&d.server);
    let moved: Vec<Evidence> = docs
        .filter(|doc| !doc.answer.redirects.is_empty())
        .map(|doc| {
            Evidence::answer(
                doc.url.as_str(),
                format!("redirected to {}", doc.answer.url),
            )
        })
        .collect();
    verdict(
        "metadata.no-redirect",
        moved,
        "every document answered 200 at its well-known URL".into(),
        |moved| {
            let urls: Vec<&str> = moved.iter().map(|e| e.url.as_str()).collect();
            format!("served only after a redirect: {}", urls.join(", "))
        },
    )
}

/// `metadata.content-type`: each document found is `application/json`
/// (RFC 8414 §3.2, RFC 9728 §3.2). A FAIL because the conformance suite
/// refuses any other type; no MCP client is named, as none has been found
/// to refuse it.
fn content_type(d: &Discovery) -> Finding {
    let docs = d.resource.iter().chain(&d.server);
    let wrong: Vec<Evidence> = docs
        .filter_map(|doc| {
            let media = doc.answer.media_type();
            (media.as_deref() != Some("application/json")).then(|| {
                Evidence::member(
                    doc.url.as_str(),
                    "Content-Type",
                    Some(media.unwrap_or_else(|| "(none)".to_owned())),
                )
            })
        })
        .collect();
    verdict(
        "metadata.content-type",
        wrong,
        "every document is application/json".into(),
        |wrong| {
            let urls: Vec<&str> = wrong.iter().map(|e| e.url.as_str()).collect();
            format!(
                "not application/json: {} (the conformance suite refuses it)",
                urls.join(", ")
            )
        },
    )
}

/// A pass saying `passed` when nothing is wrong, else a fail with the
/// evidence, saying what `failed` makes of it.
fn verdict(
    id: &'static str,
    wrong: Vec<Evidence>,
    passed: String,
    failed: impl FnOnce(&[Evidence]) -> String,
) -> Finding {
    if wrong.is_empty() {
        return Finding::pass(id, passed);
    }
    let mut f = Finding::fail(id, failed(&wrong));
    f.evidence = wrong;
    f
}

/// What is wrong with one well-known answer, if anything.
fn unclean(t: &Fetched) -> Option<Evidence> {
    let url = t.url.as_str();
    let answer = match &t.result {
        Err(e) => return Some(Evidence::answer(url, e.to_string())),
        Ok(a) => a,
    };
    let status = answer.status.as_u16();
    let via = redirected(answer);
    if answer.truncated {
        return Some(Evidence::answer(
            url,
            format!("{status}{via}, body over {MAX_BODY_BYTES} bytes: reading stopped"),
        ));
    }
    let media = answer
        .media_type()
        .unwrap_or_else(|| "no content type".to_owned());
    if (400..500).contains(&status) {
        // Clients move on after a 4xx without reading the body.
        return None;
    }
    if status == 200 {
        if answer.json().is_some() {
            return None;
        }
        return Some(Evidence::answer(
            url,
            format!("200{via} {media}, not JSON: {}", excerpt(answer)),
        ));
    }
    Some(Evidence::answer(
        url,
        format!("{status}{via} {media}: {}", excerpt(answer)),
    ))
}

fn redirected(answer: &Answer) -> String {
    if answer.redirects.is_empty() {
        String::new()
    } else {
        format!(" after a redirect to {}", answer.url)
    }
}

/// The first bytes of a body, printable.
fn excerpt(answer: &Answer) -> String {
    let text = String::from_utf8_lossy(&answer.body[..answer.body.len().min(60)]);
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("{:?}", text.trim())
}

fn null_members(doc: &Doc) -> Vec<Evidence> {
    doc.members
        .iter()
        .filter(|(_, v)| v.is_null())
        .map(|(k, _)| Evidence::member(doc.url.as_str(), k, Some("null".to_owned())))
        .collect()
}
