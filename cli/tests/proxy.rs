//! The reverse proxy's own behaviour, on loopback: forwarding,
//! streaming both ways, 502s, surviving upstream failures, graceful stop.

mod support;

use axum::body::Body;
use axum::extract::Request as AxumRequest;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use bytes::Bytes;
use http::{header, Request, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use support::{harness, MCP_SDK_DOC, MCP_SDK_FIXED};
use tokio::sync::{oneshot, Notify};

/// Guards against a hang; never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// The upstream: discovery, an echo that reports what it saw, a counting
/// upload sink, an SSE stream gated by a Notify, and a response that dies
/// half way.
fn upstream_app(release: Arc<Notify>) -> Router {
    let gate = Arc::clone(&release);
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], MCP_SDK_DOC) }),
        )
        .route(
            "/echo",
            any(|req: AxumRequest| async move {
                let mut seen = format!("{} {}\n", req.method(), req.uri());
                let mut names: Vec<_> = req.headers().iter().collect();
                names.sort_by_key(|(n, _)| n.as_str().to_owned());
                for (n, v) in names {
                    seen.push_str(&format!("{}: {}\n", n, v.to_str().unwrap_or("?")));
                }
                seen
            }),
        )
        .route(
            "/upload",
            any(|req: AxumRequest| async move {
                let mut body = req.into_body();
                let (mut n, mut sum) = (0u64, 0u64);
                while let Some(frame) = body.frame().await {
                    if let Ok(d) = frame.unwrap().into_data() {
                        n += d.len() as u64;
                        sum = d
                            .iter()
                            .fold(sum, |s, &b| s.wrapping_mul(31).wrapping_add(u64::from(b)));
                    }
                }
                format!("{n} {sum}")
            }),
        )
        .route(
            "/events",
            get(move || {
                let release = Arc::clone(&release);
                async move {
                    let stream = futures_util::stream::unfold(0u8, move |n| {
                        let release = Arc::clone(&release);
                        async move {
                            match n {
                                0 => Some((
                                    Ok::<_, Infallible>(Frame::data(Bytes::from("data: one\n\n"))),
                                    1,
                                )),
                                1 => {
                                    release.notified().await;
                                    Some((Ok(Frame::data(Bytes::from("data: two\n\n"))), 2))
                                }
                                _ => None,
                            }
                        }
                    });
                    (
                        [(header::CONTENT_TYPE, "text/event-stream")],
                        Body::new(StreamBody::new(stream)),
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/dies",
            get(move || {
                let gate = Arc::clone(&gate);
                async move {
                    // Part of the body, then (once the test has read it) a failure.
                    let stream = futures_util::stream::unfold(0u8, move |n| {
                        let gate = Arc::clone(&gate);
                        async move {
                            match n {
                                0 => Some((Ok(Frame::data(Bytes::from("partial"))), 1)),
                                1 => {
                                    gate.notified().await;
                                    Some((Err(std::io::Error::other("upstream died")), 2))
                                }
                                _ => None,
                            }
                        }
                    });
                    (
                        [(header::CONTENT_LENGTH, "1000")],
                        Body::new(StreamBody::new(stream)),
                    )
                        .into_response()
                }
            }),
        )
}

async fn start_upstream(app: Router) -> SocketAddr {
    harness::serve_app(app).await
}

/// Starts the proxy in front of `upstream`; the sender stops it.
async fn start_proxy(
    upstream: SocketAddr,
) -> (SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let p = harness::start_proxy(upstream, oauth_metadata_repair::DEFAULT_MAX_BODY_BYTES).await;
    (p.addr, p.stop, p.task)
}

async fn fetch(
    c: &Client<hyper_util::client::legacy::connect::HttpConnector, Body>,
    url: String,
) -> http::Response<hyper::body::Incoming> {
    c.request(Request::get(url).body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn text(res: http::Response<hyper::body::Incoming>) -> String {
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

#[tokio::test]
async fn repairs_discovery_and_forwards_everything_else() {
    let up = start_upstream(upstream_app(Arc::new(Notify::new()))).await;
    let (proxy, _stop, _) = start_proxy(up).await;
    let c = harness::client();

    let res = c
        .request(
            Request::get(format!(
                "http://{proxy}/.well-known/oauth-authorization-server"
            ))
            .body(Body::empty())
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(text(res).await, MCP_SDK_FIXED);

    let res = c
        .request(
            Request::post(format!("http://{proxy}/echo?a=1&b=two"))
                .header("x-custom", "kept")
                .header(header::CONNECTION, "keep-alive, x-hop")
                .header("x-hop", "dropped")
                .header("x-forwarded-for", "203.0.113.9")
                .header(header::AUTHORIZATION, "Bearer t")
                .body(Body::from("payload"))
                .unwrap(),
        )
        .await
        .unwrap();
    let seen = text(res).await;
    assert!(seen.starts_with("POST /echo?a=1&b=two\n"), "{seen}");
    assert!(
        seen.contains(&format!("host: {up}\n")),
        "Host is the upstream's: {seen}"
    );
    assert!(
        seen.contains(&format!("x-forwarded-host: {proxy}\n")),
        "{seen}"
    );
    // The client's own X-Forwarded-For is not trusted by default.
    assert!(seen.contains("x-forwarded-for: 127.0.0.1\n"), "{seen}");
    assert!(seen.contains("x-forwarded-proto: http\n"), "{seen}");
    assert!(seen.contains("x-custom: kept\n"), "{seen}");
    assert!(seen.contains("authorization: Bearer t\n"), "{seen}");
    assert!(
        !seen.contains("x-hop"),
        "fields named in Connection are hop-by-hop: {seen}"
    );
}

#[tokio::test]
async fn streams_a_large_upload_and_an_sse_response() {
    let release = Arc::new(Notify::new());
    let up = start_upstream(upstream_app(Arc::clone(&release))).await;
    let (proxy, _stop, _) = start_proxy(up).await;
    let c = harness::client();

    // 32 MiB generated chunk by chunk: never held in memory at once.
    const CHUNK: usize = 64 * 1024;
    const CHUNKS: usize = 512;
    let stream = futures_util::stream::iter(
        (0..CHUNKS)
            .map(|i| Ok::<_, Infallible>(Frame::data(Bytes::from(vec![(i % 251) as u8; CHUNK])))),
    );
    let mut want = 0u64;
    for i in 0..CHUNKS {
        for _ in 0..CHUNK {
            want = want.wrapping_mul(31).wrapping_add((i % 251) as u64);
        }
    }
    let res = c
        .request(
            Request::post(format!("http://{proxy}/upload"))
                .body(Body::new(StreamBody::new(stream)))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(text(res).await, format!("{} {want}", CHUNK * CHUNKS));

    let res = fetch(&c, format!("http://{proxy}/events")).await;
    let mut body = res.into_body();
    let first = tokio::time::timeout(HANG_GUARD, body.frame())
        .await
        .expect("the first event passes before the upstream sends the second")
        .unwrap()
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(&first[..], b"data: one\n\n");
    release.notify_one();
    let rest = tokio::time::timeout(HANG_GUARD, body.collect())
        .await
        .unwrap()
        .unwrap()
        .to_bytes();
    assert_eq!(&rest[..], b"data: two\n\n");
}

#[tokio::test]
async fn answers_502_when_the_upstream_is_down() {
    // A port that was just free: nothing listens there.
    let (l, dead) = harness::bind().await;
    drop(l);
    let (proxy, _stop, _) = start_proxy(dead).await;
    let res = harness::client()
        .request(
            Request::get(format!("http://{proxy}/anything"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    assert!(text(res).await.contains("bad gateway"));
}

#[tokio::test]
async fn keeps_serving_after_an_upstream_dies_mid_response() {
    let release = Arc::new(Notify::new());
    let up = start_upstream(upstream_app(Arc::clone(&release))).await;
    let (proxy, _stop, _) = start_proxy(up).await;
    let c = harness::client();
    let res = fetch(&c, format!("http://{proxy}/dies")).await;
    assert_eq!(res.status(), StatusCode::OK, "the head was already sent");
    let mut body = res.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(&first[..], b"partial");
    release.notify_one();
    let body = tokio::time::timeout(HANG_GUARD, body.collect())
        .await
        .unwrap();
    assert!(
        body.is_err(),
        "the client sees an aborted body, not a short complete one"
    );
    for _ in 0..3 {
        let res = c
            .request(
                Request::get(format!(
                    "http://{proxy}/.well-known/oauth-authorization-server"
                ))
                .body(Body::empty())
                .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(text(res).await, MCP_SDK_FIXED);
    }
}

#[tokio::test]
async fn lets_in_flight_requests_finish_on_shutdown() {
    let release = Arc::new(Notify::new());
    let up = start_upstream(upstream_app(Arc::clone(&release))).await;
    let (proxy, stop, task) = start_proxy(up).await;
    let c = harness::client();
    let res = fetch(&c, format!("http://{proxy}/events")).await;
    let mut body = res.into_body();
    let _first = body.frame().await.unwrap().unwrap();
    stop.send(()).unwrap();
    // The stream in flight still completes after the stop.
    tokio::task::yield_now().await;
    release.notify_one();
    let rest = tokio::time::timeout(HANG_GUARD, body.collect())
        .await
        .unwrap()
        .unwrap()
        .to_bytes();
    assert_eq!(&rest[..], b"data: two\n\n");
    tokio::time::timeout(HANG_GUARD, task)
        .await
        .expect("the proxy stops")
        .unwrap();
    // And new connections are refused.
    let refused = Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>()
        .request(
            Request::get(format!("http://{proxy}/echo"))
                .body(Full::default())
                .unwrap(),
        )
        .await;
    assert!(refused.is_err());
}

#[test]
fn the_command_line_is_checked() {
    let parse = harness::args;
    let startup = |a: &[&str]| {
        parse(a)
            .map_err(|e| e.to_string())
            .and_then(harness::server::Proxy::new)
    };
    let ok = parse(&[
        "--listen",
        "127.0.0.1:8080",
        "--upstream",
        "http://127.0.0.1:8000",
        "--max-body-bytes",
        "1024",
    ])
    .unwrap();
    assert_eq!(ok.max_body_bytes, 1024);
    assert!(startup(&[
        "--listen",
        "127.0.0.1:8080",
        "--upstream",
        "https://127.0.0.1:8443"
    ])
    .is_ok());
    let bad: &[&[&str]] = &[
        &["--listen", "127.0.0.1:8080"],
        &["--listen", "nope", "--upstream", "http://127.0.0.1:8000"],
        &["--listen", "127.0.0.1:1", "--upstream", "ftp://x"],
        &["--listen", "127.0.0.1:1", "--upstream", "http://x/path"],
        &[
            "--listen",
            "127.0.0.1:1",
            "--upstream",
            "http://x",
            "--max-body-bytes",
            "-1",
        ],
        &[
            "--listen",
            "127.0.0.1:1",
            "--upstream",
            "http://x",
            "--rule",
            "bogus",
        ],
        &[
            "--listen",
            "127.0.0.1:1",
            "--upstream",
            "http://x",
            "--tls-cert",
            "c.pem",
        ],
        &[
            "--listen",
            "127.0.0.1:1",
            "--upstream",
            "http://x",
            "--path",
            "no-slash",
        ],
        &[
            "--listen",
            "127.0.0.1:1",
            "--upstream",
            "http://x",
            "--tls-cert",
            "/nonexistent/c.pem",
            "--tls-key",
            "/nonexistent/k.pem",
        ],
        &["--bogus"],
    ];
    for args in bad {
        assert!(startup(args).is_err(), "{args:?}");
    }
}

/// What a client claims about itself in forwarding headers reaches the
/// upstream only when the operator said to trust it.
#[tokio::test]
async fn forwarding_headers_from_clients_are_replaced_unless_trusted() {
    let up = harness::serve_app(upstream_app(Arc::new(Notify::new()))).await;
    let claims = [
        ("x-forwarded-for", "203.0.113.9"),
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "https"),
        ("forwarded", "for=203.0.113.9;host=evil.example;proto=https"),
    ];
    let send = |proxy: SocketAddr| async move {
        let mut req = Request::get(format!("http://{proxy}/echo"));
        for (n, v) in claims {
            req = req.header(n, v);
        }
        let res = harness::client()
            .request(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        text(res).await
    };

    let plain = harness::start_proxy_with(&format!("http://{up}"), &[]).await;
    let seen = send(plain.addr).await;
    assert!(!seen.contains("evil.example"), "{seen}");
    assert!(!seen.contains("203.0.113.9"), "{seen}");
    assert!(!seen.contains("forwarded: "), "{seen}");
    assert!(seen.contains("x-forwarded-for: 127.0.0.1\n"), "{seen}");
    assert!(
        seen.contains(&format!("x-forwarded-host: {}\n", plain.addr)),
        "{seen}"
    );
    assert!(seen.contains("x-forwarded-proto: http\n"), "{seen}");

    let trusting = harness::start_proxy_with(&format!("http://{up}"), &["--trust-forwarded"]).await;
    let seen = send(trusting.addr).await;
    assert!(
        seen.contains("x-forwarded-for: 203.0.113.9, 127.0.0.1\n"),
        "{seen}"
    );
    assert!(seen.contains("x-forwarded-host: evil.example\n"), "{seen}");
    assert!(seen.contains("x-forwarded-proto: https\n"), "{seen}");
    assert!(
        seen.contains("forwarded: for=203.0.113.9;host=evil.example;proto=https\n"),
        "{seen}"
    );
}

/// The library's settings reach the layer through the flags: extra rules,
/// placement, extra discovery paths and the no-transform switch.
#[tokio::test]
async fn the_repair_flags_take_effect() {
    use oauth_metadata_repair::repair::{Placement, Repairer, Rule};
    let app = Router::new()
        .route(
            "/meta/as.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], MCP_SDK_DOC) }),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "application/json"),
                        (header::CACHE_CONTROL, "no-transform"),
                    ],
                    MCP_SDK_DOC,
                )
            }),
        );
    let up = harness::serve_app(app).await;
    let flags = [
        "--rule",
        "revocation",
        "--prepend",
        "--path",
        "/meta/as.json",
        "--repair-no-transform",
    ];
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &flags).await;
    let want = Repairer::new()
        .rule(Rule::revocation_endpoint_none())
        .placement(Placement::Prepend)
        .repair(MCP_SDK_DOC.as_bytes())
        .unwrap();
    assert!(std::str::from_utf8(want.as_bytes())
        .unwrap()
        .contains(r#"["none","client_secret_post""#));
    for path in ["/meta/as.json", "/.well-known/oauth-authorization-server"] {
        let res = harness::client()
            .request(
                Request::get(format!("http://{}{path}", proxy.addr))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(text(res).await.as_bytes(), want.as_bytes(), "{path}");
    }
}
