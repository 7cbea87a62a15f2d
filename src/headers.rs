//! Header rules, each in one small helper with the reason it exists.

use http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING,
    CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE, RANGE,
    TRANSFER_ENCODING,
};
use http::{Method, StatusCode};

/// Digests of the body bytes, wrong once the body changes (RFC 9530, RFC
/// 1864, RFC 3230).
const DIGESTS: [&str; 4] = ["content-digest", "repr-digest", "content-md5", "digest"];

/// What the service learned about a matched request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestPlan {
    /// The client asked with HEAD; the inner service was asked with GET.
    pub(crate) head: bool,
    /// An `If-None-Match` naming a repaired representation was forwarded.
    pub(crate) revalidating: bool,
}

/// Adjusts a matched discovery request before the inner service sees it.
pub(crate) fn prepare_request<B>(req: &mut http::Request<B>, etag_suffix: &str) -> RequestPlan {
    let head = req.method() == Method::HEAD;
    if head {
        // Fetch the GET representation so HEAD can report its repaired
        // length and validator (RFC 9110 §9.3.2: same header fields as GET).
        *req.method_mut() = Method::GET;
    }
    let headers = req.headers_mut();
    // Ask for an identity body we can edit; absent means "any coding"
    // (RFC 9110 §12.5.3).
    headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
    // A partial body cannot be repaired; the full document is small.
    headers.remove(RANGE);
    headers.remove(IF_RANGE);
    // A date cannot tell a repaired copy from one cached before the layer
    // was deployed, so it must never earn a 304.
    headers.remove(IF_MODIFIED_SINCE);
    let revalidating = map_if_none_match(headers, etag_suffix);
    RequestPlan { head, revalidating }
}

