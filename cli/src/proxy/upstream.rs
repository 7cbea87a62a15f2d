//! Upstream connections for HTTP/1.1 clients, without a shared pool on the
//! request path: each client connection holds one upstream connection for
//! its sequential requests, and hands it to its worker's idle list when it
//! closes, for the next client connection of that worker.

use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use std::sync::{Arc, Mutex};
use tower::Service;

/// One worker's way to the upstream: where it is, how to connect, and the
/// idle connections its client connections handed back.
#[derive(Debug)]
pub struct Origin {
    connector: HttpsConnector<HttpConnector>,
    /// `scheme://authority/` of the upstream, to connect to.
    base: http::Uri,
    idle: Mutex<Vec<SendRequest<Incoming>>>,
}

/// Most idle upstream connections a worker keeps (as nginx's `keepalive`).
const MAX_IDLE: usize = 64;

impl Origin {
    /// The upstream at `base`, reached through `connector`.
    pub fn new(connector: HttpsConnector<HttpConnector>, base: http::Uri) -> Self {
        Self {
            connector,
            base,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn take(&self) -> Option<SendRequest<Incoming>> {
        let mut idle = self.idle.lock().ok()?;
        while let Some(sender) = idle.pop() {
            if sender.is_ready() {
                return Some(sender);
            }
        }
        None
    }

    fn give(&self, sender: SendRequest<Incoming>) {
        if let Ok(mut idle) = self.idle.lock() {
            if sender.is_ready() && idle.len() < MAX_IDLE {
                idle.push(sender);
            }
        }
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

/// The upstream connection of one client connection.
#[derive(Debug)]
pub struct Link {
    sender: Mutex<Option<SendRequest<Incoming>>>,
    origin: Arc<Origin>,
}

impl Link {
    /// No connection yet; the first request takes one from `origin`.
    pub fn new(origin: Arc<Origin>) -> Self {
        Self {
            sender: Mutex::new(None),
            origin,
        }
    }

    /// Sends `req` (its URI in origin form) and returns the response head. A
    /// request that found its kept connection closed before it was written
    /// is sent once more on a fresh one.
    pub async fn send(
        &self,
        mut req: http::Request<Incoming>,
    ) -> Result<http::Response<Incoming>, LinkError> {
        let mut fresh = false;
        loop {
            let kept = if fresh { None } else { self.kept().await };
            let mut sender = match kept {
                Some(s) => s,
                None => {
                    fresh = true;
                    self.connect().await?
                }
            };
            match sender.try_send_request(req).await {
                Ok(res) => {
                    if let Ok(mut own) = self.sender.lock() {
                        *own = Some(sender);
                    }
                    return Ok(res);
                }
                Err(mut e) => match e.take_message() {
                    Some(unsent) if !fresh => {
                        fresh = true;
                        req = unsent;
                    }
                    _ => return Err(LinkError::Http(e.into_error())),
                },
            }
        }
    }

    /// This link's connection, or an idle one of the worker's, once ready.
    async fn kept(&self) -> Option<SendRequest<Incoming>> {
        let own = self.sender.lock().ok().and_then(|mut s| s.take());
        if let Some(mut sender) = own {
            if sender.ready().await.is_ok() {
                return Some(sender);
            }
        }
        self.origin.take()
    }

    async fn connect(&self) -> Result<SendRequest<Incoming>, LinkError> {
        let origin = &self.origin;
        let io = origin
            .connector
            .clone()
            .call(origin.base.clone())
            .await
            .map_err(LinkError::Connect)?;
        let (sender, conn) = http1::Builder::new()
            .handshake(io)
            .await
            .map_err(LinkError::Http)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.get_mut().ok().and_then(Option::take) {
            self.origin.give(sender);
        }
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
