//! One worker's upstream connections: at most `--max-upstream-connections`
//! of them, lent to one request at a time and given back when its response
//! body is done, so idle clients hold none. Requests beyond the cap wait for
//! a connection. A connection idle for `--upstream-idle-timeout` is closed
//! before the upstream would close it under a request.

use bytes::Bytes;
use http_body_util::{Either, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::client::conn::TrySendError;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tower::Service;

/// The body of a request sent upstream: the client's, or none (a retry).
pub type UpBody = Either<Incoming, Empty<Bytes>>;

type Sender = SendRequest<UpBody>;

/// One worker's way to the upstream.
#[derive(Debug)]
pub struct Pool {
    connector: HttpsConnector<HttpConnector>,
    /// `scheme://authority/` of the upstream, to connect to.
    base: http::Uri,
    /// Idle connections, the most recently used last.
    idle: Mutex<Vec<(Sender, Instant)>>,
    idle_timeout: Duration,
    max: usize,
    /// One permit per open connection, held by its task.
    slots: Arc<Semaphore>,
    returned: Notify,
}

/// A connection lent to one request.
#[derive(Debug)]
pub struct Lease {
    sender: Option<Sender>,
    pool: Arc<Pool>,
}

impl Lease {
    /// The response is complete: the connection can serve the next request.
    pub fn release(mut self) {
        if let Some(sender) = self.sender.take() {
            self.pool.give(sender);
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // A response dropped before its end: hyper closes the connection.
        drop(self.sender.take());
    }
}

/// Why a request did not reach the upstream or got no response head.
#[derive(Debug)]
pub enum LinkError {
    /// No connection could be made.
    Connect(Box<dyn std::error::Error + Send + Sync>),
    /// The connection failed before a response head arrived.
    Http(hyper::Error),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connect(e) => write!(f, "connect: {}", Chain(&**e)),
            Self::Http(e) => write!(f, "{}", Chain(e)),
        }
    }
}

/// A request kept for one retry on a fresh connection: its head, and a
/// body known to be empty. The fields are kept as a list (one allocation),
/// not a second header map: the copy is made for most requests and used
/// for almost none.
#[derive(Debug)]
pub struct Replay {
    method: http::Method,
    uri: http::Uri,
    fields: Vec<(http::HeaderName, http::HeaderValue)>,
}

impl Replay {
    /// A copy of `req`'s head, for a request that may be sent twice: an
    /// idempotent method and no body.
    #[must_use]
    pub fn of(req: &http::Request<UpBody>) -> Option<Self> {
        use http::Method;
        let idempotent = matches!(
            *req.method(),
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        );
        if !idempotent || !hyper::body::Body::is_end_stream(req.body()) {
            return None;
        }
        let fields = req
            .headers()
            .iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        Some(Self {
            method: req.method().clone(),
            uri: req.uri().clone(),
            fields,
        })
    }

    fn request(self) -> http::Request<UpBody> {
        let mut req = http::Request::new(Either::Right(Empty::new()));
        *req.method_mut() = self.method;
        *req.uri_mut() = self.uri;
        let headers = req.headers_mut();
        headers.reserve(self.fields.len());
        for (name, value) in self.fields {
            headers.append(name, value);
        }
        req
    }
}

impl Pool {
    /// The upstream at `base`, reached through `connector`, with at most
    /// `max` connections, each closed after `idle_timeout` unused.
    pub fn new(
        connector: HttpsConnector<HttpConnector>,
        base: http::Uri,
        max: usize,
        idle_timeout: Duration,
    ) -> Arc<Self> {
        let pool = Arc::new(Self {
            connector,
            base,
            idle: Mutex::new(Vec::new()),
            idle_timeout,
            max: max.max(1),
            slots: Arc::new(Semaphore::new(max.max(1))),
            returned: Notify::new(),
        });
        tokio::spawn(sweep(Arc::downgrade(&pool), idle_timeout));
        pool
    }

    fn lock(&self) -> MutexGuard<'_, Vec<(Sender, Instant)>> {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Upstream connections open now (idle or lent).
    #[must_use]
    pub fn open(&self) -> usize {
        self.max.saturating_sub(self.slots.available_permits())
    }

    fn give(&self, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        self.lock().push((sender, Instant::now()));
        self.returned.notify_one();
    }

