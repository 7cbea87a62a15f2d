//! One request to the upstream and its response back: the request checked,
//! hop-by-hop headers removed, forwarding headers set from what this proxy
//! saw, 502 when the upstream cannot be reached, 504 when it does not answer
//! in time.

use super::args::Upstream;
use super::body::ProxyBody;
use super::checks;
use super::upstream::Pool;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::{PathAndQuery, Scheme};
use http::{Request, Response, StatusCode, Uri, Version};
use http_body_util::{Either, Empty};
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The upstream of one worker, and how to address it.
#[derive(Debug, Clone)]
pub struct Forwarder {
    /// The worker's upstream connections.
    pub pool: Arc<Pool>,
    /// Where requests go.
    pub upstream: Upstream,
    /// `Host` for upstream requests.
    pub host: HeaderValue,
    /// The scheme clients use to reach this proxy.
    pub served: Scheme,
    /// Keep the client's `X-Forwarded-*`, `X-Real-IP` and `Forwarded`
    /// (`--trust-forwarded`).
    pub trust_forwarded: bool,
    /// Forward header names with `_` (`--allow-underscores`).
    pub allow_underscores: bool,
    /// How long to wait for the upstream's response head (`--upstream-timeout`).
    pub upstream_timeout: Duration,
}

/// A request's body as the repair layer sees it: a client's, or none for the
/// layer's own `GET` of the upstream's metadata (its `iss` repair learning
/// the issuer), which carries no `Host` of a client.
#[derive(Debug, Default)]
pub enum RequestBody {
    /// A client's request body.
    Client(Incoming),
    /// The layer's own request.
    #[default]
    Own,
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
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

/// Removes the hop-by-hop fields and those `Connection` names.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Most messages have none, or only `Connection: keep-alive`: one pass
    // over the names present, then a lookup only for a name that is there.
    let (mut connection, mut fixed) = (0usize, false);
    for name in headers.keys() {
        if name == header::CONNECTION {
            connection += 1;
        } else if HOP_BY_HOP.contains(name) {
            fixed = true;
        }
    }
    if connection == 0 && !fixed {
        return;
    }
    if connection > 0 && headers.get_all(header::CONNECTION).iter().count() == 1 {
        // Fields named in Connection are hop-by-hop too. One value (the
        // usual case) is taken out and its names removed without a copy.
        if let Some(value) = headers.remove(header::CONNECTION) {
            remove_named(headers, &value);
        }
    } else if connection > 0 {
        let values: Vec<HeaderValue> = headers
            .get_all(header::CONNECTION)
            .iter()
            .cloned()
            .collect();
        headers.remove(header::CONNECTION);
        for value in &values {
            remove_named(headers, value);
        }
    }
    if fixed {
        for name in &HOP_BY_HOP[1..] {
            headers.remove(name);
        }
    }
}

/// Removes the fields a `Connection` value names (a comma-separated list of
/// field names; anything that is not a field name is ignored).
fn remove_named(headers: &mut HeaderMap, connection: &HeaderValue) {
    let Ok(text) = connection.to_str() else {
        return;
    };
    // The usual values name no other field.
    if text.eq_ignore_ascii_case("keep-alive") || text.eq_ignore_ascii_case("close") {
        return;
    }
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        // The fixed hop-by-hop names (`keep-alive`, most often) go in the
        // pass over those, when present.
        if HOP_BY_HOP
            .iter()
            .any(|h| h.as_str().eq_ignore_ascii_case(name))
        {
            continue;
        }
        // A `&str` name is looked up in place: no allocation, and an
        // invalid name finds nothing.
        headers.remove(name);
    }
}

