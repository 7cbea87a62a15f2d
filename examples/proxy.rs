//! A reverse proxy that repairs the discovery documents of the server behind
//! it, for servers you cannot patch (the MCP Python SDK, say).
//!
//! ```sh
//! cargo run --release --example proxy -- --listen 127.0.0.1:8080 --upstream http://127.0.0.1:8000
//! ```
//!
//! hyper 1 and hyper-util: an HTTP/1.1 and HTTP/2 server, a pooled HTTP/1.1
//! client, bodies streamed both ways; only the layer buffers, and only
//! discovery documents.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, Scheme};
use http::{Request, Response, StatusCode, Uri, Version};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use oauth_metadata_repair::{RepairMetadataLayer, DEFAULT_MAX_BODY_BYTES};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::{service_fn, Layer};

const HELP: &str = "\
Reverse proxy that adds \"none\" to token_endpoint_auth_methods_supported in the
OAuth / OpenID discovery documents of the server behind it; everything else is
forwarded untouched and streamed.

USAGE:
    proxy --listen ADDR --upstream URL [--max-body-bytes N]

OPTIONS:
    --listen ADDR         address to listen on, e.g. 127.0.0.1:8080
    --upstream URL        server to forward to, http://host:port (no path)
    --max-body-bytes N    largest discovery document buffered for repair;
                          larger ones pass through unchanged (default 65536)
    -h, --help            print this help
";

/// How long in-flight requests may take to finish after Ctrl-C / SIGTERM.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send its request head (slowloris guard).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Parsed command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--listen`.
    pub listen: SocketAddr,
    /// `--upstream`.
    pub upstream: Upstream,
    /// `--max-body-bytes`.
    pub max_body_bytes: usize,
}

/// Where requests go.
#[derive(Debug, Clone)]
pub struct Upstream {
    scheme: Scheme,
    authority: Authority,
}

impl Upstream {
    /// `http://host:port`, nothing else.
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("--upstream {url:?}: {e}"))?;
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(format!("--upstream {url:?}: expected http://host:port"));
        };
        if *scheme != Scheme::HTTP {
            return Err(format!(
                "--upstream {url:?}: only http:// upstreams are supported"
            ));
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(format!("--upstream {url:?}: no path or query, please"));
        }
        Ok(Self {
            scheme: scheme.clone(),
            authority: authority.clone(),
        })
    }
}

impl Config {
    /// Parses the flags; `Ok(None)` means `--help`.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Option<Self>, String> {
        let (mut listen, mut upstream, mut max) = (None, None, DEFAULT_MAX_BODY_BYTES);
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "-h" | "--help" => return Ok(None),
                "--listen" => {
                    let v = value("--listen")?;
                    listen = Some(v.parse().map_err(|e| format!("--listen {v:?}: {e}"))?);
                }
                "--upstream" => upstream = Some(Upstream::parse(&value("--upstream")?)?),
                "--max-body-bytes" => {
                    let v = value("--max-body-bytes")?;
                    max = v
                        .parse()
                        .map_err(|e| format!("--max-body-bytes {v:?}: {e}"))?;
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(Some(Self {
            listen: listen.ok_or("--listen is required")?,
            upstream: upstream.ok_or("--upstream is required")?,
            max_body_bytes: max,
        }))
    }
}

type ProxyBody = Either<Incoming, Full<Bytes>>;

struct Forwarder {
    client: Client<HttpConnector, Incoming>,
    upstream: Upstream,
}

/// Hop-by-hop fields (RFC 9110 §7.6.1), plus the proxy's own credentials.
/// `Trailer` is end to end and stays: hyper sends only the trailer fields it
/// announces.
const HOP_BY_HOP: [HeaderName; 7] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRANSFER_ENCODING,
];

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Fields named in Connection are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for name in named.iter().chain(&HOP_BY_HOP) {
        headers.remove(name);
    }
    headers.remove(header::UPGRADE);
}

