//! Why the layer would leave a document alone for a reason outside the
//! document itself, in words an operator acts on. This only explains: the
//! verdict is the layer's (see [`served`](super::layer::served)), and a
//! test walks the header variants to keep the two in agreement.

use super::super::client::Answer;
use super::super::flags::Repair;
use http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use oauth_metadata_repair::{is_clean_path, DiscoveryPaths};

/// The header-level reason the layer leaves `answer` to a `GET` of `path`
/// alone, in the layer's order of checks; `None` when only the document
/// itself can decide.
#[must_use]
pub fn explain(answer: &Answer, path: &str, repair: &Repair) -> Option<String> {
    let headers = &answer.headers;
    if !repair.paths.is_discovery(path) {
        let remedy = if is_clean_path(path) {
            "--path adds it"
        } else {
            "not a clean path, so never matched"
        };
        return Some(format!(
            "{path} is not a discovery path the proxy matches ({remedy})"
        ));
    }
    if answer.status != StatusCode::OK {
        return Some(format!("status {} is not 200", answer.status.as_u16()));
    }
    let coded = headers.get_all(CONTENT_ENCODING).iter().any(|v| {
        !v.to_str()
            .is_ok_and(|v| v.trim().eq_ignore_ascii_case("identity"))
    });
    if coded {
        return Some("content-encoding is not identity".to_owned());
    }
    let mut types = headers.get_all(CONTENT_TYPE).iter();
    if let Some(first) = types.next() {
        if types.next().is_some() {
            return Some("content-type is repeated".to_owned());
        }
        if !is_json(first) {
            let shown = first.to_str().unwrap_or("(not readable)");
            return Some(format!("content-type {shown} is not json"));
        }
    }
    if !repair.repair_no_transform && no_transform(headers.get_all(CACHE_CONTROL)) {
        return Some(
            "cache-control: no-transform (--repair-no-transform repairs it anyway)".into(),
        );
    }
    let limit = repair.max_body_bytes;
    let over = format!("over --max-body-bytes {limit}");
    let mut lengths = headers.get_all(CONTENT_LENGTH).iter();
    match (lengths.next(), lengths.next()) {
        (Some(_), Some(_)) => return Some("content-length is repeated".to_owned()),
        (Some(v), None) => match v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()) {
            Some(n) if n > limit as u64 => return Some(format!("content-length {n}, {over}")),
            Some(_) => {}
            None => return Some("content-length is malformed".to_owned()),
        },
        (None, _) => {}
    }
    if answer.body.len() > limit {
        return Some(format!("{} bytes, {over}", answer.body.len()));
    }
    None
}

/// `application/json` or `application/<something>+json`, parameters
/// allowed, any case (RFC 9110 §8.3.1).
fn is_json(value: &HeaderValue) -> bool {
    let Ok(text) = value.to_str() else {
        return false;
    };
    let essence = text.split(';').next().unwrap_or("").trim();
    let Some((top, sub)) = essence.split_once('/') else {
        return false;
    };
    let sub = sub.to_ascii_lowercase();
    top.eq_ignore_ascii_case("application")
        && (sub == "json" || (sub.len() > 5 && sub.ends_with("+json")))
}

/// A `no-transform` directive in any `Cache-Control` value (RFC 9111 §5.2).
fn no_transform(values: http::header::GetAll<'_, HeaderValue>) -> bool {
    values.iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-transform"))
        })
    })
}
