//! The body a client gets: the upstream's, streamed, or a short answer of
//! the proxy's own. When the upstream's body ends, its connection goes back
//! to the worker's pool; when the body is dropped, the client connection's
//! request is no longer in flight.

use super::limits::InFlight;
use super::upstream::Lease;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};

/// What the client gets back.
#[derive(Debug)]
pub struct ProxyBody {
    kind: Kind,
    /// The upstream connection, released at the end of the body.
    lease: Option<Lease>,
    /// The client connection's request count.
    in_flight: Option<InFlight>,
}

#[derive(Debug)]
enum Kind {
    Upstream(Incoming),
    Own(Full<Bytes>),
}

impl ProxyBody {
    /// The upstream's body, over the connection `lease`.
    #[must_use]
    pub fn upstream(body: Incoming, lease: Lease) -> Self {
        Self {
            kind: Kind::Upstream(body),
            lease: Some(lease),
            in_flight: None,
        }
    }

    /// A body of the proxy's own.
    #[must_use]
    pub fn own(bytes: Bytes) -> Self {
        Self {
            kind: Kind::Own(Full::new(bytes)),
            lease: None,
            in_flight: None,
        }
    }

    /// Keeps the client connection busy until the body is done.
    #[must_use]
    pub fn in_flight(mut self, guard: InFlight) -> Self {
        self.in_flight = Some(guard);
        self
    }

    fn done(&mut self) {
        if let Some(lease) = self.lease.take() {
            lease.release();
        }
        self.in_flight = None;
    }
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = match &mut self.kind {
            Kind::Upstream(body) => Pin::new(body).poll_frame(cx),
            Kind::Own(body) => Pin::new(body)
                .poll_frame(cx)
                .map_err(|never| match never {}),
        };
        match &polled {
            Poll::Ready(None) => self.done(),
            // A failed upstream body: its connection is not given back.
            Poll::Ready(Some(Err(_))) => self.lease = None,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Upstream(body) => body.is_end_stream(),
            Kind::Own(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Upstream(body) => body.size_hint(),
            Kind::Own(body) => body.size_hint(),
        }
    }
}

impl Drop for ProxyBody {
    fn drop(&mut self) {
        // A body with nothing to read (HEAD, 204, 304, an empty 200) may be
        // dropped unpolled: its connection is still good.
        if self.is_end_stream() {
            self.done();
        }
    }
}
