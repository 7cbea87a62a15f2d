//! Header rules, each in one small helper with the reason it exists. They
//! work on any [`HeaderList`]: the layer's `http::HeaderMap` and the plain
//! header pairs of [`crate::plain`] alike, so both follow the same rules.

use crate::config::Config;
use crate::plain::{text, HeaderList, RequestPlan};

const ACCEPT_ENCODING: &str = "accept-encoding";
const CACHE_CONTROL: &str = "cache-control";
const CONTENT_ENCODING: &str = "content-encoding";
const CONTENT_LENGTH: &str = "content-length";
const CONTENT_TYPE: &str = "content-type";
const ETAG: &str = "etag";
const IF_MODIFIED_SINCE: &str = "if-modified-since";
const IF_NONE_MATCH: &str = "if-none-match";
const IF_RANGE: &str = "if-range";
const RANGE: &str = "range";
const TRANSFER_ENCODING: &str = "transfer-encoding";

/// Digests of the body bytes, wrong once the body changes (RFC 9530, RFC
/// 1864, RFC 3230).
const DIGESTS: [&str; 4] = ["content-digest", "repr-digest", "content-md5", "digest"];

/// True for the methods whose responses are repaired.
pub(crate) fn is_get_or_head(method: &str) -> bool {
    method == "GET" || method == "HEAD"
}

/// Adjusts a matched discovery request before the inner service sees it.
pub(crate) fn prepare_request<B>(req: &mut http::Request<B>, etag_suffix: &str) -> RequestPlan {
    let head = req.method() == http::Method::HEAD;
    if head {
        // Fetch the GET representation so HEAD can report its repaired
        // length and validator (RFC 9110 §9.3.2: same header fields as GET).
        *req.method_mut() = http::Method::GET;
    }
    prepare_headers(head, req.headers_mut(), etag_suffix)
}

/// The header part of [`prepare_request`]; `head` when the client asked
/// with HEAD (the caller sends GET instead).
pub(crate) fn prepare_headers<H: HeaderList + ?Sized>(
    head: bool,
    headers: &mut H,
    etag_suffix: &str,
) -> RequestPlan {
    // Ask for an identity body we can edit; absent means "any coding"
    // (RFC 9110 §12.5.3).
    headers.replace(ACCEPT_ENCODING, "identity");
    // A partial body cannot be repaired; the full document is small.
    headers.remove_all(RANGE);
    headers.remove_all(IF_RANGE);
    // A date cannot tell a repaired copy from one cached before the layer
    // was deployed, so it must never earn a 304.
    headers.remove_all(IF_MODIFIED_SINCE);
    let revalidating = map_if_none_match(headers, etag_suffix);
    RequestPlan { head, revalidating }
}

/// Keeps only the entity tags this layer issued, mapped back to the
/// upstream's tags; any other tag may label an unrepaired copy. Returns true
/// when some tag was forwarded.
fn map_if_none_match<H: HeaderList + ?Sized>(headers: &mut H, suffix: &str) -> bool {
    let mut kept = String::new();
    let mut present = false;
    for value in headers.values(IF_NONE_MATCH) {
        present = true;
        let Some(text) = text(value) else { continue };
        for tag in EntityTags(text) {
            let (weak, opaque) = tag;
            if let Some(upstream) = opaque.strip_suffix(suffix) {
                if !kept.is_empty() {
                    kept.push_str(", ");
                }
                if weak {
                    kept.push_str("W/");
                }
                kept.push('"');
                kept.push_str(upstream);
                kept.push('"');
            }
        }
    }
    if !present {
        return false;
    }
    headers.remove_all(IF_NONE_MATCH);
    !kept.is_empty() && headers.replace(IF_NONE_MATCH, &kept)
}

/// Iterates `(weak, opaque-tag)` over a comma-separated entity-tag list
/// (RFC 9110 §8.8.3); stops at `*` or at anything malformed.
struct EntityTags<'a>(&'a str);

impl<'a> Iterator for EntityTags<'a> {
    type Item = (bool, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.0.trim_start_matches([' ', '\t', ',']);
        let (weak, rest) = match rest.strip_prefix("W/") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let rest = rest.strip_prefix('"')?;
        let end = rest.find('"')?;
        self.0 = &rest[end + 1..];
        Some((weak, &rest[..end]))
    }
}

