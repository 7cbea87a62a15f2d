use bytes::{Buf, Bytes};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
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
        Buffered { data: Option<Bytes>, trailers: Option<HeaderMap> },
        Replay { prefix: Option<Bytes>, rest: Pin<Box<B>> },
        Failed { prefix: Option<Bytes>, error: Option<B::Error> },
        Empty,
    }
}

impl<B: Body> ResponseBody<B> {
    pub(crate) fn passthrough(inner: B) -> Self {
        Self {
            kind: Kind::Passthrough { inner },
        }
    }

    pub(crate) fn buffered(data: Bytes, trailers: Option<HeaderMap>) -> Self {
        Self {
            kind: Kind::Buffered {
                data: Some(data).filter(|d| !d.is_empty()),
                trailers,
            },
        }
    }

    pub(crate) fn replay(prefix: Bytes, rest: Pin<Box<B>>) -> Self {
        Self {
            kind: Kind::Replay {
                prefix: Some(prefix).filter(|d| !d.is_empty()),
                rest,
            },
        }
    }

    pub(crate) fn failed(prefix: Bytes, error: B::Error) -> Self {
        Self {
            kind: Kind::Failed {
                prefix: Some(prefix).filter(|d| !d.is_empty()),
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
            KindProj::Buffered { data, trailers } => Poll::Ready(
                data.take()
                    .map(Frame::data)
                    .or_else(|| trailers.take().map(Frame::trailers))
                    .map(Ok),
            ),
            KindProj::Replay { prefix, rest } => match prefix.take() {
                Some(p) => Poll::Ready(Some(Ok(Frame::data(p)))),
                None => {
                    let frame = ready!(rest.as_mut().poll_frame(cx));
                    Poll::Ready(map_frame(frame))
                }
            },
            KindProj::Failed { prefix, error } => Poll::Ready(match prefix.take() {
                Some(p) => Some(Ok(Frame::data(p))),
                None => error.take().map(Err),
            }),
            KindProj::Empty => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Passthrough { inner } => inner.is_end_stream(),
            Kind::Buffered { data, trailers } => data.is_none() && trailers.is_none(),
            Kind::Replay { prefix, rest } => prefix.is_none() && rest.is_end_stream(),
            Kind::Failed { prefix, error } => prefix.is_none() && error.is_none(),
            Kind::Empty => true,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Passthrough { inner } => inner.size_hint(),
            Kind::Buffered { data, .. } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            Kind::Replay { prefix, rest } => {
                let extra = prefix.as_ref().map_or(0, |p| p.len() as u64);
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
                hint.set_lower(prefix.as_ref().map_or(0, |p| p.len() as u64));
                hint
            }
            Kind::Empty => SizeHint::with_exact(0),
        }
    }
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