/// Keeps only the entity tags this layer issued, mapped back to the
/// upstream's tags; any other tag may label an unrepaired copy. Returns true
/// when some tag was forwarded.
fn map_if_none_match(headers: &mut HeaderMap, suffix: &str) -> bool {
    if !headers.contains_key(IF_NONE_MATCH) {
        return false;
    }
    let mut kept = String::new();
    for value in headers.get_all(IF_NONE_MATCH) {
        let Ok(text) = value.to_str() else { continue };
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
    headers.remove(IF_NONE_MATCH);
    match HeaderValue::from_str(&kept) {
        Ok(v) if !kept.is_empty() => {
            headers.insert(IF_NONE_MATCH, v);
            true
        }
        _ => false,
    }
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
pub(crate) fn derive_etag(value: &HeaderValue, suffix: &str) -> Option<HeaderValue> {
    let text = value.to_str().ok()?.trim();
    let mut tags = EntityTags(text);
    let (weak, opaque) = tags.next()?;
    if !tags.0.trim().is_empty() {
        return None;
    }
    // Built in one buffer of the right size, handed to the header value
    // without a copy: this runs on every repaired response that has a tag.
    let mut tag = Vec::with_capacity(opaque.len() + suffix.len() + 4);
    if weak {
        tag.extend_from_slice(b"W/");
    }
    tag.push(b'"');
    tag.extend_from_slice(opaque.as_bytes());
    tag.extend_from_slice(suffix.as_bytes());
    tag.push(b'"');
    HeaderValue::from_maybe_shared(bytes::Bytes::from(tag)).ok()
}

/// Re-labels the validator of a 304 that answered a repaired tag.
pub(crate) fn relabel_not_modified(headers: &mut HeaderMap, suffix: &str) {
    if let Some(v) = headers.get(ETAG).and_then(|v| derive_etag(v, suffix)) {
        headers.insert(ETAG, v);
    }
}

/// Why a discovery response must pass through untouched, or `Ok` when it
/// may be buffered and repaired.
pub(crate) fn check_response(
    status: StatusCode,
    headers: &HeaderMap,
    respect_no_transform: bool,
    limit: usize,
) -> Result<(), &'static str> {
    if status != StatusCode::OK {
        return Err("status is not 200");
    }
    // One pass over the fields (every value of each), then the checks in
    // their order: four lookups cost more than this on every document.
    let mut encoded = false;
    let mut no_transform = false;
    let (mut types, mut first_type) = (0usize, None);
    let (mut lengths, mut first_length) = (0usize, None);
    for (name, value) in headers {
        if name == CONTENT_ENCODING {
            encoded |= !value
                .to_str()
                .is_ok_and(|s| s.trim().eq_ignore_ascii_case("identity"));
        } else if name == CONTENT_TYPE {
            types += 1;
            first_type = first_type.or(Some(value));
        } else if name == CACHE_CONTROL {
            no_transform |= has_no_transform(value);
        } else if name == CONTENT_LENGTH {
            lengths += 1;
            first_length = first_length.or(Some(value));
        }
    }
    if encoded {
        return Err("content-encoding is not identity");
    }
    if let Some(ct) = first_type {
        if types > 1 || !is_json_media_type(ct) {
            return Err("content-type is not json");
        }
    }
    if respect_no_transform && no_transform {
        // RFC 9110 §7.7: an intermediary must not transform such content.
        return Err("cache-control: no-transform");
    }
    match (first_length, lengths) {
        (None, _) => Ok(()),
        (Some(v), 1) => match v.to_str().ok().and_then(|s| s.trim().parse::<u64>().ok()) {
            Some(n) if n > limit as u64 => Err("content-length over the limit"),
            Some(_) => Ok(()),
            None => Err("content-length is malformed"),
        },
        _ => Err("content-length is repeated"),
    }
}

/// `application/json` or `application/<anything>+json`, parameters allowed,
/// case-insensitive (RFC 9110 §8.3.1).
pub(crate) fn is_json_media_type(value: &HeaderValue) -> bool {
    let Ok(text) = value.to_str() else {
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

fn has_no_transform(value: &HeaderValue) -> bool {
    value.to_str().is_ok_and(|s| {
        s.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-transform"))
    })
}

/// Header fix-ups for a body that was changed to `len` bytes.
pub(crate) fn after_repair(headers: &mut HeaderMap, len: usize, etag_suffix: &str) {
    // hyper trusts a present Content-Length; the framing is now ours.
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    headers.remove(TRANSFER_ENCODING);
    // A validator must not label different bytes (RFC 9110 §8.8.3).
    if let Some(tag) = headers.remove(ETAG) {
        if let Some(derived) = derive_etag(&tag, etag_suffix) {
            headers.insert(ETAG, derived);
        }
    }
    drop_digests(headers);
}

/// Removes digests of the old bytes (headers or trailers).
pub(crate) fn drop_digests(headers: &mut HeaderMap) {
    // Usually there are none: one pass over the names present is cheaper
    // than four lookups.
    if !headers.keys().any(|n| DIGESTS.contains(&n.as_str())) {
        return;
    }
    for name in DIGESTS {
        headers.remove(HeaderName::from_static(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(is_json_media_type(&hv(ok)), "{ok}");
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
            assert!(!is_json_media_type(&hv(no)), "{no}");
        }
    }

    #[test]
    fn derived_etags_keep_strength_and_differ() {
        assert_eq!(derive_etag(&hv("\"abc\""), "-s").unwrap(), "\"abc-s\"");
        assert_eq!(derive_etag(&hv("W/\"abc\""), "-s").unwrap(), "W/\"abc-s\"");
        assert!(derive_etag(&hv("abc"), "-s").is_none());
        assert!(derive_etag(&hv("\"a\", \"b\""), "-s").is_none());
    }

    #[test]
    fn digests_of_the_old_bytes_are_dropped_and_nothing_else() {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, hv("application/json"));
        h.insert("content-digest", hv("sha-256=:x:"));
        h.append("digest", hv("md5=y"));
        h.append("digest", hv("sha=z"));
        drop_digests(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key(CONTENT_TYPE));
        let before = h.clone();
        drop_digests(&mut h);
        assert_eq!(h, before);
    }

    #[test]
    fn if_none_match_keeps_only_our_tags_mapped_back() {
        let mut h = HeaderMap::new();
        h.insert(IF_NONE_MATCH, hv("\"up\", W/\"x-s\", \"y-s\""));
        h.append(IF_NONE_MATCH, hv("*"));
        assert!(map_if_none_match(&mut h, "-s"));
        assert_eq!(h.get(IF_NONE_MATCH).unwrap(), "W/\"x\", \"y\"");
        let mut h = HeaderMap::new();
        h.insert(IF_NONE_MATCH, hv("\"upstream-tag\""));
        assert!(!map_if_none_match(&mut h, "-s"));
        assert!(h.get(IF_NONE_MATCH).is_none());
    }

    #[test]
    fn responses_that_must_pass_through() {
        let ok = |h: &HeaderMap| check_response(StatusCode::OK, h, true, 100);
        let mut h = HeaderMap::new();
        assert_eq!(ok(&h), Ok(()));
        assert!(check_response(StatusCode::PARTIAL_CONTENT, &h, true, 100).is_err());
        assert!(check_response(StatusCode::NOT_FOUND, &h, true, 100).is_err());
        h.insert(CONTENT_LENGTH, hv("100"));
        assert_eq!(ok(&h), Ok(()));
        h.insert(CONTENT_LENGTH, hv("101"));
        assert!(ok(&h).is_err());
        h.insert(CONTENT_LENGTH, hv("1x"));
        assert!(ok(&h).is_err());
        let mut h = HeaderMap::new();
        h.insert(CONTENT_ENCODING, hv("gzip"));
        assert!(ok(&h).is_err());
        h.insert(CONTENT_ENCODING, hv("Identity"));
        assert!(ok(&h).is_ok());
        h.insert(CONTENT_TYPE, hv("text/plain"));
        assert!(ok(&h).is_err());
        let mut h = HeaderMap::new();
        h.insert(CACHE_CONTROL, hv("max-age=60, No-Transform"));
        assert!(ok(&h).is_err());
        assert!(check_response(StatusCode::OK, &h, false, 100).is_ok());
        // Every value of a field counts, and the first failing check names
        // the reason.
        let mut h = HeaderMap::new();
        h.append(CACHE_CONTROL, hv("max-age=60"));
        h.append(CACHE_CONTROL, hv("no-transform"));
        assert_eq!(ok(&h), Err("cache-control: no-transform"));
        h.append(CONTENT_TYPE, hv("application/json"));
        h.append(CONTENT_TYPE, hv("application/json"));
        assert_eq!(ok(&h), Err("content-type is not json"));
        h.append(CONTENT_ENCODING, hv("identity"));
        h.append(CONTENT_ENCODING, hv("br"));
        assert_eq!(ok(&h), Err("content-encoding is not identity"));
        let mut h = HeaderMap::new();
        h.append(CONTENT_LENGTH, hv("10"));
        h.append(CONTENT_LENGTH, hv("10"));
        assert_eq!(ok(&h), Err("content-length is repeated"));
    }
}
