//! RFC 9207 `iss` on authorization responses, without HTTP types: the
//! `Location` rewrite and the issuer learned from a discovery document.
//!
//! An authorization server that sends `iss` must advertise
//! `authorization_response_iss_parameter_supported: true`, and a client that
//! recorded an issuer compares `iss` with it by simple string comparison
//! (RFC 9207 §2.4, MCP 2026-07-28). [`add_iss`] appends `iss` to a redirect;
//! [`learn_issuer`] reads the issuer a client recorded, and says whether the
//! document may be made to advertise it. The
//! [`RepairMetadataLayer::iss`](crate::RepairMetadataLayer::iss) builder
//! call uses both; other bindings call the same functions.
//!
//! ```
//! use oauth_metadata_repair::iss::{add_iss, learn_issuer};
//!
//! let doc = br#"{"issuer":"http://127.0.0.1:8000/","token_endpoint":"http://127.0.0.1:8000/token"}"#;
//! let issuer = learn_issuer(doc).unwrap();
//! assert_eq!(issuer, "http://127.0.0.1:8000/");
//! assert_eq!(
//!     add_iss("http://127.0.0.1:33418/callback?code=c1&state=s1", &issuer).as_deref(),
//!     Some("http://127.0.0.1:33418/callback?code=c1&state=s1&iss=http%3A%2F%2F127.0.0.1%3A8000%2F")
//! );
//! ```

use crate::repair::read;
use crate::repair::Skip;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// The metadata member that advertises `iss` (RFC 9207 §3).
pub const SUPPORTED_MEMBER: &str = "authorization_response_iss_parameter_supported";

/// Appends `iss=<issuer>` to the query of an authorization response's
/// redirect target, or `None` when it must be left alone.
///
/// An authorization response is a `Location` whose query carries `state` and
/// either `code` (success) or `error` (RFC 6749 §4.1.2, §4.1.2.1). Left
/// alone (`None`): no query, no `state`, neither `code` nor `error`, an `iss`
/// already there, or a target that is not visible ASCII. The issuer is
/// percent-encoded as a query value (every byte but `A-Z a-z 0-9 - . _ ~`);
/// every other byte of `location` is kept, and a fragment stays after the
/// query. Parameter names are compared after percent-decoding.
///
/// ```
/// use oauth_metadata_repair::iss::add_iss;
///
/// let error = "https://app.example/cb?error=access_denied&state=xyz#top";
/// assert_eq!(
///     add_iss(error, "https://as.example/t 1").as_deref(),
///     Some("https://app.example/cb?error=access_denied&state=xyz&iss=https%3A%2F%2Fas.example%2Ft%201#top")
/// );
/// // Not an authorization response, or one that already names its issuer.
/// assert_eq!(add_iss("/login?state=xyz", "https://as.example"), None);
/// assert_eq!(add_iss("/cb?code=1&state=2&iss=x", "https://as.example"), None);
/// ```
#[must_use]
pub fn add_iss(location: &str, issuer: &str) -> Option<String> {
    let query = authorization_query(location)?;
    let mut out = String::with_capacity(location.len() + 5 + issuer.len() * 3);
    out.push_str(&location[..query.end]);
    if !location[query.clone()].ends_with('&') {
        out.push('&');
    }
    out.push_str("iss=");
    encode_into(&mut out, issuer);
    out.push_str(&location[query.end..]);
    Some(out)
}

/// True when `location` is an authorization response that lacks `iss`:
/// the redirects [`add_iss`] rewrites.
#[must_use]
pub fn needs_iss(location: &str) -> bool {
    authorization_query(location).is_some()
}

/// The byte range of the query of an authorization response without `iss`.
fn authorization_query(location: &str) -> Option<Range<usize>> {
    if !location.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let end = location.find('#').unwrap_or(location.len());
    let start = location[..end].find('?')? + 1;
    let (mut state, mut outcome) = (false, false);
    for pair in location[start..end].split('&') {
        let name = pair.split('=').next().unwrap_or_default();
        let name = decode_name(name);
        match name.as_ref() {
            "iss" => return None,
            "state" => state = true,
            "code" | "error" => outcome = true,
            _ => {}
        }
    }
    (state && outcome).then_some(start..end)
}

/// A parameter name, percent-decoded (`+` is a space in form encoding).
fn decode_name(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.contains(['%', '+']) {
        return name.into();
    }
    let b = name.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |j: usize| b.get(j).and_then(|c| char::from(*c).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                // Two hex digits make one byte: hi * 16 + lo < 256.
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'%'));
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned().into()
}

