//! What the repair would change: the authorization-server document as the
//! layer (and so the proxy) would serve it, from the library's own
//! [`Repairer`] with the same `--rule`/`--prepend` flags, shown as the
//! inserted bytes in context; or why it would be left alone.

use super::discovery::Doc;
use http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use oauth_metadata_repair::repair::{Placement, Repairer};
use oauth_metadata_repair::{DiscoveryPaths, StandardPaths, DEFAULT_MAX_BODY_BYTES};
use serde::Serialize;

/// Bytes of context shown on each side of an insertion.
const CONTEXT: usize = 40;

/// The repair preview of one document.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Preview {
    /// The document's URL.
    pub url: String,
    /// `true` when the proxy would change the document.
    pub repaired: bool,
    /// Why it would be left alone (`None` when repaired).
    pub left_alone_because: Option<String>,
    /// The top-level members that would change.
    pub fields: Vec<String>,
    /// Each insertion: where, what, and the bytes around it.
    pub inserts: Vec<Insert>,
}

/// One run of inserted bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Insert {
    /// Byte offset in the original document.
    pub offset: usize,
    /// The inserted text.
    pub text: String,
    /// Up to 40 bytes of the original before it.
    pub before: String,
    /// Up to 40 bytes of the original after it.
    pub after: String,
}

/// What the layer, configured as `repairer` (whose placement is
/// `placement`), would do to `doc`.
#[must_use]
pub fn preview(doc: &Doc, repairer: &Repairer, placement: Placement) -> Preview {
    let mut out = Preview {
        url: doc.url.to_string(),
        repaired: false,
        left_alone_because: None,
        fields: Vec::new(),
        inserts: Vec::new(),
    };
    if let Some(reason) = left_alone_by_headers(doc) {
        out.left_alone_because = Some(reason);
        return out;
    }
    match repairer.repair(&doc.answer.body) {
        Ok(repaired) => {
            out.repaired = true;
            out.fields = repaired.fields().iter().map(ToString::to_string).collect();
            // One rule at a time, so that each insertion is found alone.
            for rule in repairer.rule_list() {
                let one = Repairer::new().rules([rule.clone()]).placement(placement);
                if let Ok(r) = one.repair(&doc.answer.body) {
                    out.inserts
                        .extend(single_insert(&doc.answer.body, r.as_bytes()));
                }
            }
            out.inserts.sort_by_key(|i| i.offset);
        }
        Err(skip) => out.left_alone_because = Some(skip.to_string()),
    }
    out
}

/// The layer's conditions besides the document itself (see the library's
/// "What is repaired"): a standard path, JSON or no media type, no content
/// coding, no `no-transform`, within the default size limit.
fn left_alone_by_headers(doc: &Doc) -> Option<String> {
    let headers = &doc.answer.headers;
    let path = doc.url.path();
    if !StandardPaths.is_discovery(path) {
        return Some(format!(
            "{path} is not a standard discovery path (the proxy's --path adds it)"
        ));
    }
    if let Some(media) = doc.answer.media_type() {
        let sub = media.strip_prefix("application/");
        if !sub.is_some_and(|s| s == "json" || (s.len() > 5 && s.ends_with("+json"))) {
            return Some(format!("content-type {media} is not json"));
        }
    }
    if headers.get(CONTENT_TYPE).is_some() && doc.answer.media_type().is_none() {
        return Some("content-type is not readable".to_owned());
    }
    let coded = headers.get_all(CONTENT_ENCODING).iter().any(|v| {
        v.to_str().map_or(true, |v| {
            v.split(',')
                .any(|c| !c.trim().eq_ignore_ascii_case("identity"))
        })
    });
    if coded {
        return Some("content-encoding is not identity".to_owned());
    }
    let no_transform = headers.get_all(CACHE_CONTROL).iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-transform"))
        })
    });
    if no_transform {
        return Some(
            "cache-control: no-transform (the proxy's --repair-no-transform repairs it anyway)"
                .to_owned(),
        );
    }
    if doc.answer.body.len() > DEFAULT_MAX_BODY_BYTES {
        return Some(format!(
            "{} bytes, over the default --max-body-bytes {DEFAULT_MAX_BODY_BYTES}",
            doc.answer.body.len()
        ));
    }
    None
}

/// The one run of `repaired` that is not in `original`, placed where it
/// reads as JSON (after a value for an append, before one for a prepend):
/// the same bytes can often be cut at more than one offset.
#[must_use]
pub fn single_insert(original: &[u8], repaired: &[u8]) -> Option<Insert> {
    let extra = repaired
        .len()
        .checked_sub(original.len())
        .filter(|&n| n > 0)?;
    let prefix = original
        .iter()
        .zip(repaired)
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = original
        .iter()
        .rev()
        .zip(repaired.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let lowest = original.len().saturating_sub(suffix);
    if lowest > prefix {
        return None; // more than one run: not a single insertion
    }
    let at = |k: usize| &repaired[k..k + extra];
    let best = (lowest..=prefix)
        .find(|&k| at(k).starts_with(b","))
        .or_else(|| (lowest..=prefix).find(|&k| at(k).ends_with(b",")))
        .unwrap_or(lowest);
    Some(insert(original, best, at(best)))
}

fn insert(original: &[u8], at: usize, run: &[u8]) -> Insert {
    let from = at.saturating_sub(CONTEXT);
    let to = (at + CONTEXT).min(original.len());
    Insert {
        offset: at,
        text: String::from_utf8_lossy(run).into_owned(),
        before: String::from_utf8_lossy(&original[from..at]).into_owned(),
        after: String::from_utf8_lossy(&original[at..to]).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::single_insert;

    #[test]
    fn places_an_append_after_the_value_and_a_prepend_before_it() {
        let append = single_insert(br#"{"m":["a"]}"#, br#"{"m":["a","none"]}"#).unwrap();
        assert_eq!((append.offset, append.text.as_str()), (9, r#","none""#));
        assert_eq!(append.before, r#"{"m":["a""#);
        assert_eq!(append.after, "]}");
        let prepend = single_insert(br#"{"m":["a"]}"#, br#"{"m":["none","a"]}"#).unwrap();
        assert_eq!((prepend.offset, prepend.text.as_str()), (6, r#""none","#));
        let added = single_insert(br#"{"a":1}"#, br#"{"a":1,"m":["x"]}"#).unwrap();
        assert_eq!((added.offset, added.text.as_str()), (6, r#","m":["x"]"#));
    }

    #[test]
    fn two_runs_or_nothing_new_are_not_a_single_insertion() {
        assert_eq!(single_insert(b"abc", b"xabcx"), None);
        assert_eq!(single_insert(b"abc", b"abc"), None);
        assert_eq!(single_insert(b"abc", b"ab"), None);
    }
}
