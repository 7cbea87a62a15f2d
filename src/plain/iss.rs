//! The `iss` repair ([`RepairMetadataLayer::iss`](crate::RepairMetadataLayer::iss))
//! for callers that hold plain bytes: the same decisions as the layer's.

use super::{Core, HeaderList};
use crate::headers::check_response;
use crate::iss::{Redirect as Decision, METADATA_PATHS};
use crate::redirect::{self, apply, location};
use bytes::Bytes;

/// What [`Core::redirect`] decided for a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Redirect {
    /// Send the response, with the headers as they now are (`iss` added to
    /// `Location` where it belongs).
    Send,
    /// An authorization response, but no issuer is known yet: hold it, fetch
    /// the application's own metadata ([`Core::metadata_paths`], each with
    /// `Accept-Encoding: identity`) into [`Core::learn`] until it returns
    /// true, call [`Core::metadata_unavailable`] if none did, then call
    /// [`Core::redirect`] again, which then says [`Redirect::Send`].
    NeedIssuer,
}

impl<M> Core<M> {
    /// True when the `iss` repair is on.
    ///
    /// ```
    /// use oauth_metadata_repair::{Issuer, RepairMetadataLayer};
    ///
    /// assert!(!RepairMetadataLayer::new().core().iss());
    /// assert!(RepairMetadataLayer::new().iss(Issuer::learned()).core().iss());
    /// ```
    #[must_use]
    pub fn iss(&self) -> bool {
        self.config.iss.is_some()
    }

    /// For a response to a request that [`Core::plan_request`] passed over:
    /// with the `iss` repair on, a redirect (3xx) whose `Location` is an
    /// authorization response without `iss` gets `iss=<issuer>` appended
    /// once the issuer is known.
    ///
    /// ```
    /// use oauth_metadata_repair::plain::{Headers, Redirect};
    /// use oauth_metadata_repair::{Issuer, RepairMetadataLayer};
    ///
    /// let core = RepairMetadataLayer::new().iss(Issuer::configured("https://as.example")).core();
    /// let mut h: Headers = vec![(b"location".to_vec(), b"http://127.0.0.1:9/cb?code=c&state=s".to_vec())];
    /// assert_eq!(core.redirect(302, &mut h), Redirect::Send);
    /// assert_eq!(h[0].1, b"http://127.0.0.1:9/cb?code=c&state=s&iss=https%3A%2F%2Fas.example");
    /// ```
    pub fn redirect<H: HeaderList + ?Sized>(&self, status: u16, headers: &mut H) -> Redirect {
        let Some(state) = self
            .config
            .iss
            .as_ref()
            .filter(|_| self.may_redirect(status))
        else {
            return Redirect::Send;
        };
        let Some(text) = location(headers) else {
            return Redirect::Send;
        };
        match state.redirect(text) {
            Decision::Unknown => Redirect::NeedIssuer,
            decision => {
                apply(headers, decision);
                Redirect::Send
            }
        }
    }

    /// True when [`Core::redirect`] may change a response of this status:
    /// the `iss` repair is on and it is a redirect (3xx). A caller can skip
    /// reading the headers of every other response.
    ///
    /// ```
    /// use oauth_metadata_repair::{Issuer, RepairMetadataLayer};
    ///
    /// let core = RepairMetadataLayer::new().iss(Issuer::learned()).core();
    /// assert!(core.may_redirect(302) && !core.may_redirect(200));
    /// assert!(!RepairMetadataLayer::new().core().may_redirect(302));
    /// ```
    #[must_use]
    pub fn may_redirect(&self, status: u16) -> bool {
        self.config.iss.is_some() && (300..400).contains(&status)
    }

    /// Where the application's own metadata is fetched from, in order, when
    /// [`Core::redirect`] needs the issuer.
    ///
    /// ```
    /// let core = oauth_metadata_repair::RepairMetadataLayer::new().core();
    /// assert_eq!(core.metadata_paths()[0], "/.well-known/oauth-authorization-server");
    /// ```
    #[must_use]
    pub fn metadata_paths(&self) -> &'static [&'static str] {
        &METADATA_PATHS
    }

    /// Learns from one fetched metadata response (its status, headers and
    /// whole body); true once the issuer is known, and then the fetching
    /// stops. A response the layer would not repair teaches nothing.
    ///
    /// ```
    /// use oauth_metadata_repair::plain::{Headers, Redirect};
    /// use oauth_metadata_repair::{Issuer, RepairMetadataLayer};
    ///
    /// let core = RepairMetadataLayer::new().iss(Issuer::learned()).core();
    /// let mut h: Headers = vec![(b"location".to_vec(), b"/cb?code=c&state=s".to_vec())];
    /// assert_eq!(core.redirect(302, &mut h), Redirect::NeedIssuer);
    /// assert!(core.learn(200, &Headers::new(), br#"{"issuer":"https://as.example"}"#));
    /// assert_eq!(core.redirect(302, &mut h), Redirect::Send);
    /// assert_eq!(h[0].1, b"/cb?code=c&state=s&iss=https%3A%2F%2Fas.example");
    /// ```
    pub fn learn<H: HeaderList + ?Sized>(&self, status: u16, headers: &H, doc: &[u8]) -> bool {
        let config = &self.config;
        let Some(state) = &config.iss else {
            return true;
        };
        let eligible = check_response(
            status,
            headers,
            config.respect_no_transform,
            config.max_body_bytes,
        )
        .is_ok()
            && doc.len() <= config.max_body_bytes;
        if eligible {
            let outcome = config
                .last
                .outcome(&Bytes::copy_from_slice(doc), &config.repairer);
            redirect::learn(config, &outcome);
        }
        !state.is_unknown()
    }

    /// Every metadata path was tried and none taught the issuer: redirects
    /// are then sent without `iss` until a repaired document names one.
    ///
    /// ```
    /// use oauth_metadata_repair::plain::{Headers, Redirect};
    /// use oauth_metadata_repair::{Issuer, RepairMetadataLayer};
    ///
    /// let core = RepairMetadataLayer::new().iss(Issuer::learned()).core();
    /// let mut h: Headers = vec![(b"location".to_vec(), b"/cb?code=c&state=s".to_vec())];
    /// assert!(!core.learn(404, &Headers::new(), b"{}"));
    /// core.metadata_unavailable();
    /// assert_eq!(core.redirect(302, &mut h), Redirect::Send);
    /// assert_eq!(h[0].1, b"/cb?code=c&state=s"); // sent as it came
    /// ```
    pub fn metadata_unavailable(&self) {
        if let Some(state) = &self.config.iss {
            state.unavailable();
        }
    }
}