fn bad_gateway(why: &'static str) -> Response<ProxyBody> {
    let mut res = Response::new(Either::Right(Full::new(Bytes::from_static(why.as_bytes()))));
    *res.status_mut() = StatusCode::BAD_GATEWAY;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

impl Forwarder {
    async fn forward(&self, mut req: Request<Incoming>, peer: SocketAddr) -> Response<ProxyBody> {
        let path = req
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| http::uri::PathAndQuery::from_static("/"));
        let uri = Uri::builder()
            .scheme(self.upstream.scheme.clone())
            .authority(self.upstream.authority.clone())
            .path_and_query(path)
            .build();
        let Ok(uri) = uri else {
            return bad_gateway("bad gateway: cannot build the upstream address\n");
        };
        // What the client asked for, before Host is rewritten: HTTP/2 puts
        // it in the URI, HTTP/1.1 in Host.
        let original_host = req
            .uri()
            .authority()
            .map(|a| a.as_str().to_owned())
            .or_else(|| {
                req.headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_owned)
            });
        *req.uri_mut() = uri;
        *req.version_mut() = Version::HTTP_11;
        let headers = req.headers_mut();
        strip_hop_by_hop(headers);
        if let Ok(host) = HeaderValue::from_str(self.upstream.authority.as_str()) {
            headers.insert(header::HOST, host);
        }
        add_forwarded(headers, peer, original_host.as_deref());

        match self.client.request(req).await {
            Ok(res) => {
                let mut res = res.map(Either::Left);
                strip_hop_by_hop(res.headers_mut());
                res
            }
            Err(_) => bad_gateway("bad gateway: the upstream did not answer\n"),
        }
    }
}

/// X-Forwarded-For / -Proto / -Host, so the upstream can build its issuer
/// URL from what the client used.
fn add_forwarded(headers: &mut HeaderMap, peer: SocketAddr, original_host: Option<&str>) {
    let xff = HeaderName::from_static("x-forwarded-for");
    let chain = match headers.get(&xff).and_then(|v| v.to_str().ok()) {
        Some(prior) => format!("{prior}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    if let Ok(v) = HeaderValue::from_str(&chain) {
        headers.insert(xff, v);
    }
    let proto = HeaderName::from_static("x-forwarded-proto");
    if !headers.contains_key(&proto) {
        headers.insert(proto, HeaderValue::from_static("http"));
    }
    let fwd_host = HeaderName::from_static("x-forwarded-host");
    if let Some(v) = original_host.and_then(|h| HeaderValue::from_str(h).ok()) {
        if !headers.contains_key(&fwd_host) {
            headers.insert(fwd_host, v);
        }
    }
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish
/// (at most [`DRAIN_TIMEOUT`]).
pub async fn serve(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()>) {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
    connector.set_nodelay(true);
    let forwarder = Arc::new(Forwarder {
        client: Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector),
        upstream: config.upstream.clone(),
    });
    let layer = RepairMetadataLayer::new().max_body_bytes(config.max_body_bytes);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: back off, keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let forwarder = Arc::clone(&forwarder);
        let svc = layer.layer(service_fn(move |req: Request<Incoming>| {
            let forwarder = Arc::clone(&forwarder);
            async move { Ok::<_, Infallible>(forwarder.forward(req, peer).await) }
        }));
        let conn = builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc))
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A failed connection (client gone, upstream failed mid-body) ends
            // that connection only.
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[allow(dead_code)] // also compiled into the tests as a module
#[tokio::main]
async fn main() {
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            print!("{HELP}");
            return;
        }
        Err(e) => {
            eprintln!("proxy: {e}\n\n{HELP}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("proxy: cannot listen on {}: {e}", config.listen);
            std::process::exit(1);
        }
    };
    let local = listener.local_addr().unwrap_or(config.listen);
    println!(
        "proxy listening on http://{local}, forwarding to {}://{} (discovery documents up to {} bytes repaired)",
        config.upstream.scheme, config.upstream.authority, config.max_body_bytes
    );
    serve(listener, config, shutdown_signal()).await;
}