    /// The most recently used idle connection that is still young enough.
    fn take_idle(&self) -> Option<Sender> {
        let mut idle = self.lock();
        while let Some((sender, since)) = idle.pop() {
            if since.elapsed() < self.idle_timeout && !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    /// Closes the connections idle too long.
    fn prune(&self) {
        let timeout = self.idle_timeout;
        self.lock()
            .retain(|(s, since)| since.elapsed() < timeout && !s.is_closed());
    }

    /// Sends `req` (its URI in origin form) and returns the response head
    /// and the connection to release when the body is done. A request that
    /// fails on a kept connection before any response arrived is sent once
    /// more on a fresh one, when it was not sent at all or it may be sent
    /// twice (see [`Replay::of`]; the copy is made only on a kept
    /// connection, the only kind a request is retried from).
    pub async fn send(
        self: &Arc<Self>,
        req: http::Request<UpBody>,
    ) -> Result<(http::Response<Incoming>, Lease), LinkError> {
        // The usual case inline: a kept connection ready for a request.
        // Waiting for one, connecting and retrying are boxed: they are rare,
        // and their state would otherwise make every request's future
        // (moved several times per request) a few KiB larger.
        let (mut sender, reused) = match self.ready_idle().await {
            Some(sender) => (sender, true),
            None => Box::pin(self.checkout()).await?,
        };
        let replay = if reused { Replay::of(&req) } else { None };
        let err = match sender.try_send_request(req).await {
            Ok(res) => return Ok((res, self.lease(sender))),
            Err(e) => e,
        };
        drop(sender);
        Box::pin(self.retry(reused, err, replay)).await
    }

    /// After `err` on a connection (`reused`: a kept one): the request sent
    /// once more on a fresh connection, when it was not sent at all or
    /// `replay` holds it; otherwise the error.
    async fn retry(
        self: &Arc<Self>,
        reused: bool,
        mut err: TrySendError<http::Request<UpBody>>,
        replay: Option<Replay>,
    ) -> Result<(http::Response<Incoming>, Lease), LinkError> {
        let again = match (reused, err.take_message()) {
            (false, _) => None,
            (true, Some(unsent)) => Some(unsent),
            (true, None) => replay.map(Replay::request),
        };
        let Some(req) = again else {
            return Err(LinkError::Http(err.into_error()));
        };
        tracing::debug!(error = %Chain(err.error()), "kept upstream connection failed; retrying on a fresh one");
        let permit = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|e| LinkError::Connect(Box::new(e)))?;
        let mut sender = self.connect(permit).await?;
        match sender.try_send_request(req).await {
            Ok(res) => Ok((res, self.lease(sender))),
            Err(e) => Err(LinkError::Http(e.into_error())),
        }
    }

    /// The most recently used idle connection that is ready for a request.
    async fn ready_idle(&self) -> Option<Sender> {
        while let Some(mut sender) = self.take_idle() {
            if sender.ready().await.is_ok() {
                return Some(sender);
            }
        }
        None
    }

    fn lease(self: &Arc<Self>, sender: Sender) -> Lease {
        Lease {
            sender: Some(sender),
            pool: Arc::clone(self),
        }
    }

    /// An idle connection (true) or a new one (false), waiting while the
    /// worker has `max` open and none idle.
    async fn checkout(&self) -> Result<(Sender, bool), LinkError> {
        loop {
            let returned = self.returned.notified();
            let mut returned = std::pin::pin!(returned);
            returned.as_mut().enable();
            if let Some(sender) = self.ready_idle().await {
                return Ok((sender, true));
            }
            if let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() {
                return Ok((self.connect(permit).await?, false));
            }
            tokio::select! {
                () = returned => {}
                permit = Arc::clone(&self.slots).acquire_owned() => {
                    let permit = permit.map_err(|e| LinkError::Connect(Box::new(e)))?;
                    return Ok((self.connect(permit).await?, false));
                }
            }
        }
    }

    async fn connect(&self, permit: OwnedSemaphorePermit) -> Result<Sender, LinkError> {
        let io = self
            .connector
            .clone()
            .call(self.base.clone())
            .await
            .map_err(LinkError::Connect)?;
        let (sender, conn) = http1::Builder::new()
            .handshake(io)
            .await
            .map_err(LinkError::Http)?;
        tokio::spawn(async move {
            // The slot is free once the connection is closed.
            let _permit = permit;
            let _ = conn.await;
        });
        Ok(sender)
    }
}

/// Closes idle connections past their time, while the pool lives.
async fn sweep(pool: Weak<Pool>, idle_timeout: Duration) {
    let every = (idle_timeout / 2).max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        let Some(pool) = pool.upgrade() else { return };
        pool.prune();
    }
}

/// An error and its sources on one line.
#[allow(missing_debug_implementations)]
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_is_the_same_head_with_repeated_fields_in_order() {
        let mut req = http::Request::new(Either::Right(Empty::new()));
        *req.uri_mut() = http::Uri::from_static("/a?b=1");
        let h = req.headers_mut();
        h.append("x-a", http::HeaderValue::from_static("1"));
        h.append("host", http::HeaderValue::from_static("up"));
        h.append("x-a", http::HeaderValue::from_static("2"));
        let again = Replay::of(&req).expect("a GET without a body").request();
        assert_eq!(again.method(), http::Method::GET);
        assert_eq!(again.uri(), "/a?b=1");
        assert_eq!(again.version(), req.version());
        assert_eq!(again.headers(), req.headers());
        let all: Vec<_> = again.headers().get_all("x-a").iter().collect();
        assert_eq!(all, ["1", "2"]);
        *req.method_mut() = http::Method::POST;
        assert!(Replay::of(&req).is_none());
    }
}
