//! The layer's rules without HTTP types: a method, a raw path and header
//! pairs in, a decision out. [`RepairMetadata`](crate::RepairMetadata)
//! calls these same rules on `http` types, so another server interface (the
//! ASGI middleware `oauth-metadata-repair-asgi`, a proxy) that calls them
//! behaves as the layer does, and the two cannot drift.
//!
//! A request and its response go through [`Core`] in four steps:
//!
//! ```
//! use oauth_metadata_repair::plain::Headers;
//! use oauth_metadata_repair::RepairMetadataLayer;
//!
//! let core = RepairMetadataLayer::new().core();
//! // 1. The request: None means "not a discovery request, pass it through".
//! let mut req: Headers = vec![(b"accept-encoding".to_vec(), b"gzip".to_vec())];
//! let plan = core.plan_request("HEAD", "/.well-known/oauth-authorization-server", &mut req).unwrap();
//! assert!(plan.head()); // send GET to the application, answer HEAD with no body
//! assert_eq!(req, vec![(b"accept-encoding".to_vec(), b"identity".to_vec())]);
//!
//! // 2. The response head: may it be buffered (up to core.max_body_bytes())?
//! let mut res: Headers = vec![
//!     (b"content-type".to_vec(), b"application/json".to_vec()),
//!     (b"etag".to_vec(), b"\"v1\"".to_vec()),
//! ];
//! assert!(core.check_response(&plan, 200, &mut res).is_ok());
//!
//! // 3. The whole body: repaired bytes, with the headers fixed up.
//! let doc = br#"{"token_endpoint_auth_methods_supported":["client_secret_post"]}"#;
//! let repaired = core.repair(doc, &mut res).unwrap();
//! assert_eq!(repaired, br#"{"token_endpoint_auth_methods_supported":["client_secret_post","none"]}"#);
//! assert_eq!(res[1], (b"etag".to_vec(), format!("\"v1{}\"", core.etag_suffix()).into_bytes()));
//! assert_eq!(res[2], (b"content-length".to_vec(), b"71".to_vec()));
//!
//! // 4. Trailers of a repaired body lose their digests too (and with the
//! //    `iss` repair on, every other response goes through Core::redirect).
//! let mut trailers: Headers = vec![(b"content-digest".to_vec(), b"sha-256=:x:".to_vec())];
//! oauth_metadata_repair::plain::drop_digests(&mut trailers);
//! assert!(trailers.is_empty());
//! ```

use crate::config::Config;
use crate::headers;
use crate::matcher::{DiscoveryPaths, StandardPaths};
use crate::redirect;
use crate::repair::Skip;
use crate::trace;
use bytes::Bytes;
use std::sync::Arc;

mod iss;

pub use iss::Redirect;

/// Header pairs as a server interface hands them over (ASGI, WSGI, CGI):
/// names and values as bytes, in order, a name possibly repeated.
pub type Headers = Vec<(Vec<u8>, Vec<u8>)>;

/// A list of header fields the rules read and edit: `http::HeaderMap` and
/// [`Headers`] implement it. Names are given in lower case and compared
/// case-insensitively.
///
/// ```
/// use oauth_metadata_repair::plain::{HeaderList, Headers};
///
/// let mut h: Headers = vec![(b"ETag".to_vec(), b"\"a\"".to_vec()), (b"x".to_vec(), b"1".to_vec())];
/// assert_eq!(h.values("etag").collect::<Vec<_>>(), [b"\"a\"".as_slice()]);
/// h.replace("x", "2");
/// h.remove_all("etag");
/// assert_eq!(h, vec![(b"x".to_vec(), b"2".to_vec())]);
/// ```
pub trait HeaderList {
    /// The values of `name`, in order.
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a;
    /// Removes every field called `name`.
    fn remove_all(&mut self, name: &str);
    /// Sets `name` to the single `value`: the first field of that name keeps
    /// its place, the others go; a new field goes last. False (and nothing
    /// changed) when `name` or `value` is not a valid field.
    fn replace(&mut self, name: &str, value: &str) -> bool;
}