/// The validator of a repaired representation: the upstream's tag plus the
/// layer's suffix, weak if it was weak. `None` when the upstream's tag is
/// malformed, and then the tag is dropped.
pub(crate) fn derive_etag(value: &[u8], suffix: &str) -> Option<String> {
    let text = text(value)?.trim();
    let mut tags = EntityTags(text);
    let (weak, opaque) = tags.next()?;
    if !tags.0.trim().is_empty() {
        return None;
    }
    // Built by hand: this runs for every repaired response, and the
    // formatting machinery costs several times more.
    let mut tag = String::with_capacity(opaque.len() + suffix.len() + 4);
    if weak {
        tag.push_str("W/");
    }
    tag.push('"');
    tag.push_str(opaque);
    tag.push_str(suffix);
    tag.push('"');
    Some(tag)
}

/// Re-labels the validator of a 304 that answered a repaired tag.
fn relabel_not_modified<H: HeaderList + ?Sized>(headers: &mut H, suffix: &str) {
    let derived = headers
        .values(ETAG)
        .next()
        .and_then(|v| derive_etag(v, suffix));
    if let Some(v) = derived {
        headers.replace(ETAG, &v);
    }
}

/// The response head of a matched request: a 304 that answered one of the
/// layer's tags is relabelled, then `Ok` when the response may be buffered
/// and repaired, or the reason it must pass through.
pub(crate) fn response_head<H: HeaderList + ?Sized>(
    plan: &RequestPlan,
    status: u16,
    headers: &mut H,
    config: &Config,
) -> Result<(), &'static str> {
    if status == 304 && plan.revalidating {
        // The upstream matched a tag we mapped back from a repaired one.
        relabel_not_modified(headers, &config.etag_suffix);
    }
    check_response(
        status,
        headers,
        config.respect_no_transform,
        config.max_body_bytes,
    )
}

/// Why a discovery response must pass through untouched, or `Ok` when it
/// may be buffered and repaired.
pub(crate) fn check_response<H: HeaderList + ?Sized>(
    status: u16,
    headers: &H,
    respect_no_transform: bool,
    limit: usize,
) -> Result<(), &'static str> {
    if status != 200 {
        return Err("status is not 200");
    }
    if headers
        .values(CONTENT_ENCODING)
        .any(|v| !text(v).is_some_and(|s| s.trim().eq_ignore_ascii_case("identity")))
    {
        return Err("content-encoding is not identity");
    }
    let mut types = headers.values(CONTENT_TYPE);
    if let Some(ct) = types.next() {
        if types.next().is_some() || !is_json_media_type(ct) {
            return Err("content-type is not json");
        }
    }
    if respect_no_transform && has_no_transform(headers) {
        // RFC 9110 §7.7: an intermediary must not transform such content.
        return Err("cache-control: no-transform");
    }
    let mut lengths = headers.values(CONTENT_LENGTH);
    match (lengths.next(), lengths.next()) {
        (None, _) => Ok(()),
        (Some(v), None) => match text(v).and_then(|s| s.trim().parse::<u64>().ok()) {
            Some(n) if n > limit as u64 => Err("content-length over the limit"),
            Some(_) => Ok(()),
            None => Err("content-length is malformed"),
        },
        _ => Err("content-length is repeated"),
    }
}

/// `application/json` or `application/<anything>+json`, parameters allowed,
/// case-insensitive (RFC 9110 §8.3.1).
pub(crate) fn is_json_media_type(value: &[u8]) -> bool {
    // The usual value, without taking it apart.
    if value.eq_ignore_ascii_case(b"application/json") {
        return true;
    }
    let Some(text) = text(value) else {
        return false;
    };
    let essence = text.split(';').next().unwrap_or("").trim();
    let Some((top, sub)) = essence.split_once('/') else {
        return false;
    };
    top.eq_ignore_ascii_case("application")
        && (sub.eq_ignore_ascii_case("json")
            || (sub.len() > 5
                && sub.is_char_boundary(sub.len() - 5)
                && sub[sub.len() - 5..].eq_ignore_ascii_case("+json")))
}

