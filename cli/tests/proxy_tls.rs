//! The proxy's TLS: termination towards HTTP/1.1 and HTTP/2 clients, and
//! `https://` upstreams whose certificate is checked.

mod support;

use bytes::Bytes;
use http::{header, Request, StatusCode, Version};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use support::edge_upstream::{upstream_app, DISCOVERY};
use support::{harness, MCP_SDK_FIXED};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Guards against a hang; never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(30);

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
