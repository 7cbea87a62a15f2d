//! Where the issuer comes from, what an `iss` repair knows about it
//! (configured, learned from the documents it repairs, or not known yet),
//! and the decision for a redirect. No HTTP types, so every binding keeps
//! the same rules.

use super::location::{add_iss, needs_iss};
use crate::repair::advertise::NoIssuer;
use crate::trace;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

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

/// What a redirect gets.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Known {
    /// Nothing seen yet: fetch the service's own metadata first.
    Unknown,
    /// Add `iss` with this issuer.
    Add(Arc<str>),
    /// Leave redirects alone, for this reason.
    Leave(&'static str),
}

/// Why a learned state leaves redirects alone after seeing two issuers.
const AMBIGUOUS: &str = "more than one issuer behind one layer";
/// Why a learned state leaves redirects alone when its metadata is missing.
const UNAVAILABLE: &str = "no authorization-server metadata at the root paths";
/// Why redirects of a server that states the member are left alone.
const STATED: &str = "the server states authorization_response_iss_parameter_supported";

/// The `iss` repair's memory: the issuer to add, learned from the documents
/// the repair advertised `iss` in, or configured. One per layer, shared by
/// its clones; thread-safe.
///
/// The rules (the Tower layer follows them, and so must any other binding):
///
/// - Feed it every discovery document served with [`IssuerState::saw`]:
///   what [`learn_issuer`](crate::iss::learn_issuer) says, and whether the
///   repair added the advertisement (a [`Repaired`](crate::repair::Repaired)
///   whose fields name [`SUPPORTED_MEMBER`](crate::iss::SUPPORTED_MEMBER)).
/// - Ask [`IssuerState::redirect`] about each redirect's `Location`. On
///   [`Redirect::Unknown`], fetch [`METADATA_PATHS`](crate::iss::METADATA_PATHS)
///   from the service in order, feeding each document to `saw` until the
///   state is known; when none teaches it, call
///   [`IssuerState::unavailable`]; then ask again.
///
/// ```
/// use oauth_metadata_repair::iss::{learn_issuer, Issuer, IssuerState, Redirect};
///
/// let state = IssuerState::new(Issuer::learned());
/// let cb = "http://127.0.0.1:5/cb?code=c&state=s";
/// assert_eq!(state.redirect(cb), Redirect::Unknown);
/// state.saw(&learn_issuer(br#"{"issuer":"https://as.example/"}"#), true);
/// assert_eq!(
///     state.redirect(cb),
///     Redirect::Added("http://127.0.0.1:5/cb?code=c&state=s&iss=https%3A%2F%2Fas.example%2F".into())
/// );
/// assert_eq!(state.redirect("/login?state=s"), Redirect::NotAResponse);
/// ```
#[derive(Debug)]
pub struct IssuerState {
    issuer: Issuer,
    known: RwLock<Known>,
    /// True while [`Known::Unknown`]: read on every request, without a lock.
    unknown: AtomicBool,
}

/// A copy starts over: it learns anew.
impl Clone for IssuerState {
    fn clone(&self) -> Self {
        Self::new(self.issuer.clone())
    }
}

/// What to do with a redirect; see [`IssuerState::redirect`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Redirect {
    /// Not an authorization response lacking `iss`: leave it, say nothing.
    NotAResponse,
    /// The new `Location`, with `iss`.
    Added(String),
    /// An authorization response left without `iss`, for this reason.
    LeftAlone(&'static str),
    /// No issuer is known yet: fetch the service's own metadata first.
    Unknown,
}

impl IssuerState {
    /// A state for `issuer`: known at once when configured, else unknown.
    #[must_use]
    pub fn new(issuer: Issuer) -> Self {
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

    /// Where the issuer comes from.
    #[must_use]
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// True while nothing is known (a learned issuer not seen yet).
    #[inline]
    #[must_use]
    pub fn is_unknown(&self) -> bool {
        self.unknown.load(Ordering::Relaxed)
    }

    fn known(&self) -> Known {
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
            match &next {
                Known::Add(issuer) => trace::issuer_learned(issuer),
                Known::Leave(reason) => trace::iss_off(reason),
                Known::Unknown => {}
            }
        }
        self.unknown
            .store(next == Known::Unknown, Ordering::Relaxed);
        *k = next;
    }

