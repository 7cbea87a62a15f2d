//! Events for the optional `tracing` feature; without it these compile to
//! nothing.

use std::borrow::Cow;
use std::fmt::Display;

/// One event per repaired document: which fields changed, and whether a
/// `signed_metadata` JWT was kept as it was.
pub(crate) fn repaired(fields: &[Cow<'static, str>], signed_metadata_kept: bool) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        ?fields,
        signed_metadata_kept,
        "repaired oauth discovery document"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (fields, signed_metadata_kept);
}

/// One debug event per discovery response passed through untouched.
pub(crate) fn left_alone(reason: impl Display) {
    #[cfg(feature = "tracing")]
    tracing::debug!(reason = %reason, "oauth discovery response left alone");
    #[cfg(not(feature = "tracing"))]
    let _ = reason;
}

/// `iss` was added to an authorization response's redirect.
pub(crate) fn iss_added(issuer: &str) {
    #[cfg(feature = "tracing")]
    tracing::info!(issuer, "added iss to an authorization response");
    #[cfg(not(feature = "tracing"))]
    let _ = issuer;
}

/// An authorization response's redirect lacks `iss` and keeps lacking it.
pub(crate) fn iss_not_added(reason: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(reason, "authorization response left without iss");
    #[cfg(not(feature = "tracing"))]
    let _ = reason;
}

/// The issuer the `iss` repair now adds.
pub(crate) fn issuer_learned(issuer: &str) {
    #[cfg(feature = "tracing")]
    tracing::info!(issuer, "learned the issuer for iss");
    #[cfg(not(feature = "tracing"))]
    let _ = issuer;
}

/// The `iss` repair stops adding `iss`, for this reason.
pub(crate) fn iss_off(reason: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(reason, "iss repair off for this layer");
    #[cfg(not(feature = "tracing"))]
    let _ = reason;
}

/// A document names another issuer than the configured one.
pub(crate) fn issuer_mismatch(configured: &str, seen: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        configured,
        seen,
        "a discovery document names another issuer than the configured one"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (configured, seen);
}
