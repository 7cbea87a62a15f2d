use crate::body::ResponseBody;
use crate::config::Config;
use crate::headers::{after_repair, drop_digests, response_head};
use crate::plain::RequestPlan;
use crate::redirect::{self, Fetching, IssPlan, Start};
use crate::trace;
use bytes::{Buf, Bytes};
use http::response::Parts;
use http::{HeaderMap, Request, Response};
use http_body::Body;
use pin_project_lite::pin_project;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tower_service::Service;

pin_project! {
    /// Response future of [`RepairMetadata`](crate::RepairMetadata).
    ///
    /// For a discovery request it also reads the document (up to the limit)
    /// before it resolves, because the repaired headers depend on the
    /// repaired body. With the `iss` repair on, a redirect that needs an
    /// issuer before one is known waits for the service's own metadata.
    /// Every other response resolves as soon as the inner future does.
    ///
    /// `S` and `R` are the inner service and its request body: the service
    /// is cloned to fetch its metadata while no issuer is known.
    pub struct ResponseFuture<F, B, S, R> {
        #[pin]
        inner: F,
        discovery: Option<Discovery>,
        // Boxed: only discovery responses pay for it, and every other
        // response future stays as small as the inner one plus a few words.
        buffering: Option<Box<Buffering<B>>>,
        iss: Option<IssPlan<S>>,
        // Boxed: only a redirect that waits for the metadata pays for it.
        fetching: Option<Box<Fetching<F, B, S, R>>>,
    }
}

#[derive(Debug)]
struct Discovery {
    config: Arc<Config>,
    plan: RequestPlan,
}

struct Buffering<B> {
    parts: Parts,
    // Boxed so it can be handed on to the response body after being polled
    // here; only discovery responses pay this one allocation.
    body: Pin<Box<B>>,
    /// The frames read so far, as the inner body gave them (no copy for
    /// `Bytes` data).
    chunks: VecDeque<Bytes>,
    len: usize,
    trailers: Option<HeaderMap>,
    discovery: Discovery,
}

impl<F, B, S, R> ResponseFuture<F, B, S, R> {
    pub(crate) fn passthrough(inner: F, iss: Option<IssPlan<S>>) -> Self {
        Self {
            inner,
            discovery: None,
            buffering: None,
            iss,
            fetching: None,
        }
    }

    pub(crate) fn discovery(inner: F, config: Arc<Config>, plan: RequestPlan) -> Self {
        Self {
            inner,
            discovery: Some(Discovery { config, plan }),
            buffering: None,
            iss: None,
            fetching: None,
        }
    }
}

impl<F, B, S, R, E> Future for ResponseFuture<F, B, S, R>
where
    S: Service<Request<R>, Response = Response<B>, Future = F, Error = E>,
    F: Future<Output = Result<Response<B>, E>>,
    B: Body,
    R: Default,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(b) = this.buffering.take() {
            return drive(this.buffering, b, cx).map(Ok);
        }
        if let Some(f) = this.fetching.take() {
            return wait(this.fetching, f, cx).map(Ok);
        }
        let response = ready!(this.inner.poll(cx))?;
        let Some(discovery) = this.discovery.take() else {
            // The hot path: one status check for every non-redirect.
            if !response.status().is_redirection() {
                return Poll::Ready(Ok(response.map(ResponseBody::passthrough)));
            }
            let Some(plan) = this.iss.take() else {
                return Poll::Ready(Ok(response.map(ResponseBody::passthrough)));
            };
            return match redirect::start(response, plan) {
                Start::Done(response) => Poll::Ready(Ok(response.map(ResponseBody::passthrough))),
                Start::Fetch(f) => wait(this.fetching, f, cx).map(Ok),
            };
        };
        let (mut parts, body) = response.into_parts();
        let status = parts.status.as_u16();
        if let Err(reason) = response_head(
            &discovery.plan,
            status,
            &mut parts.headers,
            &discovery.config,
        ) {
            trace::left_alone(reason);
            let body = ResponseBody::passthrough(body);
            return Poll::Ready(Ok(finish(parts, body, discovery.plan)));
        }
        let b = Box::new(Buffering {
            parts,
            body: Box::pin(body),
            // Room for a document in one frame and the repair's three
            // pieces, allocated once.
            chunks: VecDeque::with_capacity(4),
            len: 0,
            trailers: None,
            discovery,
        });
        drive(this.buffering, b, cx).map(Ok)
    }
}

/// Polls the buffering body; parks it in `slot` while it is pending.
fn drive<B: Body>(
    slot: &mut Option<Box<Buffering<B>>>,
    mut b: Box<Buffering<B>>,
    cx: &mut Context<'_>,
) -> Poll<Response<ResponseBody<B>>> {
    match b.poll_to_end(cx) {
        Poll::Pending => {
            *slot = Some(b);
            Poll::Pending
        }
        Poll::Ready(end) => Poll::Ready(b.into_response(end)),
    }
}

