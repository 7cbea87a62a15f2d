use crate::body::ResponseBody;
use crate::headers::{
    after_repair, check_response, drop_digests, relabel_not_modified, RequestPlan,
};
use crate::layer::Config;
use crate::trace;
use bytes::{Buf, Bytes};
use http::response::Parts;
use http::{HeaderMap, Response, StatusCode};
use http_body::Body;
use pin_project_lite::pin_project;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

pin_project! {
    /// Response future of [`RepairMetadata`](crate::RepairMetadata).
    ///
    /// For a discovery request it also reads the document (up to the limit)
    /// before it resolves, because the repaired headers depend on the
    /// repaired body. For every other request it resolves as soon as the
    /// inner future does.
    pub struct ResponseFuture<F, B> {
        #[pin]
        inner: F,
        discovery: Option<Discovery>,
        // Boxed: only discovery responses pay for it, and every other
        // response future stays as small as the inner one plus two words.
        buffering: Option<Box<Buffering<B>>>,
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

impl<F, B> ResponseFuture<F, B> {
    pub(crate) fn passthrough(inner: F) -> Self {
        Self {
            inner,
            discovery: None,
            buffering: None,
        }
    }

    pub(crate) fn discovery(inner: F, config: Arc<Config>, plan: RequestPlan) -> Self {
        Self {
            inner,
            discovery: Some(Discovery { config, plan }),
            buffering: None,
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Body,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if this.buffering.is_none() {
            let response = ready!(this.inner.poll(cx))?;
            let Some(discovery) = this.discovery.take() else {
                return Poll::Ready(Ok(response.map(ResponseBody::passthrough)));
            };
            let (mut parts, body) = response.into_parts();
            let config = &discovery.config;
            if parts.status == StatusCode::NOT_MODIFIED && discovery.plan.revalidating {
                // The upstream matched a tag we mapped back from a repaired one.
                relabel_not_modified(&mut parts.headers, &config.etag_suffix);
            }
            match check_response(
                parts.status,
                &parts.headers,
                config.respect_no_transform,
                config.max_body_bytes,
            ) {
                Err(reason) => {
                    trace::left_alone(reason);
                    let body = ResponseBody::passthrough(body);
                    return Poll::Ready(Ok(finish(parts, body, discovery.plan)));
                }
                Ok(()) => {
                    *this.buffering = Some(Box::new(Buffering {
                        parts,
                        body: Box::pin(body),
                        chunks: VecDeque::new(),
                        len: 0,
                        trailers: None,
                        discovery,
                    }));
                }
            }
        }
        let Some(b) = this.buffering.as_mut() else {
            unreachable!("buffering was just set")
        };
        loop {
            match ready!(b.body.as_mut().poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(mut data) => {
                        let data = data.copy_to_bytes(data.remaining());
                        b.len = b.len.saturating_add(data.len());
                        b.chunks.push_back(data);
                        if b.len > b.discovery.config.max_body_bytes {
                            trace::left_alone("body over the limit");
                            let Some(b) = this.buffering.take() else {
                                unreachable!()
                            };
                            let b = *b;
                            let body = ResponseBody::replay(b.chunks, b.body);
                            return Poll::Ready(Ok(finish(b.parts, body, b.discovery.plan)));
                        }
                    }
                    Err(frame) => {
                        if let Ok(t) = frame.into_trailers() {
                            match &mut b.trailers {
                                Some(all) => all.extend(t),
                                None => b.trailers = Some(t),
                            }
                        }
                    }
                },
                Some(Err(error)) => {
                    trace::left_alone("body error");
                    let Some(b) = this.buffering.take() else {
                        unreachable!()
                    };
                    let b = *b;
                    let body = ResponseBody::failed(b.chunks, error);
                    return Poll::Ready(Ok(finish(b.parts, body, b.discovery.plan)));
                }
                None => {
                    let Some(b) = this.buffering.take() else {
                        unreachable!()
                    };
                    return Poll::Ready(Ok(repair(*b)));
                }
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
    let body = match config.repairer.edits(&doc) {
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
            // The document's own bytes are sliced, not copied.
            let mut from = 0;
            for (at, text) in edits.inserts() {
                chunks.push_back(doc.slice(from..at));
                chunks.push_back(Bytes::copy_from_slice(text));
                from = at;
            }
            chunks.push_back(doc.slice(from..));
            ResponseBody::buffered(chunks, trailers)
        }
        Err(skip) => {
            trace::left_alone(&skip);
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

impl<F, B> std::fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("discovery", &self.discovery.is_some())
            .field("buffering", &self.buffering.is_some())
            .finish_non_exhaustive()
    }
}
