//! The `iss` repair's side of a redirect: rewrite its `Location` with the
//! known issuer, or first fetch the wrapped service's own metadata when no
//! issuer is known yet.

use crate::config::Config;
use crate::headers::check_response;
use crate::iss::{IssuerState, Redirect, METADATA_PATHS};
use crate::plain::{text, HeaderList};
use crate::trace;
use bytes::{Buf, Bytes};
use http::header::{HeaderValue, ACCEPT_ENCODING};
use http::{HeaderMap, Method, Request, Response, Uri};
use http_body::Body;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tower_service::Service;

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
    let Some(text) = location(res.headers()) else {
        return Start::Done(res);
    };
    match (state.redirect(text), plan.learner) {
        (Redirect::Unknown, Some(svc)) => Start::Fetch(Box::new(Fetching {
            held: res,
            config: plan.config,
            svc,
            next: 0,
            step: Step::Ready,
            _request: PhantomData,
        })),
        (decision, _) => {
            apply(res.headers_mut(), decision);
            Start::Done(res)
        }
    }
}

/// The one `Location` of a response, as text.
pub(crate) fn location<H: HeaderList + ?Sized>(headers: &H) -> Option<&str> {
    let mut all = headers.values("location");
    match (all.next(), all.next()) {
        (Some(v), None) => text(v),
        _ => None,
    }
}

/// Puts a rewritten `Location` in place.
pub(crate) fn apply<H: HeaderList + ?Sized>(headers: &mut H, decision: Redirect) {
    match decision {
        // `add_iss` keeps visible ASCII and adds percent-encoded bytes only.
        Redirect::Added(new) if !headers.replace("location", &new) => {
            trace::iss_not_added("the rewritten location is not a header value");
        }
        Redirect::Unknown => trace::iss_not_added("the issuer could not be fetched"),
        _ => {}
    }
}

/// The held redirect, decided by what `state` knows now.
fn decide(headers: &mut HeaderMap, state: &IssuerState) {
    if let Some(decision) = location(headers).map(|text| state.redirect(text)) {
        apply(headers, decision);
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
            decide(held.headers_mut(), state);
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
            res.status().as_u16(),
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
