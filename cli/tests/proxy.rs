//! The reverse proxy's own behaviour, on loopback: forwarding,
//! streaming both ways, 502s, surviving upstream failures, graceful stop.

mod support;

use axum::body::Body;
use bytes::Bytes;
use http::{header, Request, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use support::harness::fetch;
use support::proxy_upstream::{start_proxy, start_upstream, text, upstream_app};
use support::{harness, MCP_SDK_FIXED};
use tokio::sync::Notify;

/// Guards against a hang; never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(30);

#[tokio::test]
async fn repairs_discovery_and_forwards_everything_else() {
    let up = start_upstream(upstream_app(Arc::new(Notify::new()))).await;
    let (proxy, _stop, _) = start_proxy(up).await;
    let c = harness::client();

    let res = fetch(
        &c,
        format!("http://{proxy}/.well-known/oauth-authorization-server"),
    )
    .await;
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
    let res = fetch(&harness::client(), format!("http://{proxy}/anything")).await;
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
        let res = fetch(
            &c,
            format!("http://{proxy}/.well-known/oauth-authorization-server"),
        )
        .await;
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