/// Polls the metadata fetch of a held redirect; parks it in `slot` while
/// it is pending.
fn wait<F, B, S, R, E>(
    slot: &mut Option<Box<Fetching<F, B, S, R>>>,
    mut f: Box<Fetching<F, B, S, R>>,
    cx: &mut Context<'_>,
) -> Poll<Response<ResponseBody<B>>>
where
    S: Service<Request<R>, Response = Response<B>, Future = F, Error = E>,
    F: Future<Output = Result<Response<B>, E>>,
    B: Body,
    R: Default,
{
    match f.poll_learn(cx) {
        Poll::Pending => {
            *slot = Some(f);
            Poll::Pending
        }
        Poll::Ready(()) => Poll::Ready((*f).into_redirect().map(ResponseBody::passthrough)),
    }
}

/// How reading a discovery body ended.
enum End<E> {
    Complete,
    OverLimit,
    Failed(E),
}

impl<B: Body> Buffering<B> {
    fn poll_to_end(&mut self, cx: &mut Context<'_>) -> Poll<End<B::Error>> {
        loop {
            match ready!(self.body.as_mut().poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(mut data) => {
                        let data = data.copy_to_bytes(data.remaining());
                        self.len = self.len.saturating_add(data.len());
                        self.chunks.push_back(data);
                        if self.len > self.discovery.config.max_body_bytes {
                            return Poll::Ready(End::OverLimit);
                        }
                    }
                    Err(frame) => {
                        if let Ok(t) = frame.into_trailers() {
                            match &mut self.trailers {
                                Some(all) => all.extend(t),
                                None => self.trailers = Some(t),
                            }
                        }
                    }
                },
                Some(Err(error)) => return Poll::Ready(End::Failed(error)),
                None => return Poll::Ready(End::Complete),
            }
        }
    }

    fn into_response(self: Box<Self>, end: End<B::Error>) -> Response<ResponseBody<B>> {
        let b = *self;
        match end {
            End::Complete => repair(b),
            End::OverLimit => {
                // Nothing is lost: what was read is replayed, then the rest.
                trace::left_alone("body over the limit");
                let body = ResponseBody::replay(b.chunks, b.body);
                finish(b.parts, body, b.discovery.plan)
            }
            End::Failed(error) => {
                // The caller gets the same failure, never a short document.
                trace::left_alone("body error");
                let body = ResponseBody::failed(b.chunks, error);
                finish(b.parts, body, b.discovery.plan)
            }
        }
    }
}

/// Repairs a complete document, or hands it back byte for byte.
fn repair<B: Body>(b: Buffering<B>) -> Response<ResponseBody<B>> {
    let Buffering {
        mut parts,
        mut chunks,
        len,
        mut trailers,
        discovery,
        ..
    } = b;
    let config = &discovery.config;
    let doc = match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.pop_front().unwrap_or_default(),
        _ => {
            let mut whole = Vec::with_capacity(len);
            for c in chunks.drain(..) {
                whole.extend_from_slice(&c);
            }
            Bytes::from(whole)
        }
    };
    let outcome = config.last.outcome(&doc, &config.repairer);
    redirect::learn(config, &outcome);
    let body = match &outcome.edits {
        Ok(edits) => {
            trace::repaired(&edits.fields, edits.signed_metadata);
            after_repair(
                &mut parts.headers,
                edits.repaired_len(doc.len()),
                &config.etag_suffix,
            );
            if let Some(t) = &mut trailers {
                drop_digests(t);
            }
            // The document's own bytes are sliced, not copied: one piece
            // before each insertion, the insertion, and the rest.
            chunks.reserve(2 * edits.inserts().count() + 1);
            let mut from = 0;
            for (at, text) in edits.inserts() {
                chunks.push_back(doc.slice(from..at));
                chunks.push_back(text.clone());
                from = at;
            }
            chunks.push_back(doc.slice(from..));
            ResponseBody::buffered(chunks, trailers)
        }
        Err(skip) => {
            trace::left_alone(skip);
            chunks.push_back(doc);
            ResponseBody::buffered(chunks, trailers)
        }
    };
    finish(parts, body, discovery.plan)
}

/// A HEAD request gets the GET response's head with no body.
fn finish<B: Body>(
    parts: Parts,
    body: ResponseBody<B>,
    plan: RequestPlan,
) -> Response<ResponseBody<B>> {
    let body = if plan.head {
        ResponseBody::empty()
    } else {
        body
    };
    Response::from_parts(parts, body)
}

impl<F, B, S, R> std::fmt::Debug for ResponseFuture<F, B, S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("discovery", &self.discovery.is_some())
            .field("buffering", &self.buffering.is_some())
            .field("fetching", &self.fetching.is_some())
            .finish_non_exhaustive()
    }
}
