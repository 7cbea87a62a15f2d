//! The `iss` repair's side of a redirect: rewrite its `Location` with the
//! known issuer, or first fetch the wrapped service's own metadata when no
//! issuer is known yet.

use crate::config::Config;
use crate::headers::check_response;
use crate::iss::{add_iss, needs_iss};
use crate::issuer::Known;
use crate::trace;
use bytes::{Buf, Bytes};
use http::header::{HeaderValue, ACCEPT_ENCODING, LOCATION};
use http::{HeaderMap, Method, Request, Response, Uri};
use http_body::Body;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tower_service::Service;

/// Where a learned issuer is fetched from, in order (RFC 8414 §3, `OpenID`
/// Connect Discovery §4): the placements of an issuer without a path.
const METADATA_PATHS: [&str; 2] = [
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
];

/// What a request's future needs for the `iss` repair.
#[derive(Debug)]
pub(crate) struct IssPlan<S> {
    pub(crate) config: Arc<Config>,
    /// A clone of the wrapped service, taken only while no issuer is known.
    pub(crate) learner: Option<S>,
}

/// What to do with a redirect.
pub(crate) enum Start<F, B, S, R> {
    Done(Response<B>),
    Fetch(Box<Fetching<F, B, S, R>>),
}

/// Decides on a redirect (the caller checked the status).
pub(crate) fn start<F, B, S, R>(mut res: Response<B>, plan: IssPlan<S>) -> Start<F, B, S, R> {
    let Some(state) = &plan.config.iss else {
        return Start::Done(res);
    };
    let known = state.known();
    match (known, plan.learner) {
        (Known::Unknown, Some(svc)) if location(res.headers()).is_some_and(needs_iss) => {
            Start::Fetch(Box::new(Fetching {
                held: res,
                config: plan.config,
                svc,
                next: 0,
                step: Step::Ready,
                _request: PhantomData,
            }))
        }
        (known, _) => {
            rewrite(res.headers_mut(), &known);
            Start::Done(res)
        }
    }
}

/// The one `Location` of a response, as text.
fn location(headers: &HeaderMap) -> Option<&str> {
    let mut all = headers.get_all(LOCATION).iter();
    match (all.next(), all.next()) {
        (Some(v), None) => v.to_str().ok(),
        _ => None,
    }
}

/// Adds `iss` to the redirect's `Location` when the issuer is known.
fn rewrite(headers: &mut HeaderMap, known: &Known) {
    let Some(text) = location(headers) else {
        return;
    };
    let reason = match known {
        Known::Add(issuer) => match add_iss(text, issuer) {
            None => return,
            Some(new) => match HeaderValue::from_str(&new) {
                Ok(v) => {
                    headers.insert(LOCATION, v);
                    trace::iss_added(issuer);
                    return;
                }
                Err(_) => "the rewritten location is not a header value",
            },
        },
        Known::Leave(reason) => reason,
        Known::Unknown => "the issuer is not known",
    };
    if needs_iss(text) {
        trace::iss_not_added(reason);
    }
}

/// A redirect held while the service's own metadata is fetched.
pub(crate) struct Fetching<F, B, S, R> {
    held: Response<B>,
    config: Arc<Config>,
    svc: S,
    /// The next of [`METADATA_PATHS`] to ask.
    next: usize,
    step: Step<F, B>,
    _request: PhantomData<fn() -> R>,
}

enum Step<F, B> {
    Ready,
    Calling(Pin<Box<F>>),
    Reading(Pin<Box<B>>, Vec<u8>),
}

impl<F, B, S, R, E> Fetching<F, B, S, R>
where
    S: Service<Request<R>, Response = Response<B>, Future = F, Error = E>,
    F: Future<Output = Result<Response<B>, E>>,
    B: Body,
    R: Default,
{
    /// The held redirect, rewritten by what is known once the fetch ended.
    pub(crate) fn into_redirect(self) -> Response<B> {
        let Self {
            mut held, config, ..
        } = self;
        if let Some(state) = &config.iss {
            rewrite(held.headers_mut(), &state.known());
        }
        held
    }

    /// Fetches until an issuer is known or every path was tried.
    pub(crate) fn poll_learn(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(state) = &self.config.iss else {
            return Poll::Ready(());
        };
        loop {
            match &mut self.step {
                Step::Ready => {
                    let Some(path) = METADATA_PATHS.get(self.next) else {
                        state.unavailable();
                        return Poll::Ready(());
                    };
                    if ready!(self.svc.poll_ready(cx)).is_err() {
                        return Poll::Ready(());
                    }
                    let mut req = Request::new(R::default());
                    *req.method_mut() = Method::GET;
                    *req.uri_mut() = Uri::from_static(path);
                    req.headers_mut()
                        .insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
                    self.next += 1;
                    self.step = Step::Calling(Box::pin(self.svc.call(req)));
                }
                Step::Calling(fut) => {
                    self.step = match ready!(fut.as_mut().poll(cx)) {
                        Ok(res) if self.eligible(&res) => {
                            Step::Reading(Box::pin(res.into_body()), Vec::new())
                        }
                        _ => Step::Ready,
                    };
                }
                Step::Reading(body, doc) => match ready!(body.as_mut().poll_frame(cx)) {
                    Some(Ok(frame)) => {
                        if let Ok(mut data) = frame.into_data() {
                            doc.extend_from_slice(&data.copy_to_bytes(data.remaining()));
                            if doc.len() > self.config.max_body_bytes {
                                self.step = Step::Ready;
                            }
                        }
                    }
                    Some(Err(_)) => self.step = Step::Ready,
                    None => {
                        let doc = Bytes::from(std::mem::take(doc));
                        let outcome = self.config.last.outcome(&doc, &self.config.repairer);
                        learn(&self.config, &outcome);
                        if !state.is_unknown() {
                            return Poll::Ready(());
                        }
                        self.step = Step::Ready;
                    }
                },
            }
        }
    }

    fn eligible(&self, res: &Response<B>) -> bool {
        let c = &self.config;
        check_response(
            res.status(),
            res.headers(),
            c.respect_no_transform,
            c.max_body_bytes,
        )
        .is_ok()
    }
}

/// Tells the issuer state what a repaired (or fetched) document says.
pub(crate) fn learn(config: &Config, outcome: &crate::cache::Outcome) {
    if let (Some(state), Some(issuer)) = (&config.iss, &outcome.issuer) {
        state.saw(issuer, outcome.advertised_iss());
    }
}