fn has_no_transform<H: HeaderList + ?Sized>(headers: &H) -> bool {
    headers.values(CACHE_CONTROL).any(|v| {
        text(v).is_some_and(|s| {
            s.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-transform"))
        })
    })
}

/// Header fix-ups for a body that was changed to `len` bytes.
pub(crate) fn after_repair<H: HeaderList + ?Sized>(headers: &mut H, len: usize, etag_suffix: &str) {
    // hyper trusts a present Content-Length; the framing is now ours.
    headers.replace(CONTENT_LENGTH, itoa::Buffer::new().format(len));
    headers.remove_all(TRANSFER_ENCODING);
    // A validator must not label different bytes (RFC 9110 §8.8.3).
    let derived = headers
        .values(ETAG)
        .next()
        .map(|t| derive_etag(t, etag_suffix));
    match derived {
        Some(Some(derived)) => {
            headers.replace(ETAG, &derived);
        }
        Some(None) => headers.remove_all(ETAG),
        None => {}
    }
    drop_digests(headers);
}

/// Removes digests of the old bytes (headers or trailers).
pub(crate) fn drop_digests<H: HeaderList + ?Sized>(headers: &mut H) {
    for name in DIGESTS {
        headers.remove_all(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{HeaderMap, HeaderValue};

    fn hv(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).unwrap()
    }

    #[test]
    fn json_media_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/jrd+json",
            "application/vnd.x+JSON ;q=1",
        ] {
            assert!(is_json_media_type(ok.as_bytes()), "{ok}");
        }
        for no in [
            "text/html",
            "application/jsonx",
            "application/+json",
            "text/json",
            "application/xml",
            "json",
            "application/jwt",
        ] {
            assert!(!is_json_media_type(no.as_bytes()), "{no}");
        }
        // Not visible ASCII: not a media type, as `HeaderValue::to_str` says.
        assert!(!is_json_media_type("application/json\u{e9}".as_bytes()));
    }

    #[test]
    fn derived_etags_keep_strength_and_differ() {
        assert_eq!(derive_etag(b"\"abc\"", "-s").unwrap(), "\"abc-s\"");
        assert_eq!(derive_etag(b"W/\"abc\"", "-s").unwrap(), "W/\"abc-s\"");
        assert!(derive_etag(b"abc", "-s").is_none());
        assert!(derive_etag(b"\"a\", \"b\"", "-s").is_none());
    }

    #[test]
    fn if_none_match_keeps_only_our_tags_mapped_back() {
        let mut h = HeaderMap::new();
        h.insert("if-none-match", hv("\"up\", W/\"x-s\", \"y-s\""));
        h.append("if-none-match", hv("*"));
        assert!(map_if_none_match(&mut h, "-s"));
        assert_eq!(h.get("if-none-match").unwrap(), "W/\"x\", \"y\"");
        let mut h = HeaderMap::new();
        h.insert("if-none-match", hv("\"upstream-tag\""));
        assert!(!map_if_none_match(&mut h, "-s"));
        assert!(h.get("if-none-match").is_none());
    }

    #[test]
    fn responses_that_must_pass_through() {
        let ok = |h: &HeaderMap| check_response(200, h, true, 100);
        let mut h = HeaderMap::new();
        assert_eq!(ok(&h), Ok(()));
        assert!(check_response(206, &h, true, 100).is_err());
        assert!(check_response(404, &h, true, 100).is_err());
        h.insert("content-length", hv("100"));
        assert_eq!(ok(&h), Ok(()));
        h.insert("content-length", hv("101"));
        assert!(ok(&h).is_err());
        h.insert("content-length", hv("1x"));
        assert!(ok(&h).is_err());
        let mut h = HeaderMap::new();
        h.insert("content-encoding", hv("gzip"));
        assert!(ok(&h).is_err());
        h.insert("content-encoding", hv("Identity"));
        assert!(ok(&h).is_ok());
        h.insert("content-type", hv("text/plain"));
        assert!(ok(&h).is_err());
        let mut h = HeaderMap::new();
        h.insert("cache-control", hv("max-age=60, No-Transform"));
        assert!(ok(&h).is_err());
        assert!(check_response(200, &h, false, 100).is_ok());
    }
}
