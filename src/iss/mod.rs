//! RFC 9207 `iss` on authorization responses, without HTTP types: the
//! `Location` rewrite and the issuer learned from a discovery document.
//!
//! An authorization server that sends `iss` must advertise
//! `authorization_response_iss_parameter_supported: true`, and a client that
//! recorded an issuer compares `iss` with it by simple string comparison
//! (RFC 9207 §2.4, MCP 2026-07-28). [`add_iss`] appends `iss` to a redirect;
//! [`learn_issuer`] reads the issuer a client recorded, and says whether the
//! document may be made to advertise it; [`IssuerState`] remembers it and
//! decides on each redirect. The
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

mod location;
mod metadata;
mod state;

pub use crate::repair::advertise::{NoIssuer, SUPPORTED_MEMBER};
pub use location::{add_iss, needs_iss};
pub use metadata::{learn_issuer, METADATA_PATHS};
pub use state::{Issuer, IssuerState, Redirect};

#[cfg(test)]
mod tests;
