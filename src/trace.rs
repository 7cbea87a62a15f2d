//! Events for the optional `tracing` feature; without it these compile to
//! nothing.

use crate::repair::Repaired;
use std::fmt::Display;

/// One event per repaired document.
pub(crate) fn repaired(repaired: &Repaired) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        fields = ?repaired.fields(),
        signed_metadata_kept = repaired.kept_signed_metadata(),
        "repaired oauth discovery document"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = repaired;
}

/// One debug event per discovery response passed through untouched.
pub(crate) fn left_alone(reason: impl Display) {
    #[cfg(feature = "tracing")]
    tracing::debug!(reason = %reason, "oauth discovery response left alone");
    #[cfg(not(feature = "tracing"))]
    let _ = reason;
}
