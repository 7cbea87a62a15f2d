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