impl HeaderList for http::HeaderMap {
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        let all = match known(name) {
            Some(name) => self.get_all(name),
            None => self.get_all(name),
        };
        all.into_iter().map(http::HeaderValue::as_bytes)
    }

    fn remove_all(&mut self, name: &str) {
        match known(name) {
            Some(name) => self.remove(name),
            None => self.remove(name),
        };
    }

    fn replace(&mut self, name: &str, value: &str) -> bool {
        let Ok(value) = http::HeaderValue::from_str(value) else {
            return false;
        };
        let name = match known(name) {
            Some(name) => name.clone(),
            None => match http::HeaderName::from_bytes(name.as_bytes()) {
                Ok(name) => name,
                Err(_) => return false,
            },
        };
        self.insert(name, value);
        true
    }
}

/// The fields the rules read and edit, as `http` names made at compile
/// time: a `HeaderMap` finds them without parsing the name again (the
/// discovery path asks for a dozen per request).
fn known(name: &str) -> Option<&'static http::HeaderName> {
    use http::header;
    static DIGESTS: [http::HeaderName; 4] = [
        http::HeaderName::from_static("content-digest"),
        http::HeaderName::from_static("repr-digest"),
        http::HeaderName::from_static("content-md5"),
        http::HeaderName::from_static("digest"),
    ];
    Some(match name {
        "accept-encoding" => &header::ACCEPT_ENCODING,
        "cache-control" => &header::CACHE_CONTROL,
        "content-encoding" => &header::CONTENT_ENCODING,
        "content-length" => &header::CONTENT_LENGTH,
        "content-type" => &header::CONTENT_TYPE,
        "etag" => &header::ETAG,
        "if-modified-since" => &header::IF_MODIFIED_SINCE,
        "if-none-match" => &header::IF_NONE_MATCH,
        "if-range" => &header::IF_RANGE,
        "location" => &header::LOCATION,
        "range" => &header::RANGE,
        "transfer-encoding" => &header::TRANSFER_ENCODING,
        "content-digest" => &DIGESTS[0],
        "repr-digest" => &DIGESTS[1],
        "content-md5" => &DIGESTS[2],
        "digest" => &DIGESTS[3],
        _ => return None,
    })
}

impl HeaderList for Headers {
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_slice())
    }

    fn remove_all(&mut self, name: &str) {
        self.retain(|(n, _)| !n.eq_ignore_ascii_case(name.as_bytes()));
    }

    fn replace(&mut self, name: &str, value: &str) -> bool {
        if http::HeaderName::from_bytes(name.as_bytes()).is_err()
            || http::HeaderValue::from_str(value).is_err()
        {
            return false;
        }
        let same = |n: &[u8]| n.eq_ignore_ascii_case(name.as_bytes());
        match self.iter().position(|(n, _)| same(n)) {
            Some(first) => {
                self[first].1 = value.as_bytes().to_vec();
                let mut i = 0;
                self.retain(|(n, _)| {
                    i += 1;
                    i - 1 == first || !same(n)
                });
            }
            None => self.push((name.as_bytes().to_vec(), value.as_bytes().to_vec())),
        }
        true
    }
}

/// A header value as text, when it is visible ASCII (tabs allowed), the
/// same test as `http::HeaderValue::to_str`; `None` otherwise.
pub(crate) fn text(value: &[u8]) -> Option<&str> {
    if value
        .iter()
        .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        std::str::from_utf8(value).ok()
    } else {
        None
    }
}

/// What [`Core::plan_request`] decided for a discovery request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestPlan {
    pub(crate) head: bool,
    pub(crate) revalidating: bool,
}

impl RequestPlan {
    /// The client asked with `HEAD`: send `GET` to the application, and
    /// answer with the response's head and no body.
    ///
    /// ```
    /// # use oauth_metadata_repair::{plain::Headers, RepairMetadataLayer};
    /// let core = RepairMetadataLayer::new().core();
    /// let plan = core.plan_request("GET", "/.well-known/openid-configuration", &mut Headers::new());
    /// assert!(!plan.unwrap().head());
    /// ```
    #[must_use]
    pub fn head(&self) -> bool {
        self.head
    }

    /// An `If-None-Match` naming a repaired representation was mapped back
    /// and kept, so a `304` is relabelled.
    ///
    /// ```
    /// # use oauth_metadata_repair::{plain::Headers, RepairMetadataLayer};
    /// let core = RepairMetadataLayer::new().core();
    /// let tag = format!("\"v1{}\"", core.etag_suffix());
    /// let mut h: Headers = vec![(b"if-none-match".to_vec(), tag.into_bytes())];
    /// let plan = core.plan_request("GET", "/.well-known/openid-configuration", &mut h).unwrap();
    /// assert!(plan.revalidating());
    /// assert_eq!(h[1].1, b"\"v1\""); // after the added Accept-Encoding
    /// ```
    #[must_use]
    pub fn revalidating(&self) -> bool {
        self.revalidating
    }
}

