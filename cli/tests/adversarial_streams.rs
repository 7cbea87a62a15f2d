//! Large, slow and abandoned streams through a real hyper server with the
//! layer: 8 MiB discovery bodies, a document sent slowly, slowloris clients,
//! a client leaving mid-body, and 100 MiB each way with flat memory. Never a
//! panic, never a leaked upstream connection.

mod support;

use axum::body::Body;
use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::harness::{client, fetch, rss};
use support::raw_upstream::{
    assert_no_worker_panic, chunked, get, head_200, raw_upstream, script, start_proxy, Step,
    DISCOVERY, HANG_GUARD,
};
use support::{MCP_SDK_DOC, MCP_SDK_FIXED};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// FNV-1a, to compare megabytes without keeping two copies.
fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_mib_discovery_bodies_stream_through_unchanged() {
    // A valid 8 MiB JSON object, with and without Content-Length.
    let mut doc = b"{\"token_endpoint_auth_methods_supported\":[\"a\"],\"pad\":\"".to_vec();
    doc.resize(8 * 1024 * 1024 - 2, b'x');
    doc.extend_from_slice(b"\"}");
    let doc = Arc::new(doc);
    for with_length in [true, false] {
        let d = Arc::clone(&doc);
        let (up, _) = raw_upstream(script(move |_| {
            if with_length {
                vec![
                    Step::Send(head_200(&format!(
                        "Content-Type: application/json\r\nContent-Length: {}\r\n",
                        d.len()
                    ))),
                    Step::Send(d.to_vec()),
                ]
            } else {
                let pieces: Vec<&[u8]> = d.chunks(64 * 1024).collect();
                vec![
                    Step::Send(head_200(
                        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
                    )),
                    Step::Send(chunked(&pieces, "")),
                    Step::Send(b"0\r\n\r\n".to_vec()),
                ]
            }
        }))
        .await;
        let proxy = start_proxy(up, 65536).await;
        let (_, body) = get(proxy, DISCOVERY).await;
        let body = body.unwrap();
        assert_eq!(body.len(), doc.len(), "with_length {with_length}");
        assert_eq!(
            fnv(0xcbf2_9ce4_8422_2325, &body),
            fnv(0xcbf2_9ce4_8422_2325, &doc)
        );
    }
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowly_sent_document_is_still_repaired() {
    let (up, _) = raw_upstream(script(|_| {
        let mut steps = vec![Step::Send(head_200(
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
        ))];
        for piece in MCP_SDK_DOC.as_bytes().chunks(40) {
            steps.push(Step::Pause(Duration::from_millis(20)));
            steps.push(Step::Send(chunked(&[piece], "")));
        }
        steps.push(Step::Send(b"0\r\n\r\n".to_vec()));
        steps
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let (_, body) = get(proxy, DISCOVERY).await;
    assert_eq!(body.unwrap(), MCP_SDK_FIXED.as_bytes());
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_clients_do_not_block_others() {
    let (up, _) = raw_upstream(script(|_| {
        vec![
            Step::Send(head_200(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                MCP_SDK_DOC.len()
            ))),
            Step::Send(MCP_SDK_DOC.as_bytes().to_vec()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    // 50 connections that send half a request head and stall, and one that
    // sends a body one byte at a time.
    let mut stalled = Vec::new();
    for _ in 0..50 {
        let mut s = TcpStream::connect(proxy).await.unwrap();
        s.write_all(b"GET /.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        stalled.push(s);
    }
    let mut dribble = TcpStream::connect(proxy).await.unwrap();
    dribble
        .write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx")
        .await
        .unwrap();
    let (_, body) = get(proxy, DISCOVERY).await;
    assert_eq!(body.unwrap(), MCP_SDK_FIXED.as_bytes());
    drop(stalled);
    drop(dribble);
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_mid_body_releases_the_upstream() {
    let (gone_tx, gone_rx) = oneshot::channel();
    let gone_tx = Mutex::new(Some(gone_tx));
    let (up, _) = raw_upstream(script(move |_| {
        vec![
            Step::Send(head_200(
                "Content-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n",
            )),
            Step::Endless(b"data: tick\n\n".to_vec(), gone_tx.lock().unwrap().take()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let mut sock = TcpStream::connect(proxy).await.unwrap();
    sock.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 256];
    let n = tokio::time::timeout(HANG_GUARD, sock.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(n > 0);
    drop(sock);
    // The proxy drops its upstream request, so the upstream's writes fail.
    tokio::time::timeout(HANG_GUARD, gone_rx)
        .await
        .expect("the upstream connection is released when the client leaves")
        .unwrap();
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_mib_up_and_down_with_flat_memory() {
    const MIB: usize = 1024 * 1024;
    const TOTAL: usize = 100 * MIB;
    // An upstream that streams 100 MiB down and counts what is uploaded.
    let app = axum::Router::new()
        .route(
            "/download",
            axum::routing::get(|| async {
                let stream = futures_util::stream::iter((0..TOTAL / (64 * 1024)).map(|_| {
                    Ok::<_, Infallible>(Frame::data(Bytes::from_static(&[b'd'; 64 * 1024])))
                }));
                Body::new(StreamBody::new(stream))
            }),
        )
        .route(
            "/upload",
            axum::routing::post(|body: Body| async move {
                let mut body = body;
                let mut n = 0usize;
                while let Some(f) = body.frame().await {
                    if let Ok(d) = f.unwrap().into_data() {
                        n += d.len();
                    }
                }
                n.to_string()
            }),
        );
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    let proxy = start_proxy(up, 65536).await;
    let c = client();
    // Warm up so the pools and buffers exist before the baseline.
    let res = fetch(&c, format!("http://{proxy}/download")).await;
    let _ = res.into_body().collect().await.unwrap();
    let before = rss();

    let res = fetch(&c, format!("http://{proxy}/download")).await;
    let mut body = res.into_body();
    let mut got = 0;
    while let Some(f) = tokio::time::timeout(HANG_GUARD, body.frame())
        .await
        .unwrap()
    {
        if let Ok(d) = f.unwrap().into_data() {
            got += d.len();
        }
    }
    assert_eq!(got, TOTAL);
    let stream = futures_util::stream::iter(
        (0..TOTAL / (64 * 1024))
            .map(|_| Ok::<_, Infallible>(Frame::data(Bytes::from_static(&[b'u'; 64 * 1024])))),
    );
    let res = c
        .request(
            Request::post(format!("http://{proxy}/upload"))
                .body(Body::new(StreamBody::new(stream)))
                .unwrap(),
        )
        .await
        .unwrap();
    let n = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(n, TOTAL.to_string());
    let after = rss();
    let growth = after.saturating_sub(before);
    println!("RSS before {before} B, after {after} B, growth {growth} B for 200 MiB moved");
    assert!(
        growth < 32 * MIB as u64,
        "memory grew by {growth} B: something buffers"
    );
    assert_no_worker_panic();
}
