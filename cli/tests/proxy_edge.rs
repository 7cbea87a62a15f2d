//! The proxy facing clients alone: TLS termination (HTTP/1.1 and HTTP/2),
//! `https://` upstreams, and the bounds that keep faults from holding
//! connections forever (upstream timeout, idle clients, a connection cap).

mod support;

use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use http::{header, Request, StatusCode, Version};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use support::{harness, MCP_SDK_DOC, MCP_SDK_FIXED};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Guards against a hang; never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(30);
const DISCOVERY: &str = "/.well-known/oauth-authorization-server";

fn upstream_app() -> Router {
    Router::new()
        .route(
            DISCOVERY,
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], MCP_SDK_DOC) }),
        )
        .route("/hello", get(|| async { "hello" }))
}

/// A self-signed certificate for localhost / 127.0.0.1, written as PEM files
/// into a fresh directory under the target directory.
struct TestCert {
    dir: PathBuf,
    der: CertificateDer<'static>,
}

impl TestCert {
    fn new(name: &str) -> Self {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("tls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), cert.key_pair.serialize_pem()).unwrap();
        Self {
            der: cert.cert.der().clone(),
            dir,
        }
    }

    fn path(&self, file: &str) -> String {
        self.dir.join(file).to_string_lossy().into_owned()
    }

    fn client_config(&self, alpn: &[&[u8]]) -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        config
    }
}

/// GET `path` over TLS with the given ALPN; returns the version used, the
/// status and the body.
async fn tls_get(
    cert: &TestCert,
    addr: std::net::SocketAddr,
    alpn: &[u8],
    path: &str,
) -> (Version, StatusCode, Bytes) {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cert.client_config(&[alpn])));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
    let io = TokioIo::new(tls);
    let uri = format!("https://localhost:{}{path}", addr.port());
    let res = if h2 {
        let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .unwrap();
        tokio::spawn(conn);
        send.send_request(Request::get(uri).body(Empty::<Bytes>::new()).unwrap())
            .await
            .unwrap()
    } else {
        let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        let req = Request::get(path).header(header::HOST, format!("localhost:{}", addr.port()));
        send.send_request(req.body(Empty::<Bytes>::new()).unwrap())
            .await
            .unwrap()
    };
    let (version, status) = (res.version(), res.status());
    (
        version,
        status,
        res.into_body().collect().await.unwrap().to_bytes(),
    )
}

/// The proxy serving HTTPS with a fresh certificate, in front of the app.
async fn tls_proxy(name: &str) -> (TestCert, harness::RunningProxy) {
    let up = harness::serve_app(upstream_app()).await;
    let cert = TestCert::new(name);
    let (c, k) = (cert.path("cert.pem"), cert.path("key.pem"));
    let flags = ["--tls-cert", &c, "--tls-key", &k];
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &flags).await;
    (cert, proxy)
}

#[tokio::test]
async fn terminates_tls_for_http1_and_http2_clients() {
    let (cert, proxy) = tls_proxy("server").await;
    for (alpn, version) in [
        (&b"http/1.1"[..], Version::HTTP_11),
        (b"h2", Version::HTTP_2),
    ] {
        let run = tls_get(&cert, proxy.addr, alpn, DISCOVERY);
        let (v, status, body) = tokio::time::timeout(HANG_GUARD, run).await.unwrap();
        assert_eq!((v, status), (version, StatusCode::OK));
        assert_eq!(body, MCP_SDK_FIXED.as_bytes());
        let (_, _, body) = tls_get(&cert, proxy.addr, alpn, "/hello").await;
        assert_eq!(body, "hello");
    }
    // A plain-text client gets no HTTP answer from a TLS port.
    let mut raw = TcpStream::connect(proxy.addr).await.unwrap();
    raw.write_all(b"GET /hello HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(HANG_GUARD, raw.read_to_end(&mut buf))
        .await
        .unwrap();
    assert!(
        !buf.starts_with(b"HTTP/"),
        "{}",
        String::from_utf8_lossy(&buf)
    );
}

#[tokio::test]
async fn forwards_to_an_https_upstream_it_was_told_to_trust() {
    // The upstream: a TLS-terminating proxy in front of the plain app.
    let (cert, tls_up) = tls_proxy("upstream").await;
    let c = cert.path("cert.pem");
    let url = format!("https://localhost:{}", tls_up.addr.port());

    let trusting = harness::start_proxy_with(&url, &["--upstream-ca", &c]).await;
    let res = harness::client()
        .request(
            Request::get(format!("http://{}{DISCOVERY}", trusting.addr))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.into_body().collect().await.unwrap().to_bytes(),
        MCP_SDK_FIXED.as_bytes()
    );

    // Without the CA the certificate is refused: 502, never a plain retry.
    let strict = harness::start_proxy_with(&url, &[]).await;
    let res = harness::client()
        .request(
            Request::get(format!("http://{}/hello", strict.addr))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn an_upstream_that_never_answers_gets_the_client_a_504() {
    // Accepts, reads the request, never answers, keeps the socket open.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut sock, _)) = silent.accept().await {
            let mut buf = [0u8; 1024];
            let _ = sock.read(&mut buf).await;
            held.push(sock);
        }
    });
    let proxy =
        harness::start_proxy_with(&format!("http://{up}"), &["--upstream-timeout", "1"]).await;
    let run = harness::client().request(
        Request::get(format!("http://{}/hello", proxy.addr))
            .body(axum::body::Body::empty())
            .unwrap(),
    );
    let res = tokio::time::timeout(HANG_GUARD, run)
        .await
        .expect("no hang")
        .unwrap();
    assert_eq!(res.status(), StatusCode::GATEWAY_TIMEOUT);
}