/// A configured layer's rules, for callers that hold plain bytes; made by
/// [`RepairMetadataLayer::core`](crate::RepairMetadataLayer::core) and
/// sharing that layer's settings (and its memory of the last repair).
#[derive(Debug, Clone)]
pub struct Core<M = StandardPaths> {
    config: Arc<Config>,
    paths: M,
}

impl<M> Core<M> {
    pub(crate) fn from_parts(config: Arc<Config>, paths: M) -> Self {
        Self { config, paths }
    }
}

impl<M: DiscoveryPaths> Core<M> {
    /// True for a `GET` or `HEAD` whose path (raw, as received, without the
    /// query) is a discovery path; every other request passes through
    /// untouched.
    ///
    /// ```
    /// let core = oauth_metadata_repair::RepairMetadataLayer::new().core();
    /// assert!(core.is_discovery("GET", "/.well-known/oauth-authorization-server"));
    /// assert!(!core.is_discovery("POST", "/.well-known/oauth-authorization-server"));
    /// assert!(!core.is_discovery("GET", "/.well-known/oauth-authorization-server/%2e%2e/x"));
    /// ```
    #[must_use]
    pub fn is_discovery(&self, method: &str, path: &str) -> bool {
        headers::is_get_or_head(method) && self.paths.is_discovery(path)
    }

    /// For a discovery request, edits `headers` into those the application
    /// must see (`Accept-Encoding: identity`; no `Range`, `If-Range` or
    /// `If-Modified-Since`; `If-None-Match` reduced to this layer's tags,
    /// mapped back) and returns the plan; `None`, with `headers` untouched,
    /// for every other request.
    pub fn plan_request<H: HeaderList + ?Sized>(
        &self,
        method: &str,
        path: &str,
        headers: &mut H,
    ) -> Option<RequestPlan> {
        if !self.is_discovery(method, path) {
            return None;
        }
        Some(headers::prepare_headers(
            method == "HEAD",
            headers,
            &self.config.etag_suffix,
        ))
    }
}

impl<M> Core<M> {
    /// The response head of a planned request: relabels the `ETag` of a
    /// `304` that answered one of this layer's tags, then says whether the
    /// response may be buffered for repair (`Ok`) or why it passes through
    /// (a `200`, JSON or untyped, identity-coded, no `no-transform`, a
    /// `Content-Length` within the limit).
    ///
    /// # Errors
    ///
    /// The reason the response passes through untouched (the `304`
    /// relabelling aside).
    ///
    /// ```
    /// # use oauth_metadata_repair::{plain::Headers, RepairMetadataLayer};
    /// let core = RepairMetadataLayer::new().core();
    /// let plan = core.plan_request("GET", "/.well-known/openid-configuration", &mut Headers::new()).unwrap();
    /// let mut gzip: Headers = vec![(b"content-encoding".to_vec(), b"gzip".to_vec())];
    /// assert_eq!(core.check_response(&plan, 200, &mut gzip), Err("content-encoding is not identity"));
    /// ```
    pub fn check_response<H: HeaderList + ?Sized>(
        &self,
        plan: &RequestPlan,
        status: u16,
        headers: &mut H,
    ) -> Result<(), &'static str> {
        headers::response_head(plan, status, headers, &self.config)
    }

    /// Repairs a whole document (at most [`Core::max_body_bytes`] long) and
    /// fixes `headers` for it: `Content-Length` set, `Transfer-Encoding`
    /// removed, `ETag` derived, digests dropped.
    ///
    /// # Errors
    ///
    /// [`Skip`]: the document is left as it is, and so are the headers.
    ///
    /// ```
    /// # use oauth_metadata_repair::{plain::Headers, repair::Skip, RepairMetadataLayer};
    /// let core = RepairMetadataLayer::new().core();
    /// let mut h = Headers::new();
    /// assert_eq!(core.repair(b"[]", &mut h), Err(Skip::NotAnObject));
    /// assert!(h.is_empty());
    /// ```
    pub fn repair<H: HeaderList + ?Sized>(
        &self,
        doc: &[u8],
        headers: &mut H,
    ) -> Result<Vec<u8>, Skip> {
        let config = &self.config;
        let doc = Bytes::copy_from_slice(doc);
        let outcome = config.last.outcome(&doc, &config.repairer);
        redirect::learn(config, &outcome);
        let edits = match &outcome.edits {
            Ok(edits) => edits,
            Err(skip) => {
                trace::left_alone(skip);
                return Err(skip.clone());
            }
        };
        trace::repaired(&edits.fields, edits.signed_metadata);
        let len = edits.repaired_len(doc.len());
        headers::after_repair(headers, len, &config.etag_suffix);
        let mut out = Vec::with_capacity(len);
        let mut from = 0;
        for (at, text) in edits.inserts() {
            out.extend_from_slice(&doc[from..at]);
            out.extend_from_slice(text);
            from = at;
        }
        out.extend_from_slice(&doc[from..]);
        Ok(out)
    }

    /// The largest body buffered for repair; past it, replay what was read
    /// and stream the rest unchanged.
    ///
    /// ```
    /// let core = oauth_metadata_repair::RepairMetadataLayer::new().max_body_bytes(10).core();
    /// assert_eq!(core.max_body_bytes(), 10);
    /// ```
    #[must_use]
    pub fn max_body_bytes(&self) -> usize {
        self.config.max_body_bytes
    }

    /// The suffix of the entity tags of repaired documents (it names the
    /// rule set).
    ///
    /// ```
    /// let core = oauth_metadata_repair::RepairMetadataLayer::new().core();
    /// assert!(core.etag_suffix().starts_with("-omr"));
    /// ```
    #[must_use]
    pub fn etag_suffix(&self) -> &str {
        &self.config.etag_suffix
    }
}

