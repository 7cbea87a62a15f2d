//! The proxy holds its edge like nginx (issue 14): a client that stops
//! reading is cut off after the send timeout, idle connections never lock
//! new clients out, an unfinished request head costs a bounded amount of
//! memory, and one HTTP/2 client cannot open upstream connections without
//! bound. Black-box over real sockets on loopback; figures are printed,
//! never asserted as times.

mod support;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::harness::{self, EDGE_GUARD};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// An upstream that sends an endless chunked body on every connection and
/// counts the connections that went away.
async fn endless_upstream() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let gone = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&gone);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            let count = Arc::clone(&count);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
                let chunk = [b"4000\r\n".as_slice(), &[b'x'; 0x4000], b"\r\n"].concat();
                if sock.write_all(head).await.is_ok() {
                    while sock.write_all(&chunk).await.is_ok() {}
                }
                count.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    (addr, gone)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_cut_off_and_releases_its_upstream() {
    let (up, gone) = endless_upstream().await;
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &["--send-timeout", "1"]).await;
    let mut sock = TcpStream::connect(proxy.addr).await.unwrap();
    sock.write_all(b"GET /stream HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    // Never read: the buffers fill up, the proxy's writes stall, and after
    // the send timeout it closes both connections.
    let start = Instant::now();
    while gone.load(Ordering::SeqCst) == 0 {
        assert!(
            start.elapsed() < EDGE_GUARD,
            "the upstream connection is still held"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "upstream connection released {:.1} s after the request (--send-timeout 1)",
        start.elapsed().as_secs_f64()
    );
    // The client's connection is closed too: reading drains what was
    // buffered, then ends.
    let mut sink = vec![0u8; 1 << 16];
    let drained = tokio::time::timeout(EDGE_GUARD, async {
        loop {
            match sock.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    });
    drained.await.expect("the client connection was closed");
}

/// A fresh GET on a fresh connection; the time until its response head.
async fn fresh_request(addr: std::net::SocketAddr) -> (String, Duration) {
    let start = Instant::now();
    let res = harness::raw_exchange(
        addr,
        b"GET /hello HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;
    (res, start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_connections_do_not_lock_a_new_client_out_at_the_defaults() {
    const IDLE: usize = 2000;
    // Each idle connection costs this process two descriptors (both ends).
    if !harness::open_files_at_least(2 * IDLE as u64 + 512) {
        return;
    }
    let up = harness::counting_upstream(Duration::ZERO).await;
    let proxy = harness::start_proxy_with(&format!("http://{}", up.addr), &[]).await;
    let mut idle = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        idle.push(TcpStream::connect(proxy.addr).await.unwrap());
    }
    // The guard is below --client-timeout (30 s), after which the idle
    // connections would be closed anyway.
    let guard = Duration::from_secs(20);
    let (res, took) = tokio::time::timeout(guard, fresh_request(proxy.addr))
        .await
        .expect("a new client was locked out");
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    println!(
        "with {IDLE} idle connections open, a fresh request was answered in {:.1} ms",
        took.as_secs_f64() * 1e3
    );
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_idle_connections_are_closed_for_new_clients() {
    const CAP: usize = 8;
    let up = harness::counting_upstream(Duration::ZERO).await;
    let cap = CAP.to_string();
    let proxy =
        harness::start_proxy_with(&format!("http://{}", up.addr), &["--max-connections", &cap])
            .await;
    // CAP connections that never send anything, then CAP fresh clients.
    let mut idle = Vec::new();
    for _ in 0..CAP {
        idle.push(TcpStream::connect(proxy.addr).await.unwrap());
    }
    for _ in 0..CAP {
        let (res, _) = tokio::time::timeout(EDGE_GUARD, fresh_request(proxy.addr))
            .await
            .expect("a new client was locked out at the cap");
        assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    }
    // Each was served in place of an idle one, which the proxy closed.
    let start = Instant::now();
    let mut closed = [false; CAP];
    while closed.iter().any(|c| !c) {
        assert!(
            start.elapsed() < EDGE_GUARD,
            "{} of the idle connections still open",
            closed.iter().filter(|c| !**c).count()
        );
        for (sock, closed) in idle.iter_mut().zip(closed.iter_mut()) {
            let mut b = [0u8; 1];
            if let Ok(Ok(0) | Err(_)) =
                tokio::time::timeout(Duration::from_millis(20), sock.read(&mut b)).await
            {
                *closed = true;
            }
        }
    }
}

/// Opens `n` connections that each send `bytes` of a header line that never
/// ends; returns them and what each received within a short read (empty if
/// nothing yet).
async fn unfinished_heads(addr: std::net::SocketAddr, n: usize, bytes: usize) -> Vec<String> {
    // One copy shared by every connection, so the figures are the proxy's.
    let line: Arc<[u8]> = vec![b'a'; bytes].into();
    let mut tasks = Vec::new();
    for _ in 0..n {
        let line = Arc::clone(&line);
        tasks.push(tokio::spawn(async move {
            let mut sock = TcpStream::connect(addr).await.unwrap();
            let _ = sock
                .write_all(b"GET / HTTP/1.1\r\nhost: x\r\nx-long: ")
                .await;
            // The proxy may stop reading (and answer) before all is written.
            let _ = tokio::time::timeout(Duration::from_secs(5), sock.write_all(&line)).await;
            let mut got = vec![0u8; 256];
            let n = match tokio::time::timeout(Duration::from_secs(2), sock.read(&mut got)).await {
                Ok(Ok(n)) => n,
                _ => 0,
            };
            (sock, String::from_utf8_lossy(&got[..n]).into_owned())
        }));
    }
    let mut answers = Vec::new();
    let mut socks = Vec::new();
    for t in tasks {
        let (sock, answer) = t.await.unwrap();
        socks.push(sock);
        answers.push(answer);
    }
    // Held open until the caller has measured.
    std::mem::forget(socks);
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_request_head_is_answered_431_and_memory_per_unfinished_head_is_bounded() {
    const CONNS: usize = 200;
    let up = harness::counting_upstream(Duration::ZERO).await;
    let proxy = harness::start_proxy_with(&format!("http://{}", up.addr), &[]).await;
    // Warm up: the runtime and allocator settle on one request first.
    let (res, _) = fresh_request(proxy.addr).await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");

    let before = harness::rss();
    let answers = unfinished_heads(proxy.addr, CONNS, 300 * 1024).await;
    let after = harness::rss();
    let per = after.saturating_sub(before) / CONNS as u64;
    println!(
        "{CONNS} unfinished 300 KiB heads: RSS {:.1} -> {:.1} MB, {:.1} KiB per connection",
        before as f64 / 1e6,
        after as f64 / 1e6,
        per as f64 / 1024.0
    );
    let refused = answers
        .iter()
        .filter(|a| a.starts_with("HTTP/1.1 431"))
        .count();
    assert_eq!(refused, CONNS, "every oversized head gets 431: {answers:?}");
    // The default limit is 32 KiB; a head costs about that, not the 360 KiB
    // of a 400 KiB read buffer.
    assert!(per < 96 * 1024, "{per} bytes per unfinished head");

    // Heads just under the limit stay open (they may still finish) and cost
    // about the limit each.
    let before = harness::rss();
    let answers = unfinished_heads(proxy.addr, CONNS, 30 * 1024).await;
    let after = harness::rss();
    let per = after.saturating_sub(before) / CONNS as u64;
    println!(
        "{CONNS} unfinished 30 KiB heads: RSS {:.1} -> {:.1} MB, {:.1} KiB per connection",
        before as f64 / 1e6,
        after as f64 / 1e6,
        per as f64 / 1024.0
    );
    assert!(answers.iter().all(String::is_empty), "{answers:?}");
    assert!(per < 96 * 1024, "{per} bytes per unfinished head");
}

/// An upstream whose every response waits 100 ms, recording the most
/// requests in flight at once and the connections it accepted.
async fn slow_upstream() -> (std::net::SocketAddr, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (l, addr) = harness::bind().await;
    let (peak, accepted) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let now = Arc::new(AtomicUsize::new(0));
    let (p, a) = (Arc::clone(&peak), Arc::clone(&accepted));
    tokio::spawn(async move {
        while let Ok((sock, _)) = l.accept().await {
            a.fetch_add(1, Ordering::SeqCst);
            let (p, now) = (Arc::clone(&p), Arc::clone(&now));
            let svc = hyper::service::service_fn(move |_req| {
                let (p, now) = (Arc::clone(&p), Arc::clone(&now));
                async move {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    p.fetch_max(n, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    now.fetch_sub(1, Ordering::SeqCst);
                    Ok::<_, std::convert::Infallible>(http::Response::new(
                        http_body_util::Full::new(Bytes::from_static(b"ok")),
                    ))
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(sock), svc),
            );
        }
    });
    (addr, peak, accepted)
}

/// `streams` concurrent GETs over one prior-knowledge HTTP/2 connection;
/// the statuses, or the error that ended the connection.
async fn h2c_burst(addr: std::net::SocketAddr, streams: usize) -> Result<Vec<StatusCode>, String> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    // One request first, so the client has the server's SETTINGS (its
    // stream limit) before the burst.
    let mut first = send.clone();
    let uri = format!("http://{addr}/slow/first");
    let res = first
        .send_request(Request::get(uri).body(Empty::<Bytes>::new()).unwrap())
        .await
        .map_err(|e| e.to_string())?;
    let _ = res.into_body().collect().await;
    let mut tasks = Vec::new();
    for i in 0..streams {
        let mut send = send.clone();
        let uri = format!("http://{addr}/slow/{i}");
        tasks.push(tokio::spawn(async move {
            send.ready().await.map_err(|e| e.to_string())?;
            let res = send
                .send_request(Request::get(uri).body(Empty::<Bytes>::new()).unwrap())
                .await
                .map_err(|e| e.to_string())?;
            let status = res.status();
            let _ = res.into_body().collect().await;
            Ok::<_, String>(status)
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap()?);
    }
    Ok(statuses)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2c_is_opt_in_and_one_http2_client_cannot_open_upstream_connections_without_bound() {
    let (up, peak, accepted) = slow_upstream().await;
    let url = format!("http://{up}");
    // By default a plaintext port speaks HTTP/1.1 only.
    let plain = harness::start_proxy_with(&url, &[]).await;
    let refused = tokio::time::timeout(EDGE_GUARD, h2c_burst(plain.addr, 1)).await;
    assert!(
        refused.expect("no hang").is_err(),
        "h2c served without --h2c"
    );

    // With --h2c: 250 streams at once reach the upstream over at most
    // --max-upstream-connections connections, and every one is answered.
    let flags = ["--h2c", "--max-upstream-connections", "8"];
    let h2c = harness::start_proxy_with(&url, &flags).await;
    let statuses = tokio::time::timeout(EDGE_GUARD, h2c_burst(h2c.addr, 250))
        .await
        .expect("no hang")
        .unwrap();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let (p, a) = (peak.load(Ordering::SeqCst), accepted.load(Ordering::SeqCst));
    println!("250 h2c streams: {a} upstream connections, at most {p} requests in flight upstream");
    assert!(a <= 8 && p <= 8, "{a} connections, {p} in flight");

    // The stream limit: at most --max-streams of one client in flight.
    peak.store(0, Ordering::SeqCst);
    let flags = ["--h2c", "--max-streams", "4"];
    let limited = harness::start_proxy_with(&url, &flags).await;
    let statuses = tokio::time::timeout(EDGE_GUARD, h2c_burst(limited.addr, 40))
        .await
        .expect("no hang")
        .unwrap();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let p = peak.load(Ordering::SeqCst);
    assert!(p <= 4, "{p} streams of one client in flight");
}
