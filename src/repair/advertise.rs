//! The rule shared by the metadata and the redirect halves of the `iss`
//! repair (RFC 9207): which documents may advertise `iss`, and with which
//! issuer. Re-exported by [`crate::iss`].

use std::fmt;
use std::ops::Range;

/// The metadata member that advertises `iss` (RFC 9207 §3).
pub const SUPPORTED_MEMBER: &str = "authorization_response_iss_parameter_supported";

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
