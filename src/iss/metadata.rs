//! The issuer of a discovery document, read as the repair reads documents.

use crate::repair::advertise::{decide, NoIssuer, SUPPORTED_MEMBER};
use crate::repair::read;
use crate::repair::Skip;

/// Where a learned issuer is fetched from, in order, when a redirect needs
/// one before any document was seen (RFC 8414 §3, `OpenID` Connect
/// Discovery §4): the placements of an issuer without a path.
pub const METADATA_PATHS: [&str; 2] = [
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
];

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
