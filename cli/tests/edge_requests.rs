//! What the proxy forwards, and how (issue 14): discovery only on clean
//! paths, no 502 when the upstream closes a kept connection, no upstream
//! connection pinned by an idle client, chunked framing over a stale
//! `Content-Length`, and strict request heads. Black-box over real sockets.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::harness::{self, raw_exchange, EDGE_GUARD};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads one request head from `sock`; false when the peer is gone.
async fn read_head(sock: &mut TcpStream) -> bool {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    true
}

/// An upstream that answers every request on every path with `response`
/// and keeps the connection open.
async fn fixed_upstream(response: &'static [u8]) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            tokio::spawn(async move {
                while read_head(&mut sock).await {
                    if sock.write_all(response).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

const JSON_200: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 51\r\n\r\n{\"token_endpoint_auth_methods_supported\":[\"basic\"]}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_with_dot_segments_are_never_repaired() {
    // The upstream serves the same JSON on every path, as one that resolves
    // `..` serves /api/me.json for the first path below.
    let up = fixed_upstream(JSON_200).await;
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &[]).await;
    for path in [
        "/.well-known/oauth-authorization-server/../../api/me.json",
        "/.well-known/oauth-authorization-server/%2e%2e/%2E%2E/api/me.json",
        "/.well-known/openid-configuration/..",
        "/tenant/../../x/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/a//b",
    ] {
        let req = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
        let res = raw_exchange(proxy.addr, req.as_bytes()).await;
        assert!(res.starts_with("HTTP/1.1 200"), "{path}: {res}");
        assert!(
            res.ends_with("[\"basic\"]}") && !res.contains("none"),
            "{path} was edited: {res}"
        );
    }
    // The clean path is repaired.
    let req = "GET /.well-known/oauth-authorization-server/tenant HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    let res = raw_exchange(proxy.addr, req.as_bytes()).await;
    assert!(res.ends_with("[\"basic\",\"none\"]}"), "{res}");
    // An extra --path must be clean too.
    let args = harness::args(&[
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        "http://127.0.0.1:1",
        "--path",
        "/a/../b",
    ])
    .unwrap();
    let err = harness::server::Proxy::new(args).err().unwrap();
    assert!(err.contains("not a clean path"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_upstream_connection_closed_under_a_request_is_retried_for_idempotent_requests() {
    // Every upstream connection answers its first request, then reads the
    // second and closes without a word (as an upstream whose keep-alive ran
    // out the moment the request arrived).
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            tokio::spawn(async move {
                if read_head(&mut sock).await {
                    let _ = sock
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .await;
                    let _ = read_head(&mut sock).await;
                }
            });
        }
    });
    // At the defaults: the requests follow each other well within the idle
    // timeout, so each second one finds its kept connection closing.
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &[]).await;
    let client = harness::client();
    let mut errors = 0;
    for i in 0..20 {
        let req = http::Request::get(format!("http://{}/item/{i}", proxy.addr))
            .body(axum::body::Body::empty())
            .unwrap();
        let res = tokio::time::timeout(EDGE_GUARD, client.request(req))
            .await
            .unwrap()
            .unwrap();
        if res.status() != http::StatusCode::OK {
            errors += 1;
        }
    }
    println!("20 GETs over kept upstream connections that close under them: {errors} errors");
    assert_eq!(errors, 0);
    // A POST is not replayed: the upstream may have acted on it.
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let req = http::Request::post(format!("http://{}/act", proxy.addr))
            .body(axum::body::Body::from("x"))
            .unwrap();
        let res = tokio::time::timeout(EDGE_GUARD, client.request(req))
            .await
            .unwrap()
            .unwrap();
        statuses.push(res.status());
    }
    assert!(
        statuses.contains(&http::StatusCode::BAD_GATEWAY),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_clients_hold_no_upstream_connections() {
    const CLIENTS: usize = 100;
    let up = harness::counting_upstream(Duration::ZERO).await;
    let proxy = harness::start_proxy_with(&format!("http://{}", up.addr), &[]).await;
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let mut sock = TcpStream::connect(proxy.addr).await.unwrap();
        sock.write_all(b"GET /one HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while !got.ends_with(b"ok") {
            let n = tokio::time::timeout(EDGE_GUARD, sock.read(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert!(n > 0, "closed before the response");
            got.extend_from_slice(&buf[..n]);
        }
        clients.push(sock); // kept open, idle
    }
    let (accepted, open) = (
        up.accepted.load(Ordering::SeqCst),
        up.open.load(Ordering::SeqCst),
    );
    println!("{CLIENTS} idle keep-alive clients after one request each: {accepted} upstream connections made, {open} open");
    assert!(accepted <= 2 && open <= 2, "{accepted} made, {open} open");
    drop(clients);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_framing_wins_over_a_stale_content_length() {
    let up = fixed_upstream(
        b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\nd\r\nhello, world!\r\n0\r\n\r\n",
    )
    .await;
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &[]).await;
    let res = raw_exchange(
        proxy.addr,
        b"GET /x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;
    let lower = res.to_ascii_lowercase();
    assert!(!lower.contains("content-length: 3"), "{res}");
    assert!(res.contains("hello, world!"), "{res}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_hosts_connect_and_spoofable_headers_are_refused_or_dropped() {
    let up = harness::counting_upstream(Duration::ZERO).await;
    let proxy = harness::start_proxy_with(&format!("http://{}", up.addr), &[]).await;
    for (req, status) in [
        ("GET / HTTP/1.1\r\nconnection: close\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nhost: a\r\nhost: b\r\nconnection: close\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nhost: evil.example/../x?\r\nconnection: close\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nhost: a@b\r\nconnection: close\r\n\r\n", "400"),
        ("CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\nconnection: close\r\n\r\n", "405"),
        ("GET / HTTP/1.0\r\n\r\n", "200"),
        ("GET / HTTP/1.1\r\nhost: as.example:8443\r\nconnection: close\r\n\r\n", "200"),
    ] {
        let res = raw_exchange(proxy.addr, req.as_bytes()).await;
        let expected = format!(" {status} ");
        assert!(res.get(8..13) == Some(expected.as_str()), "{req:?}: {res}");
    }
    assert_eq!(
        up.heads.lock().unwrap().len(),
        2,
        "only the good requests reached the upstream"
    );

    let spoof = "GET / HTTP/1.1\r\nhost: x\r\nx-real-ip: 6.6.6.6\r\nx_forwarded_for: 6.6.6.6\r\ncontent_length: 5\r\nx-ok: 1\r\nconnection: close\r\n\r\n";
    let res = raw_exchange(proxy.addr, spoof.as_bytes()).await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let seen = up.heads.lock().unwrap().last().cloned().unwrap();
    assert_eq!(seen["x-real-ip"], "127.0.0.1");
    assert!(
        !seen.contains_key("x_forwarded_for") && !seen.contains_key("content_length"),
        "{seen:?}"
    );
    assert_eq!(seen["x-ok"], "1");

    // --allow-underscores keeps them; --trust-forwarded keeps X-Real-IP.
    let flags = ["--allow-underscores", "--trust-forwarded"];
    let open = harness::start_proxy_with(&format!("http://{}", up.addr), &flags).await;
    let res = raw_exchange(open.addr, spoof.as_bytes()).await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let seen = up.heads.lock().unwrap().last().cloned().unwrap();
    assert_eq!(seen["x-real-ip"], "6.6.6.6");
    assert_eq!(seen["x_forwarded_for"], "6.6.6.6");
}