    /// Takes in what a discovery document served (or fetched) says:
    /// `learned` is [`learn_issuer`](crate::iss::learn_issuer)'s answer,
    /// `advertised` true when the repair added the advertisement to it.
    ///
    /// A document that states the member turns the repair off for this
    /// state; a learned state takes the first advertised issuer, and turns
    /// off when a second, different one appears (it cannot tell which one
    /// answered a redirect). A configured issuer stays; a document naming
    /// another one is logged.
    pub fn saw(&self, learned: &Result<String, NoIssuer>, advertised: bool) {
        let now = self.known();
        let next = match (learned, &self.issuer.0) {
            (Err(NoIssuer::AlreadyStated { .. }), _) => Known::Leave(STATED),
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

    /// No usable metadata at the root paths: stop fetching; a document
    /// repaired later still teaches the issuer.
    pub fn unavailable(&self) {
        if self.is_unknown() {
            self.set(Known::Leave(UNAVAILABLE));
        }
    }

    /// The decision for a redirect to `location`, logged with the `tracing`
    /// feature ([`add_iss`] does the rewrite).
    #[must_use]
    pub fn redirect(&self, location: &str) -> Redirect {
        if !needs_iss(location) {
            return Redirect::NotAResponse;
        }
        let reason = match self.known() {
            Known::Unknown => return Redirect::Unknown,
            Known::Add(issuer) => match add_iss(location, &issuer) {
                Some(new) => {
                    trace::iss_added(&issuer);
                    return Redirect::Added(new);
                }
                None => return Redirect::NotAResponse,
            },
            Known::Leave(reason) => reason,
        };
        trace::iss_not_added(reason);
        Redirect::LeftAlone(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CB: &str = "/cb?code=c&state=s";

    fn added(issuer: &str) -> Redirect {
        Redirect::Added(add_iss(CB, issuer).unwrap())
    }

    #[test]
    fn a_learned_issuer_is_kept_until_another_appears() {
        let s = IssuerState::new(Issuer::learned());
        assert!(s.is_unknown());
        assert_eq!(s.redirect(CB), Redirect::Unknown);
        s.saw(&Ok("https://a/".into()), false);
        assert_eq!(s.redirect(CB), Redirect::Unknown);
        s.saw(&Ok("https://a/".into()), true);
        assert_eq!(s.redirect(CB), added("https://a/"));
        assert!(!s.is_unknown());
        s.saw(&Err(NoIssuer::NotServerMetadata), false);
        s.saw(&Ok("https://a/".into()), true);
        assert_eq!(s.redirect(CB), added("https://a/"));
        s.saw(&Ok("https://b/".into()), true);
        assert_eq!(s.redirect(CB), Redirect::LeftAlone(AMBIGUOUS));
        s.saw(&Ok("https://a/".into()), true);
        assert_eq!(s.redirect(CB), Redirect::LeftAlone(AMBIGUOUS));
        assert_eq!(s.clone().redirect(CB), Redirect::Unknown);
    }

    #[test]
    fn a_server_that_states_support_is_left_alone_even_when_configured() {
        let s = IssuerState::new(Issuer::configured("https://a"));
        assert_eq!(s.redirect(CB), added("https://a"));
        s.saw(&Ok("https://other".into()), true);
        assert_eq!(s.redirect(CB), added("https://a"));
        s.saw(&Err(NoIssuer::AlreadyStated { supported: true }), false);
        assert_eq!(s.redirect(CB), Redirect::LeftAlone(STATED));
    }

    #[test]
    fn missing_metadata_stops_fetching_and_a_later_document_still_teaches() {
        let s = IssuerState::new(Issuer::learned());
        s.unavailable();
        assert_eq!(s.redirect(CB), Redirect::LeftAlone(UNAVAILABLE));
        assert!(!s.is_unknown());
        s.saw(&Ok("https://a".into()), true);
        assert_eq!(s.redirect(CB), added("https://a"));
    }

    #[test]
    fn redirects_that_are_not_responses_are_not_logged_as_left_alone() {
        let s = IssuerState::new(Issuer::learned());
        assert_eq!(s.redirect("/login?state=s"), Redirect::NotAResponse);
        assert_eq!(
            s.redirect("/cb?code=c&state=s&iss=x"),
            Redirect::NotAResponse
        );
    }
}