/// Reads one HTTP/1.1 response with a Content-Length body from `sock`.
async fn read_response(sock: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = sock.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before a response");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return text;
            }
        }
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let up = harness::serve_app(upstream_app()).await;
    let proxy =
        harness::start_proxy_with(&format!("http://{up}"), &["--client-timeout", "1"]).await;
    let mut sock = TcpStream::connect(proxy.addr).await.unwrap();
    sock.write_all(b"GET /hello HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let first = tokio::time::timeout(HANG_GUARD, read_response(&mut sock))
        .await
        .unwrap();
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    // Then silence: the proxy closes the connection (read returns 0).
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(HANG_GUARD, sock.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the idle connection was never closed");
}

async fn ask(sock: &mut TcpStream) -> Result<String, tokio::time::error::Elapsed> {
    let fut = async move {
        sock.write_all(b"GET /hello HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        read_response(sock).await
    };
    tokio::time::timeout(HANG_GUARD, fut).await
}

#[tokio::test]
async fn connections_over_the_cap_wait_while_all_are_busy_and_are_served_when_one_is_idle() {
    // A route that answers when the test says so.
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let arrived = Arc::new(tokio::sync::Semaphore::new(0));
    let (open, came) = (Arc::clone(&gate), Arc::clone(&arrived));
    let app = upstream_app().route(
        "/slow",
        get(move || {
            let (open, came) = (Arc::clone(&open), Arc::clone(&came));
            async move {
                came.add_permits(1);
                open.acquire().await.unwrap().forget();
                "slow"
            }
        }),
    );
    let up = harness::serve_app(app).await;
    let proxy =
        harness::start_proxy_with(&format!("http://{up}"), &["--max-connections", "2"]).await;
    let mut a = TcpStream::connect(proxy.addr).await.unwrap();
    let mut b = TcpStream::connect(proxy.addr).await.unwrap();
    assert!(ask(&mut a).await.unwrap().starts_with("HTTP/1.1 200"));
    assert!(ask(&mut b).await.unwrap().starts_with("HTTP/1.1 200"));
    // Both busy: a request in flight on each.
    for sock in [&mut a, &mut b] {
        sock.write_all(b"GET /slow HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
    }
    let both = tokio::time::timeout(HANG_GUARD, arrived.acquire_many(2));
    both.await.unwrap().unwrap().forget();
    // A third connection is accepted by the kernel but not served while the
    // two are busy: its request waits...
    let mut c = TcpStream::connect(proxy.addr).await.unwrap();
    c.write_all(b"GET /hello HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut probe = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(300), c.peek(&mut probe)).await;
    assert!(early.is_err(), "served over the cap");
    // ...and is answered once one of the two is idle again (that one is
    // closed for it); the other still works.
    gate.add_permits(1);
    let slow = tokio::time::timeout(HANG_GUARD, async {
        tokio::select! {
            r = read_response(&mut a) => r,
            r = read_response(&mut b) => r,
        }
    })
    .await
    .unwrap();
    assert!(slow.ends_with("slow"), "{slow}");
    let third = tokio::time::timeout(HANG_GUARD, read_response(&mut c))
        .await
        .unwrap();
    assert!(third.starts_with("HTTP/1.1 200"), "{third}");
    gate.add_permits(1);
}

#[tokio::test]
async fn pooled_clients_reuse_upstream_connections() {
    // Many requests over one client connection open one upstream connection.
    let counted = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = counted.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((sock, _)) = counted.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let svc = hyper::service::service_fn(|_req| async {
                Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(
                    Bytes::from_static(b"ok"),
                )))
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(sock), svc),
            );
        }
    });
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &[]).await;
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(1)
        .build_http();
    for _ in 0..20 {
        let res = client
            .request(
                Request::get(format!("http://{}/x", proxy.addr))
                    .body(Empty::new())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "ok");
    }
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    // Client connections one after another (the pooled client above still
    // holds its own, idle): the worker's connection serves them all.
    for _ in 0..10 {
        let mut sock = TcpStream::connect(proxy.addr).await.unwrap();
        sock.write_all(b"GET /x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut all = Vec::new();
        tokio::time::timeout(HANG_GUARD, sock.read_to_end(&mut all))
            .await
            .unwrap()
            .unwrap();
        assert!(all.ends_with(b"ok"), "{}", String::from_utf8_lossy(&all));
    }
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_upstream_that_closes_after_each_response_is_reconnected() {
    // Every upstream response ends its connection: the kept connection is
    // found closed and a new one is made, and no request fails.
    let closing = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = closing.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = closing.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &[]).await;
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    for _ in 0..20 {
        let run = client.request(
            Request::get(format!("http://{}/x", proxy.addr))
                .body(Empty::new())
                .unwrap(),
        );
        let res = tokio::time::timeout(HANG_GUARD, run)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "ok");
    }
}