/// Removes the digests of the old bytes (`Content-Digest`, `Repr-Digest`,
/// `Content-MD5`, `Digest`) from headers or trailers of a repaired body.
///
/// ```
/// use oauth_metadata_repair::plain::{drop_digests, Headers};
///
/// let mut t: Headers = vec![(b"Repr-Digest".to_vec(), b"x".to_vec()), (b"x-a".to_vec(), b"1".to_vec())];
/// drop_digests(&mut t);
/// assert_eq!(t, vec![(b"x-a".to_vec(), b"1".to_vec())]);
/// ```
pub fn drop_digests<H: HeaderList + ?Sized>(headers: &mut H) {
    headers::drop_digests(headers);
}

/// The entity tag of a repaired representation: the upstream's `tag` with
/// `suffix` inside the quotes, weak if it was weak; `None` for a malformed
/// tag (which a repaired response then drops).
///
/// ```
/// use oauth_metadata_repair::plain::derive_etag;
///
/// assert_eq!(derive_etag(b"W/\"a\"", "-omr1").as_deref(), Some("W/\"a-omr1\""));
/// assert_eq!(derive_etag(b"a", "-omr1"), None);
/// ```
#[must_use]
pub fn derive_etag(tag: &[u8], suffix: &str) -> Option<String> {
    headers::derive_etag(tag, suffix)
}

#[cfg(test)]
mod known_tests {
    use super::{known, HeaderList};

    #[test]
    fn every_known_name_is_itself() {
        for name in [
            "accept-encoding",
            "cache-control",
            "content-encoding",
            "content-length",
            "content-type",
            "etag",
            "if-modified-since",
            "if-none-match",
            "if-range",
            "location",
            "range",
            "transfer-encoding",
            "content-digest",
            "repr-digest",
            "content-md5",
            "digest",
        ] {
            assert_eq!(known(name).map(http::HeaderName::as_str), Some(name));
        }
        assert!(known("x-other").is_none());
        assert!(known("Content-Length").is_none());
    }

    #[test]
    fn known_and_other_names_edit_a_header_map_alike() {
        let mut h = http::HeaderMap::new();
        h.append("content-digest", "a".parse().unwrap());
        h.append("content-digest", "b".parse().unwrap());
        h.append("x-other", "c".parse().unwrap());
        assert_eq!(HeaderList::values(&h, "content-digest").count(), 2);
        assert_eq!(
            HeaderList::values(&h, "x-other").collect::<Vec<_>>(),
            [b"c".as_slice()]
        );
        assert!(h.replace("x-other", "d") && h.replace("etag", "\"e\""));
        assert!(!h.replace("etag", "bad\nvalue") && !h.replace("bad name", "v"));
        h.remove_all("content-digest");
        h.remove_all("x-other");
        assert_eq!(h.len(), 1);
        assert_eq!(h["etag"], "\"e\"");
    }
}
