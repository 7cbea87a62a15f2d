use bytes::{Buf, Bytes};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project! {
    /// Response body of [`RepairMetadata`](crate::RepairMetadata).
    ///
    /// Every response that was not buffered streams the inner body frame by
    /// frame. A buffered discovery document comes back as one data frame
    /// (then its trailers); one that turned out too large, or whose body
    /// failed, replays the bytes read and then continues, or fails, exactly
    /// as the inner body did.
    pub struct ResponseBody<B>
    where
        B: Body,
    {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B>
    where
        B: Body,
    {
        Passthrough { #[pin] inner: B },
        // Boxed so the passthrough variant, the hot one, sets the size.
        Buffered { rest: Box<Buffered> },
        Replay { prefix: VecDeque<Bytes>, rest: Pin<Box<B>> },
        Failed { prefix: VecDeque<Bytes>, error: Option<B::Error> },
        Empty,
    }
}

/// A complete body held in memory.
struct Buffered {
    chunks: VecDeque<Bytes>,
    trailers: Option<HeaderMap>,
}

impl<B: Body> ResponseBody<B> {
    pub(crate) fn passthrough(inner: B) -> Self {
        Self {
            kind: Kind::Passthrough { inner },
        }
    }

    /// A complete body: `chunks` (empty ones are skipped), then trailers.
    pub(crate) fn buffered(mut chunks: VecDeque<Bytes>, trailers: Option<HeaderMap>) -> Self {
        chunks.retain(|c| !c.is_empty());
        Self {
            kind: Kind::Buffered {
                rest: Box::new(Buffered { chunks, trailers }),
            },
        }
    }

    /// The chunks already read, then the rest of the inner body.
    pub(crate) fn replay(mut prefix: VecDeque<Bytes>, rest: Pin<Box<B>>) -> Self {
        prefix.retain(|c| !c.is_empty());
        Self {
            kind: Kind::Replay { prefix, rest },
        }
    }

    /// The chunks already read, then the inner body's error.
    pub(crate) fn failed(mut prefix: VecDeque<Bytes>, error: B::Error) -> Self {
        prefix.retain(|c| !c.is_empty());
        Self {
            kind: Kind::Failed {
                prefix,
                error: Some(error),
            },
        }
    }

    /// The body of a HEAD response.
    pub(crate) fn empty() -> Self {
        Self { kind: Kind::Empty }
    }
}

impl<B> Body for ResponseBody<B>
where
    B: Body,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().kind.project() {
            KindProj::Passthrough { inner } => inner.poll_frame(cx).map(map_frame),
            KindProj::Buffered { rest } => Poll::Ready(
                rest.chunks
                    .pop_front()
                    .map(Frame::data)
                    .or_else(|| rest.trailers.take().map(Frame::trailers))
                    .map(Ok),
            ),
            KindProj::Replay { prefix, rest } => match prefix.pop_front() {
                Some(p) => Poll::Ready(Some(Ok(Frame::data(p)))),
                None => {
                    let frame = ready!(rest.as_mut().poll_frame(cx));
                    Poll::Ready(map_frame(frame))
                }
            },
            KindProj::Failed { prefix, error } => Poll::Ready(match prefix.pop_front() {
                Some(p) => Some(Ok(Frame::data(p))),
                None => error.take().map(Err),
            }),
            KindProj::Empty => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Passthrough { inner } => inner.is_end_stream(),
            Kind::Buffered { rest } => rest.chunks.is_empty() && rest.trailers.is_none(),
            Kind::Replay { prefix, rest } => prefix.is_empty() && rest.is_end_stream(),
            Kind::Failed { prefix, error } => prefix.is_empty() && error.is_none(),
            Kind::Empty => true,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Passthrough { inner } => inner.size_hint(),
            Kind::Buffered { rest } => SizeHint::with_exact(total(&rest.chunks)),
            Kind::Replay { prefix, rest } => {
                let extra = total(prefix);
                let rest = rest.size_hint();
                let mut hint = SizeHint::new();
                hint.set_lower(rest.lower().saturating_add(extra));
                if let Some(upper) = rest.upper() {
                    hint.set_upper(upper.saturating_add(extra));
                }
                hint
            }
            Kind::Failed { prefix, .. } => {
                let mut hint = SizeHint::new();
                hint.set_lower(total(prefix));
                hint
            }
            Kind::Empty => SizeHint::with_exact(0),
        }
    }
}

fn total(chunks: &VecDeque<Bytes>) -> u64 {
    chunks.iter().map(|c| c.len() as u64).sum()
}

/// Normalises any `Buf` to `Bytes`; for `Bytes` itself this is a move.
fn map_frame<D: Buf, E>(frame: Option<Result<Frame<D>, E>>) -> Option<Result<Frame<Bytes>, E>> {
    frame.map(|r| r.map(|f| f.map_data(|mut d| d.copy_to_bytes(d.remaining()))))
}

impl<B> std::fmt::Debug for ResponseBody<B>
where
    B: Body,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            Kind::Passthrough { .. } => "Passthrough",
            Kind::Buffered { .. } => "Buffered",
            Kind::Replay { .. } => "Replay",
            Kind::Failed { .. } => "Failed",
            Kind::Empty => "Empty",
        };
        f.debug_struct("ResponseBody").field("kind", &kind).finish()
    }
}
