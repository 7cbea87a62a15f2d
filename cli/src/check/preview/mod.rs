//! What the repair would change: the authorization-server document served
//! again through the library's own [`RepairMetadataLayer`], configured as
//! the proxy configures it from the same flags, around a service that
//! answers as the server did. The bytes the layer serves decide; the
//! inserted bytes are shown in context, or why the document is left alone.
//!
//! [`RepairMetadataLayer`]: oauth_metadata_repair::RepairMetadataLayer

pub mod explain;
pub mod insert;
pub mod layer;

use super::discovery::Doc;
use super::flags::Repair;
use serde::Serialize;

pub use explain::explain;
pub use insert::single_insert;
pub use layer::served;

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

/// Said when the layer left a document alone and no reason was found: the
/// layer's verdict stands.
pub const LAYER_LEFT_IT_ALONE: &str = "the layer left it alone";

/// What the proxy, configured as `repair`, would serve for `doc`.
pub async fn preview(doc: &Doc, repair: &Repair) -> Preview {
    let mut out = Preview {
        url: doc.url.to_string(),
        repaired: false,
        left_alone_because: None,
        fields: Vec::new(),
        inserts: Vec::new(),
    };
    let answer = &doc.answer;
    // A proxy in front of the server sees the request that got the answer:
    // after a redirect on the same origin, the redirect's target.
    if answer.url.origin() != doc.url.origin() {
        out.left_alone_because = Some(format!(
            "served by {} after a redirect: a proxy in front of {} does not see it",
            answer.url.origin().ascii_serialization(),
            doc.url.origin().ascii_serialization()
        ));
        return out;
    }
    let path = answer.url.path();
    let original = &answer.body;
    let Some(whole) = served(&repair.layer, path, answer).await else {
        out.left_alone_because = Some(format!("{path} is not a request target"));
        return out;
    };
    if whole == *original {
        let reason = explain(answer, path, repair).or_else(|| {
            repair
                .repairer
                .repair(original)
                .err()
                .map(|s| s.to_string())
        });
        out.left_alone_because = Some(reason.unwrap_or_else(|| LAYER_LEFT_IT_ALONE.to_owned()));
        return out;
    }
    out.repaired = true;
    // One rule at a time, so that each insertion is found alone.
    for (field, one) in &repair.singles {
        let Some(bytes) = served(one, path, answer).await else {
            continue;
        };
        if let Some(insert) = single_insert(original, &bytes) {
            out.inserts.push(insert);
            if !out.fields.iter().any(|f| f == field) {
                out.fields.push(field.clone());
            }
        }
    }
    out.inserts.sort_by_key(|i| i.offset);
    if rebuilt(original, &out.inserts) != whole {
        // The rules did not add up to what the layer served: show it whole.
        out.inserts = single_insert(original, &whole).into_iter().collect();
    }
    out
}

/// `original` with `inserts` (sorted by offset) put in.
fn rebuilt(original: &[u8], inserts: &[Insert]) -> Vec<u8> {
    let mut out = Vec::with_capacity(original.len() + 64);
    let mut from = 0;
    for i in inserts {
        let at = i.offset.min(original.len()).max(from);
        out.extend_from_slice(&original[from..at]);
        out.extend_from_slice(i.text.as_bytes());
        from = at;
    }
    out.extend_from_slice(&original[from..]);
    out
}