/// A short plain-text answer of the proxy's own.
pub fn answer(status: StatusCode, text: &'static str) -> Response<ProxyBody> {
    let mut res = Response::new(ProxyBody::own(Bytes::from_static(text.as_bytes())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

impl Forwarder {
    /// Sends `req` upstream over one of the worker's connections and returns
    /// the response to give the client.
    pub async fn forward(&self, req: Request<RequestBody>, peer: &Peer) -> Response<ProxyBody> {
        let host = match req.body() {
            RequestBody::Own => None,
            RequestBody::Client(_) => match checks::request_host(&req) {
                Ok(host) => host,
                Err((status, text)) => return answer(status, text),
            },
        };
        let mut req = req.map(|body| match body {
            RequestBody::Client(body) => Either::Left(body),
            RequestBody::Own => Either::Right(Empty::new()),
        });
        let path = req
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        *req.uri_mut() = Uri::from(path);
        *req.version_mut() = Version::HTTP_11;
        let headers = req.headers_mut();
        strip_hop_by_hop(headers);
        if !self.allow_underscores {
            checks::drop_underscore_names(headers);
        }
        headers.insert(header::HOST, self.host.clone());
        self.set_forwarded(headers, peer, host);

        match tokio::time::timeout(self.upstream_timeout, self.pool.send(req)).await {
            Ok(Ok((res, lease))) => {
                let (mut parts, body) = res.into_parts();
                // The version is hop-by-hop: the proxy speaks HTTP/1.1 (an
                // HTTP/1.0 upstream's status line is not passed on).
                parts.version = Version::HTTP_11;
                checks::fix_framing(&mut parts.headers);
                strip_hop_by_hop(&mut parts.headers);
                Response::from_parts(parts, ProxyBody::upstream(body, lease))
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

    /// X-Forwarded-For / -Host / -Proto and X-Real-IP from what this proxy
    /// saw, so an upstream that builds its issuer URL from them builds this
    /// proxy's. Whatever the client sent is dropped unless the operator
    /// trusts it.
    fn set_forwarded(&self, headers: &mut HeaderMap, peer: &Peer, host: Option<HeaderValue>) {
        if self.trust_forwarded {
            return set_trusted_forwarded(headers, peer, host, self.served == Scheme::HTTPS);
        }
        // Whatever the client sent is dropped: one pass over the names
        // present finds whether there is anything to drop (most requests
        // carry none), and then every field is known to be absent.
        if headers.keys().any(|n| FORWARDING.contains(n)) {
            for name in &FORWARDING {
                headers.remove(name);
            }
        }
        headers.insert(X_FORWARDED_FOR, peer.ip.clone());
        headers.insert(X_REAL_IP, peer.ip.clone());
        headers.insert(X_FORWARDED_PROTO, proto(self.served == Scheme::HTTPS));
        if let Some(host) = host {
            headers.insert(X_FORWARDED_HOST, host);
        }
    }
}

/// The forwarding fields a client may send, dropped unless trusted.
const FORWARDING: [HeaderName; 5] = [
    X_FORWARDED_FOR,
    X_FORWARDED_HOST,
    X_FORWARDED_PROTO,
    X_REAL_IP,
    header::FORWARDED,
];

fn proto(https: bool) -> HeaderValue {
    HeaderValue::from_static(if https { "https" } else { "http" })
}

/// `--trust-forwarded`: the client's fields are kept, the peer appended to
/// `X-Forwarded-For`, and the others set only where the client set none.
fn set_trusted_forwarded(
    headers: &mut HeaderMap,
    peer: &Peer,
    host: Option<HeaderValue>,
    https: bool,
) {
    let prior_for = headers
        .get(&X_FORWARDED_FOR)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let chain = match prior_for {
        Some(prior) => HeaderValue::from_str(&format!("{prior}, {}", peer.addr.ip())).ok(),
        None => Some(peer.ip.clone()),
    };
    if let Some(v) = chain {
        headers.insert(X_FORWARDED_FOR, v);
    }
    if !headers.contains_key(&X_REAL_IP) {
        headers.insert(X_REAL_IP, peer.ip.clone());
    }
    if !headers.contains_key(&X_FORWARDED_PROTO) {
        headers.insert(X_FORWARDED_PROTO, proto(https));
    }
    if let Some(host) = host.filter(|_| !headers.contains_key(&X_FORWARDED_HOST)) {
        headers.insert(X_FORWARDED_HOST, host);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn names(h: &HeaderMap) -> Vec<&str> {
        let mut n: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        n.sort_unstable();
        n
    }

    #[test]
    fn hop_by_hop_fields_and_those_connection_names_are_removed() {
        let mut h = headers(&[
            ("content-type", "application/json"),
            ("connection", "Keep-Alive, X-Secret , close,, not a name"),
            ("keep-alive", "timeout=5"),
            ("x-secret", "1"),
            ("te", "trailers"),
            ("trailer", "x-checksum"),
        ]);
        strip_hop_by_hop(&mut h);
        assert_eq!(names(&h), ["content-type", "trailer"]);
        // Every Connection value counts, not only the first.
        let mut h = headers(&[
            ("connection", "x-a"),
            ("connection", "x-b"),
            ("x-a", "1"),
            ("x-b", "2"),
            ("x-c", "3"),
        ]);
        strip_hop_by_hop(&mut h);
        assert_eq!(names(&h), ["x-c"]);
        // A Connection value that is not text names nothing.
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_bytes(b"x-a\xff").unwrap(),
        );
        h.insert("x-a", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h);
        assert_eq!(names(&h), ["x-a"]);
        // Nothing hop-by-hop: nothing changes.
        let mut h = headers(&[("host", "a"), ("x-b", "2"), ("x-b", "3")]);
        let before = h.clone();
        strip_hop_by_hop(&mut h);
        assert_eq!(h, before);
    }

    #[tokio::test]
    async fn a_request_future_stays_small() {
        // The future of every request is moved several times on its way
        // through hyper and the repair layer: connecting, waiting for a
        // connection and retrying are boxed so their state is not part of
        // it (it was 4000 bytes with them inline).
        use clap::Parser;
        let args = super::super::args::Args::try_parse_from([
            "oauth-metadata-repair",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "http://127.0.0.1:1",
        ])
        .unwrap();
        let forwarder = super::super::config::Proxy::new(args).unwrap().forwarder();
        let peer = Peer::new(SocketAddr::from(([127, 0, 0, 1], 1)));
        let future = forwarder.forward(Request::new(RequestBody::Own), &peer);
        let size = std::mem::size_of_val(&future);
        assert!(size <= 2600, "{size} bytes");
    }
}
