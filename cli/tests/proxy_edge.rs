//! The proxy's bounds that keep faults from holding connections forever:
//! upstream timeout, idle clients, a connection cap, upstream connection
//! reuse and reconnection.

mod support;

use axum::routing::get;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::Arc;
use std::time::Duration;
use support::edge_upstream::upstream_app;
use support::harness;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Guards against a hang; never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(30);

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

#[tokio::test]
async fn on_stop_idle_keep_alive_connections_are_closed_at_once() {
    // A drain timeout far past the guard: only closing the idle
    // connections lets the proxy stop in time.
    let up = harness::counting_upstream(Duration::ZERO).await;
    let proxy =
        harness::start_proxy_with(&format!("http://{}", up.addr), &["--drain-timeout", "3600"])
            .await;
    let mut idle = Vec::new();
    for _ in 0..3 {
        let mut sock = TcpStream::connect(proxy.addr).await.unwrap();
        sock.write_all(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut head = [0u8; 12];
        sock.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
        idle.push(sock);
    }
    proxy.stop.send(()).unwrap();
    tokio::time::timeout(HANG_GUARD, proxy.task)
        .await
        .expect("the proxy stops without waiting out the drain timeout")
        .unwrap();
    for mut sock in idle {
        // The rest of the response, then the end of the connection.
        let mut rest = Vec::new();
        tokio::time::timeout(HANG_GUARD, sock.read_to_end(&mut rest))
            .await
            .expect("the idle connection was closed")
            .unwrap();
    }
}
