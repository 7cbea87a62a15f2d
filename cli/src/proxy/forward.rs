//! One request to the upstream and its response back: hop-by-hop headers
//! removed, forwarding headers set from what this proxy saw, 502 when the
//! upstream cannot be reached, 504 when it does not answer in time.

use super::args::Upstream;
use super::upstream::{Chain, Link};
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::{PathAndQuery, Scheme};
use http::{Request, Response, StatusCode, Uri, Version};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use std::net::SocketAddr;
use std::time::Duration;

/// What the client gets back: the upstream's body, or one of ours.
pub type ProxyBody = Either<Incoming, Full<Bytes>>;

/// The upstream client of one worker, and how to address the upstream.
#[derive(Debug, Clone)]
pub struct Forwarder {
    /// The pooled client, for HTTP/2 clients.
    pub client: Client<HttpsConnector<HttpConnector>, Incoming>,
    /// Where requests go.
    pub upstream: Upstream,
    /// `Host` for upstream requests.
    pub host: HeaderValue,
    /// The scheme clients use to reach this proxy.
    pub served: Scheme,
    /// Keep the client's `X-Forwarded-*` and `Forwarded` (`--trust-forwarded`).
    pub trust_forwarded: bool,
    /// How long to wait for the upstream's response head (`--upstream-timeout`).
    pub upstream_timeout: Duration,
}

/// Hop-by-hop fields (RFC 9110 §7.6.1), plus the proxy's own credentials.
/// `Trailer` is end to end and stays: hyper sends only the trailer fields it
/// announces.
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// Removes the hop-by-hop fields and those `Connection` names.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Most messages have none: one pass over the few names present is
    // cheaper than eight lookups.
    if !headers.keys().any(|n| HOP_BY_HOP.contains(n)) {
        return;
    }
    if headers.contains_key(header::CONNECTION) {
        // Fields named in Connection are hop-by-hop too.
        let named: Vec<HeaderName> = headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
            .collect();
        for name in &named {
            headers.remove(name);
        }
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}

/// A short plain-text answer of the proxy's own.
pub fn answer(status: StatusCode, text: &'static str) -> Response<ProxyBody> {
    let mut res = Response::new(Either::Right(Full::new(Bytes::from_static(
        text.as_bytes(),
    ))));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

impl Forwarder {
    /// Sends `req` upstream and returns the response to give the client:
    /// over `link` for an HTTP/1.1 client, over the worker's pool for the
    /// concurrent streams of an HTTP/2 client.
    pub async fn forward(
        &self,
        mut req: Request<Incoming>,
        peer: &Peer,
        link: &Link,
    ) -> Response<ProxyBody> {
        let h2 = req.version() == Version::HTTP_2;
        let path = req
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        let uri = if h2 {
            // The pooled client takes the absolute form and sends the path.
            let uri = Uri::builder()
                .scheme(self.upstream.scheme.clone())
                .authority(self.upstream.authority.clone())
                .path_and_query(path)
                .build();
            let Ok(uri) = uri else {
                return answer(
                    StatusCode::BAD_REQUEST,
                    "bad request: unusable request target\n",
                );
            };
            uri
        } else {
            Uri::from(path)
        };
        // What the client asked for: HTTP/2 puts it in the URI, HTTP/1.1
        // in Host.
        let host = match req.uri().authority() {
            Some(a) => HeaderValue::from_str(a.as_str()).ok(),
            None => req.headers().get(header::HOST).cloned(),
        };
        *req.uri_mut() = uri;
        *req.version_mut() = Version::HTTP_11;
        let headers = req.headers_mut();
        strip_hop_by_hop(headers);
        headers.insert(header::HOST, self.host.clone());
        self.set_forwarded(headers, peer, host);

        let sent = async {
            if h2 {
                self.client
                    .request(req)
                    .await
                    .map_err(|e| Chain(&e).to_string())
            } else {
                link.send(req).await.map_err(|e| e.to_string())
            }
        };
        match tokio::time::timeout(self.upstream_timeout, sent).await {
            Ok(Ok(res)) => {
                let mut res = res.map(Either::Left);
                strip_hop_by_hop(res.headers_mut());
                res
            }
            Ok(Err(e)) => {
                tracing::warn!(upstream = %self.upstream.authority, error = %e, "upstream request failed");
                answer(
                    StatusCode::BAD_GATEWAY,
                    "bad gateway: the upstream did not answer\n",
                )
            }
            Err(_) => {
                tracing::warn!(upstream = %self.upstream.authority, timeout_s = self.upstream_timeout.as_secs(), "upstream timed out");
                answer(
                    StatusCode::GATEWAY_TIMEOUT,
                    "gateway timeout: the upstream did not answer in time\n",
                )
            }
        }
    }

    /// X-Forwarded-For / -Host / -Proto from what this proxy saw, so an
    /// upstream that builds its issuer URL from them builds this proxy's.
    /// Whatever the client sent is dropped unless the operator trusts it.
    fn set_forwarded(&self, headers: &mut HeaderMap, peer: &Peer, host: Option<HeaderValue>) {
        let prior_for = if self.trust_forwarded {
            headers
                .get(&X_FORWARDED_FOR)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        } else {
            for name in [
                &X_FORWARDED_FOR,
                &X_FORWARDED_HOST,
                &X_FORWARDED_PROTO,
                &header::FORWARDED,
            ] {
                headers.remove(name);
            }
            None
        };
        let chain = match prior_for {
            Some(prior) => HeaderValue::from_str(&format!("{prior}, {}", peer.addr.ip())).ok(),
            None => Some(peer.ip.clone()),
        };
        if let Some(v) = chain {
            headers.insert(X_FORWARDED_FOR, v);
        }
        if !headers.contains_key(&X_FORWARDED_PROTO) {
            let proto = if self.served == Scheme::HTTPS {
                "https"
            } else {
                "http"
            };
            headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(proto));
        }
        if let Some(host) = host.filter(|_| !headers.contains_key(&X_FORWARDED_HOST)) {
            headers.insert(X_FORWARDED_HOST, host);
        }
    }
}

/// The client at the other end of a connection.
#[derive(Debug, Clone)]
pub struct Peer {
    /// Its socket address.
    pub addr: SocketAddr,
    /// Its address as a header value, made once per connection.
    pub ip: HeaderValue,
}

impl Peer {
    /// The peer at `addr`.
    #[must_use]
    pub fn new(addr: SocketAddr) -> Self {
        let ip = HeaderValue::from_str(&addr.ip().to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("unknown"));
        Self { addr, ip }
    }
}
