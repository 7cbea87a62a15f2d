//! The `oauth-metadata-repair` binary's modules, started in process on loopback.
#![allow(dead_code, unreachable_pub)]

pub use oauth_metadata_repair_cli::proxy::{args as cli, server};

use clap::Parser;
use std::sync::Arc;

use axum::body::Body;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A listener on a free loopback port.
pub async fn bind() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

/// Serves `app` on loopback.
pub async fn serve_app(app: axum::Router) -> SocketAddr {
    let (l, a) = bind().await;
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    a
}

/// A running proxy: its address, the switch that stops it (dropping it
/// leaves the proxy running), its task.
pub struct RunningProxy {
    pub addr: SocketAddr,
    pub stop: oneshot::Sender<()>,
    pub task: JoinHandle<()>,
}

/// Parses a command line the way the binary does (`OMR_*` variables too).
pub fn args(args: &[&str]) -> Result<cli::Args, clap::Error> {
    cli::Args::try_parse_from(std::iter::once("oauth-metadata-repair").chain(args.iter().copied()))
}

/// Starts the proxy in front of `upstream`, with `--max-body-bytes max`.
pub async fn start_proxy(upstream: SocketAddr, max: usize) -> RunningProxy {
    start_proxy_with(
        &format!("http://{upstream}"),
        &["--max-body-bytes", &max.to_string()],
    )
    .await
}

/// Starts the proxy in front of `upstream` with more flags.
pub async fn start_proxy_with(upstream: &str, flags: &[&str]) -> RunningProxy {
    let (l, addr) = bind().await;
    let listen = addr.to_string();
    let mut all = vec!["--listen", &listen, "--upstream", upstream];
    all.extend_from_slice(flags);
    let proxy = Arc::new(server::Proxy::new(args(&all).unwrap()).unwrap());
    let (stop, rx) = oneshot::channel::<()>();
    // Stops when told to; dropping the sender means "run until the test ends".
    let task = tokio::spawn(server::serve(l, proxy, async move {
        if rx.await.is_err() {
            std::future::pending::<()>().await;
        }
    }));
    RunningProxy { addr, stop, task }
}

/// A plain pooled HTTP/1.1 client.
pub fn client() -> Client<HttpConnector, Body> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// A GET of `url` with `c`, which must get a response head.
pub async fn fetch(
    c: &Client<HttpConnector, Body>,
    url: String,
) -> http::Response<hyper::body::Incoming> {
    c.request(http::Request::get(url).body(Body::empty()).unwrap())
        .await
        .unwrap()
}

/// Guards against a hang in the edge tests; never a timing assertion.
pub const EDGE_GUARD: std::time::Duration = std::time::Duration::from_secs(60);

/// Resident set size of this process, in bytes.
pub fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Raises this process's soft open-file limit to the hard one; true when
/// it allows at least `need` descriptors.
pub fn open_files_at_least(need: u64) -> bool {
    let raised = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(0);
    if raised < need {
        eprintln!("skipped: needs {need} open files, the hard limit allows {raised}");
        return false;
    }
    true
}

/// Sends `request` as written on a fresh connection and reads until the
/// proxy closes it (send `Connection: close`); the raw response.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    sock.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let read = tokio::time::timeout(EDGE_GUARD, sock.read_to_end(&mut out));
    let _ = read.await.expect("no hang");
    String::from_utf8_lossy(&out).into_owned()
}

/// An HTTP/1.1 upstream that answers every request `ok` (after `delay`),
/// counting the connections it accepted and those still open, and keeping
/// each request's head.
pub struct CountingUpstream {
    pub addr: SocketAddr,
    pub accepted: Arc<std::sync::atomic::AtomicUsize>,
    pub open: Arc<std::sync::atomic::AtomicUsize>,
    pub heads: Arc<std::sync::Mutex<Vec<http::HeaderMap>>>,
}

pub async fn counting_upstream(delay: std::time::Duration) -> CountingUpstream {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (l, addr) = bind().await;
    let accepted = Arc::new(AtomicUsize::new(0));
    let open = Arc::new(AtomicUsize::new(0));
    let heads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (a, o, h) = (Arc::clone(&accepted), Arc::clone(&open), Arc::clone(&heads));
    tokio::spawn(async move {
        while let Ok((sock, _)) = l.accept().await {
            a.fetch_add(1, Ordering::SeqCst);
            o.fetch_add(1, Ordering::SeqCst);
            let (o, h) = (Arc::clone(&o), Arc::clone(&h));
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        h.lock().unwrap().push(req.headers().clone());
                        async move {
                            tokio::time::sleep(delay).await;
                            Ok::<_, std::convert::Infallible>(http::Response::new(
                                http_body_util::Full::new(bytes::Bytes::from_static(b"ok")),
                            ))
                        }
                    });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(sock), svc);
                let _ = conn.await;
                o.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    CountingUpstream {
        addr,
        accepted,
        open,
        heads,
    }
}