/// Percent-encodes `value` as a query value: only RFC 3986 unreserved bytes
/// stay as they are.
fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// Why a discovery document gives no issuer to add as `iss`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoIssuer {
    /// The document has no `issuer` string (protected-resource metadata, for
    /// one), or cannot be read as the repair reads documents.
    NotServerMetadata,
    /// The document already states
    /// `authorization_response_iss_parameter_supported`: its server decides
    /// about `iss`, and its redirects are left alone.
    AlreadyStated {
        /// True when it states `true`.
        supported: bool,
    },
}

impl fmt::Display for NoIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotServerMetadata => f.write_str("no issuer in the document"),
            Self::AlreadyStated { supported: true } => {
                f.write_str("the server already advertises iss")
            }
            Self::AlreadyStated { supported: false } => {
                f.write_str("the server states it does not send iss")
            }
        }
    }
}

impl std::error::Error for NoIssuer {}

/// The issuer a client records from this authorization-server (RFC 8414) or
/// `OpenID` discovery document, when the `iss` repair applies to it.
///
/// The issuer is the `issuer` string as clients read it: JSON escapes
/// decoded, every other character kept (a trailing slash too).
///
/// # Errors
///
/// [`NoIssuer`]: no `issuer` string (a protected-resource document), a
/// document the repair would not read (not JSON, a repeated top-level key),
/// or one that already states
/// `authorization_response_iss_parameter_supported`.
///
/// ```
/// use oauth_metadata_repair::iss::{learn_issuer, NoIssuer};
///
/// assert_eq!(learn_issuer(br#"{"issuer":"https:\/\/as.example\/"}"#).unwrap(), "https://as.example/");
/// assert_eq!(
///     learn_issuer(br#"{"issuer":"https://as.example","authorization_response_iss_parameter_supported":true}"#),
///     Err(NoIssuer::AlreadyStated { supported: true })
/// );
/// assert_eq!(learn_issuer(br#"{"resource":"https://mcp.example"}"#), Err(NoIssuer::NotServerMetadata));
/// ```
pub fn learn_issuer(doc: &[u8]) -> Result<String, NoIssuer> {
    let text = std::str::from_utf8(doc).map_err(|_| NoIssuer::NotServerMetadata)?;
    let names = ["issuer", SUPPORTED_MEMBER];
    let obj = read::object(text, &names).map_err(|_: Skip| NoIssuer::NotServerMetadata)?;
    decide(text, obj.wanted[0].clone(), obj.wanted[1].clone())
}

/// The one rule for both halves of the repair: the issuer to add, given the
/// `issuer` value and the support member's value (ranges into `text`).
pub(crate) fn decide(
    text: &str,
    issuer: Option<Range<usize>>,
    stated: Option<Range<usize>>,
) -> Result<String, NoIssuer> {
    let token = issuer
        .and_then(|r| text.get(r))
        .ok_or(NoIssuer::NotServerMetadata)?;
    let issuer = serde_json::from_str::<String>(token)
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or(NoIssuer::NotServerMetadata)?;
    if let Some(value) = stated.and_then(|r| text.get(r)) {
        return Err(NoIssuer::AlreadyStated {
            supported: value == "true",
        });
    }
    Ok(issuer)
}

/// Where the `iss` repair's issuer comes from; see
/// [`RepairMetadataLayer::iss`](crate::RepairMetadataLayer::iss).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer(pub(crate) Option<Arc<str>>);

impl Issuer {
    /// Learned from the wrapped service's own authorization-server metadata:
    /// each document the layer repairs, and, when a redirect needs an issuer
    /// before any was seen, a `GET` of
    /// `/.well-known/oauth-authorization-server` and then
    /// `/.well-known/openid-configuration` sent to the wrapped service.
    #[must_use]
    pub fn learned() -> Self {
        Self(None)
    }

    /// This issuer, exactly as the metadata's `issuer` spells it (a trailing
    /// slash included), for a server whose metadata the layer cannot fetch
    /// at the root or that serves more than one issuer.
    #[must_use]
    pub fn configured(issuer: impl Into<String>) -> Self {
        Self(Some(Arc::from(issuer.into())))
    }

    /// The configured issuer, or `None` when it is learned.
    #[must_use]
    pub fn as_configured(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

#[cfg(test)]
mod tests;
