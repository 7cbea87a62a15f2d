//! The layer's memory of its last repair: discovery documents rarely
//! change, so the edits computed for one are reused when the upstream
//! serves the same bytes again.

use crate::iss::{learn_issuer, NoIssuer};
use crate::repair::{Edits, Repairer, Skip};
use bytes::Bytes;
use std::sync::{Arc, Mutex};

/// A document and what the repair made of it.
#[derive(Debug)]
pub(crate) struct Outcome {
    doc: Bytes,
    pub(crate) edits: Result<Edits, Skip>,
    /// What the document says about its issuer, when the repairer
    /// advertises `iss`.
    pub(crate) issuer: Option<Result<String, NoIssuer>>,
}

impl Outcome {
    /// True when the repair added the `iss` advertisement.
    pub(crate) fn advertised_iss(&self) -> bool {
        self.edits
            .as_ref()
            .is_ok_and(|e| e.fields.iter().any(|f| f == crate::iss::SUPPORTED_MEMBER))
    }
}

/// The last [`Outcome`], shared by every clone of the service: one
/// document's worth of memory per layer.
///
/// Nobody waits on it: a request that finds it busy repairs on its own and
/// leaves the memory as it is. An outcome is only reused for a document
/// equal byte for byte to the one it was computed for.
#[derive(Debug, Default)]
pub(crate) struct LastRepair {
    slot: Mutex<Option<Arc<Outcome>>>,
}

impl LastRepair {
    /// The outcome of repairing `doc`: remembered, or computed and
    /// remembered.
    pub(crate) fn outcome(&self, doc: &Bytes, repairer: &Repairer) -> Arc<Outcome> {
        let remembered = self.slot.try_lock().ok().and_then(|slot| slot.clone());
        if let Some(outcome) = remembered.filter(|o| o.doc == doc) {
            return outcome;
        }
        let outcome = Arc::new(Outcome {
            doc: doc.clone(),
            edits: repairer.edits(doc),
            issuer: repairer.advertises_iss().then(|| learn_issuer(doc)),
        });
        if let Ok(mut slot) = self.slot.try_lock() {
            *slot = Some(Arc::clone(&outcome));
        }
        outcome
    }
}

/// A copy of the settings starts with an empty memory: its rules may differ.
impl Clone for LastRepair {
    fn clone(&self) -> Self {
        Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_reuse_the_outcome_and_other_bytes_never_do() {
        let last = LastRepair::default();
        let repairer = Repairer::new();
        let a = Bytes::from_static(br#"{"token_endpoint_auth_methods_supported":["a"]}"#);
        let b = Bytes::from_static(br#"{"token_endpoint_auth_methods_supported":["b"]}"#);
        let first = last.outcome(&a, &repairer);
        // Equal bytes in another buffer: the remembered outcome.
        let again = last.outcome(&Bytes::copy_from_slice(&a), &repairer);
        assert!(Arc::ptr_eq(&first, &again));
        // Same length, other bytes: computed anew, and then remembered.
        let other = last.outcome(&b, &repairer);
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(other.doc, b);
        assert!(Arc::ptr_eq(&other, &last.outcome(&b, &repairer)));
        assert!(!Arc::ptr_eq(&first, &last.outcome(&a, &repairer)));
    }

    #[test]
    fn a_busy_memory_is_not_waited_on() {
        let last = LastRepair::default();
        let repairer = Repairer::new();
        let a = Bytes::from_static(br#"{"token_endpoint_auth_methods_supported":["a"]}"#);
        let first = last.outcome(&a, &repairer);
        let held = last.slot.lock().unwrap();
        // Computed again without waiting, and correct.
        let busy = last.outcome(&a, &repairer);
        assert!(!Arc::ptr_eq(&first, &busy));
        assert_eq!(
            busy.edits.as_ref().map(|e| e.fields.clone()),
            first.edits.as_ref().map(|e| e.fields.clone())
        );
        drop(held);
        assert!(Arc::ptr_eq(&first, &last.outcome(&a, &repairer)));
    }

    #[test]
    fn a_copy_of_the_settings_forgets() {
        let last = LastRepair::default();
        let a = Bytes::from_static(b"{}");
        let first = last.outcome(&a, &Repairer::new());
        let copy = last.clone();
        assert!(!Arc::ptr_eq(&first, &copy.outcome(&a, &Repairer::new())));
    }
}
