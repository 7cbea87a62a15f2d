//! The proxy's RFC 9207 `iss` repair, on loopback: on by default, learned
//! from the upstream's own metadata before the first authorization response
//! a fresh proxy passes on; `--no-iss` turns it off, `--iss-issuer` sets it.

mod support;

use axum::routing::get;
use axum::Router;
use http::header;
use std::sync::{Arc, Mutex};
use support::harness::{self, fetch};
use support::proxy_upstream::text;

const DOC: &str = r#"{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize","token_endpoint_auth_methods_supported":["none"]}"#;
const CALLBACK: &str = "http://127.0.0.1:33418/cb?code=c1&state=s1";

/// An upstream with metadata and an `/authorize` that redirects with a
/// code; it records the `Host` and `X-Forwarded-Host` of each metadata GET.
async fn upstream() -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let app = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(move |h: http::HeaderMap| async move {
                let host = |n: &str| {
                    h.get(n)
                        .map_or("-", |v| v.to_str().unwrap_or("?"))
                        .to_owned()
                };
                log.lock()
                    .unwrap()
                    .push(format!("{} {}", host("host"), host("x-forwarded-host")));
                ([(header::CONTENT_TYPE, "application/json")], DOC)
            }),
        )
        .route(
            "/authorize",
            get(|| async { (http::StatusCode::FOUND, [(header::LOCATION, CALLBACK)]) }),
        );
    (harness::serve_app(app).await, seen)
}

async fn location(proxy: std::net::SocketAddr) -> String {
    let res = fetch(&harness::client(), format!("http://{proxy}/authorize")).await;
    assert_eq!(res.status(), http::StatusCode::FOUND);
    res.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

async fn metadata(proxy: std::net::SocketAddr) -> String {
    let url = format!("http://{proxy}/.well-known/oauth-authorization-server");
    text(fetch(&harness::client(), url).await).await
}

#[tokio::test]
async fn by_default_the_first_redirect_gets_the_upstream_issuer_and_the_metadata_advertises_it() {
    let (up, seen) = upstream().await;
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &[]).await;
    assert_eq!(
        location(proxy.addr).await,
        format!("{CALLBACK}&iss=http%3A%2F%2F127.0.0.1%3A8000%2F")
    );
    // The proxy's own GET: the upstream's Host, no client's host forwarded.
    assert_eq!(*seen.lock().unwrap(), [format!("{up} -")]);
    assert_eq!(
        metadata(proxy.addr).await,
        r#"{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize","token_endpoint_auth_methods_supported":["none"],"authorization_response_iss_parameter_supported":true}"#
    );
}

#[tokio::test]
async fn no_iss_leaves_redirects_and_metadata_alone() {
    let (up, seen) = upstream().await;
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &["--no-iss"]).await;
    assert_eq!(location(proxy.addr).await, CALLBACK);
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(metadata(proxy.addr).await, DOC);
}

#[tokio::test]
async fn a_configured_issuer_is_sent_as_it_is() {
    let (up, seen) = upstream().await;
    let flags = ["--iss-issuer", "https://id.example/t/"];
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &flags).await;
    assert_eq!(
        location(proxy.addr).await,
        format!("{CALLBACK}&iss=https%3A%2F%2Fid.example%2Ft%2F")
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn the_iss_flags_parse_and_conflict() {
    let base = ["--listen", "127.0.0.1:1", "--upstream", "http://x"];
    let with = |extra: &[&str]| harness::args(&[&base[..], extra].concat());
    assert!(!with(&[]).unwrap().repair.no_iss);
    assert!(with(&["--no-iss"]).unwrap().repair.no_iss);
    assert_eq!(
        with(&["--iss-issuer", "https://a/"])
            .unwrap()
            .repair
            .iss_issuer
            .as_deref(),
        Some("https://a/")
    );
    assert!(with(&["--no-iss", "--iss-issuer", "https://a/"]).is_err());
}
