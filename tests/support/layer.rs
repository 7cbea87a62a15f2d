//! The layer's tests' upstream, requests and body collection.

use super::collect;
use bytes::Bytes;
use http::header::{self, HeaderMap};
use http::{Request, Response};
use http_body_util::{Empty, Full};
use oauth_metadata_repair::ResponseBody;
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tower::{service_fn, Service, ServiceExt};

/// The RFC 8414 root placement.
pub const DISCOVERY: &str = "/.well-known/oauth-authorization-server";

pub fn get(path: &str) -> Request<Empty<Bytes>> {
    Request::get(path).body(Empty::new()).unwrap()
}

/// An upstream that serves `doc` with the given headers on every request,
/// and records each request head it saw.
#[derive(Clone)]
pub struct Upstream {
    pub seen: Arc<Mutex<Vec<http::request::Parts>>>,
}

impl Upstream {
    pub fn new() -> Self {
        Self {
            seen: Arc::default(),
        }
    }

    pub fn last(&self) -> http::request::Parts {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request reached the upstream")
    }

    pub fn service<B, F>(
        &self,
        make: F,
    ) -> impl Service<
        Request<Empty<Bytes>>,
        Response = Response<B>,
        Error = Infallible,
        Future = impl Future + Send,
    > + Clone
    where
        F: Fn(&http::request::Parts) -> Response<B> + Clone + Send + 'static,
        B: Send + 'static,
    {
        let seen = Arc::clone(&self.seen);
        service_fn(move |req: Request<Empty<Bytes>>| {
            let (parts, _) = req.into_parts();
            let response = make(&parts);
            seen.lock().unwrap().push(parts);
            async move { Ok::<_, Infallible>(response) }
        })
    }
}

pub fn json(doc: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, doc.len())
        .body(Full::new(Bytes::from_static(doc.as_bytes())))
        .unwrap()
}

pub async fn fetch<S, B>(
    svc: S,
    req: Request<Empty<Bytes>>,
) -> (
    http::response::Parts,
    Vec<u8>,
    Option<HeaderMap>,
    Option<String>,
)
where
    S: Service<Request<Empty<Bytes>>, Response = Response<ResponseBody<B>>, Error = Infallible>,
    B: http_body::Body,
    B::Error: std::fmt::Display,
{
    let res = svc.oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let (data, trailers, error) = collect(body).await;
    (parts, data, trailers, error)
}
