//! What the layer knows about its issuer, shared by every clone of the
//! service: configured, learned from the documents it repairs, or not known.

use crate::iss::{Issuer, NoIssuer};
use crate::trace;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// What a redirect gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Known {
    /// Nothing seen yet: fetch the service's own metadata first.
    Unknown,
    /// Add `iss` with this issuer.
    Add(Arc<str>),
    /// Leave redirects alone, for this reason.
    Leave(&'static str),
}

/// The `iss` repair's settings and what it learned.
#[derive(Debug)]
pub(crate) struct IssState {
    pub(crate) issuer: Issuer,
    known: RwLock<Known>,
    /// True while [`Known::Unknown`]: read on every request, without a lock.
    unknown: AtomicBool,
}

/// A copy of the settings learns anew.
impl Clone for IssState {
    fn clone(&self) -> Self {
        Self::new(self.issuer.clone())
    }
}

/// Why a learned layer leaves redirects alone after seeing two issuers.
pub(crate) const AMBIGUOUS: &str = "more than one issuer behind one layer";
/// Why a learned layer leaves redirects alone when its metadata is missing.
pub(crate) const UNAVAILABLE: &str = "no authorization-server metadata at the root paths";

impl IssState {
    pub(crate) fn new(issuer: Issuer) -> Self {
        let known = match &issuer.0 {
            Some(fixed) => Known::Add(Arc::clone(fixed)),
            None => Known::Unknown,
        };
        Self {
            unknown: AtomicBool::new(known == Known::Unknown),
            known: RwLock::new(known),
            issuer,
        }
    }

    /// True while nothing is known (a learned issuer not seen yet).
    #[inline]
    pub(crate) fn is_unknown(&self) -> bool {
        self.unknown.load(Ordering::Relaxed)
    }

    pub(crate) fn known(&self) -> Known {
        match self.known.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, next: Known) {
        let mut k = match self.known.write() {
            Ok(k) => k,
            Err(poisoned) => poisoned.into_inner(),
        };
        if *k != next {
            trace::issuer_state(&next);
        }
        self.unknown
            .store(next == Known::Unknown, Ordering::Relaxed);
        *k = next;
    }

    /// Takes in what a discovery document served (or fetched) through the
    /// layer says: `advertised` is true when the layer added the
    /// advertisement to it, so its redirects get `iss` with `learned`.
    pub(crate) fn saw(&self, learned: &Result<String, NoIssuer>, advertised: bool) {
        let now = self.known();
        let next = match (learned, &self.issuer.0) {
            (Err(NoIssuer::AlreadyStated { .. }), _) => {
                Known::Leave("the server states authorization_response_iss_parameter_supported")
            }
            (Err(NoIssuer::NotServerMetadata), _) => return,
            (Ok(issuer), Some(fixed)) => {
                if **fixed != **issuer {
                    trace::issuer_mismatch(fixed, issuer);
                }
                return;
            }
            (Ok(_), None) if !advertised => return,
            (Ok(issuer), None) => match &now {
                Known::Unknown | Known::Leave(UNAVAILABLE) => {
                    Known::Add(Arc::from(issuer.as_str()))
                }
                Known::Add(seen) if **seen == **issuer => return,
                Known::Add(_) => Known::Leave(AMBIGUOUS),
                Known::Leave(_) => return,
            },
        };
        if now != next {
            self.set(next);
        }
    }

    /// No usable metadata at the root paths: stop fetching for every
    /// request; a document repaired later still teaches the issuer.
    pub(crate) fn unavailable(&self) {
        if self.is_unknown() {
            self.set(Known::Leave(UNAVAILABLE));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_learned_issuer_is_kept_until_another_appears() {
        let s = IssState::new(Issuer::learned());
        assert!(s.is_unknown());
        s.saw(&Ok("https://a/".into()), false);
        assert_eq!(s.known(), Known::Unknown);
        s.saw(&Ok("https://a/".into()), true);
        assert_eq!(s.known(), Known::Add("https://a/".into()));
        assert!(!s.is_unknown());
        s.saw(&Err(NoIssuer::NotServerMetadata), false);
        s.saw(&Ok("https://a/".into()), true);
        assert_eq!(s.known(), Known::Add("https://a/".into()));
        s.saw(&Ok("https://b/".into()), true);
        assert_eq!(s.known(), Known::Leave(AMBIGUOUS));
        s.saw(&Ok("https://a/".into()), true);
        assert_eq!(s.known(), Known::Leave(AMBIGUOUS));
        assert_eq!(s.clone().known(), Known::Unknown);
    }

    #[test]
    fn a_server_that_states_support_is_left_alone_even_when_configured() {
        let s = IssState::new(Issuer::configured("https://a"));
        assert_eq!(s.known(), Known::Add("https://a".into()));
        s.saw(&Ok("https://other".into()), true);
        assert_eq!(s.known(), Known::Add("https://a".into()));
        s.saw(&Err(NoIssuer::AlreadyStated { supported: true }), false);
        assert!(matches!(s.known(), Known::Leave(_)));
    }

    #[test]
    fn missing_metadata_stops_fetching_and_a_later_document_still_teaches() {
        let s = IssState::new(Issuer::learned());
        s.unavailable();
        assert_eq!(s.known(), Known::Leave(UNAVAILABLE));
        assert!(!s.is_unknown());
        s.saw(&Ok("https://a".into()), true);
        assert_eq!(s.known(), Known::Add("https://a".into()));
    }
}
