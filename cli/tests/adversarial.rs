//! Adversarial peers around a real hyper server with the layer (the proxy
//! example): a raw-socket upstream that misbehaves on purpose, and raw-socket
//! clients that are slow or leave mid-body. Each case has a defined outcome:
//! repaired, passed through byte for byte, or a body error; never a panic,
//! never a truncated document served as complete, never a leaked task.

mod support;

use axum::body::Body;
use bytes::Bytes;
use http::{header, Request, StatusCode};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;
use support::{harness, MCP_SDK_DOC, MCP_SDK_FIXED};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Guards against a hang; never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(30);
const DISCOVERY: &str = "/.well-known/oauth-authorization-server";

static WORKER_PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics on runtime worker threads (where the proxy's connection
/// tasks run); tokio would otherwise swallow them.
fn watch_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some("tokio-runtime-worker") {
                WORKER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

fn assert_no_worker_panic() {
    assert_eq!(
        WORKER_PANICS.load(Ordering::SeqCst),
        0,
        "a connection task panicked"
    );
}

/// What a scripted upstream does on one connection.
enum Step {
    Send(Vec<u8>),
    Pause(Duration),
    /// Keep sending this chunk (chunked encoding) until the peer is gone,
    /// then report it.
    Endless(Vec<u8>, Option<oneshot::Sender<()>>),
}

type Script = Arc<dyn Fn(&str) -> Vec<Step> + Send + Sync>;

/// A raw-socket upstream: reads each request head, records it, and plays the
/// script for it, then closes the connection.
async fn raw_upstream(script: Script) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&heads);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let script = Arc::clone(&script);
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                seen.lock().unwrap().push(head.clone());
                for step in script(&head) {
                    match step {
                        Step::Send(bytes) => {
                            if sock.write_all(&bytes).await.is_err() {
                                return;
                            }
                            let _ = sock.flush().await;
                        }
                        Step::Pause(d) => tokio::time::sleep(d).await,
                        Step::Endless(chunk, mut gone) => loop {
                            let framed =
                                [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"]
                                    .concat();
                            if sock.write_all(&framed).await.is_err() {
                                if let Some(tx) = gone.take() {
                                    let _ = tx.send(());
                                }
                                return;
                            }
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        },
                    }
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    (addr, heads)
}

async fn start_proxy(upstream: SocketAddr, max: usize) -> SocketAddr {
    watch_panics();
    harness::start_proxy(upstream, max).await.addr
}

use harness::client;

async fn get(proxy: SocketAddr, path: &str) -> (http::response::Parts, Result<Bytes, String>) {
    let res = tokio::time::timeout(
        HANG_GUARD,
        client().request(
            Request::get(format!("http://{proxy}{path}"))
                .body(Body::empty())
                .unwrap(),
        ),
    )
    .await
    .expect("no hang")
    .expect("a response head");
    let (parts, body) = res.into_parts();
    let body = tokio::time::timeout(HANG_GUARD, body.collect())
        .await
        .expect("no hang")
        .map(|c| c.to_bytes())
        .map_err(|e| e.to_string());
    (parts, body)
}

/// Ok(body) for a complete response; Err when the head or the body failed.
async fn try_get(proxy: SocketAddr, path: &str) -> Result<Bytes, String> {
    let res = tokio::time::timeout(
        HANG_GUARD,
        client().request(
            Request::get(format!("http://{proxy}{path}"))
                .body(Body::empty())
                .unwrap(),
        ),
    )
    .await
    .expect("no hang")
    .map_err(|e| e.to_string())?;
    tokio::time::timeout(HANG_GUARD, res.into_body().collect())
        .await
        .expect("no hang")
        .map(|c| c.to_bytes())
        .map_err(|e| e.to_string())
}

fn head_200(extra: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\n{extra}\r\n").into_bytes()
}

fn chunked(pieces: &[&[u8]], ext: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        out.extend_from_slice(format!("{:x}{ext}\r\n", p.len()).as_bytes());
        out.extend_from_slice(p);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn script(f: impl Fn(&str) -> Vec<Step> + Send + Sync + 'static) -> Script {
    Arc::new(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_sent_one_byte_per_chunk_and_with_chunk_extensions_is_repaired() {
    for ext in ["", ";name=value", ";a;b=\"quoted\""] {
        let (up, _) = raw_upstream(script(move |_| {
            let mut steps = vec![Step::Send(head_200(
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
            ))];
            for b in MCP_SDK_DOC.as_bytes() {
                steps.push(Step::Send(chunked(&[&[*b]], ext)));
            }
            steps.push(Step::Send(b"0\r\n\r\n".to_vec()));
            steps
        }))
        .await;
        let proxy = start_proxy(up, 65536).await;
        let (parts, body) = get(proxy, DISCOVERY).await;
        assert_eq!(parts.status, StatusCode::OK);
        assert_eq!(body.unwrap(), MCP_SDK_FIXED.as_bytes(), "extension {ext:?}");
        assert_eq!(
            parts.headers[header::CONTENT_LENGTH],
            MCP_SDK_FIXED.len().to_string()
        );
    }
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_length_longer_than_the_body_ends_in_a_body_error() {
    let (up, _) = raw_upstream(script(|_| {
        vec![
            Step::Send(head_200(
                "Content-Type: application/json\r\nContent-Length: 1000\r\n",
            )),
            Step::Send(MCP_SDK_DOC.as_bytes().to_vec()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    // The connection is aborted, before or after the head: the client never
    // gets a complete-looking document.
    let body = try_get(proxy, DISCOVERY).await;
    assert!(
        body.is_err(),
        "a truncated document is never served as complete: {body:?}"
    );
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_length_shorter_than_the_body_passes_the_declared_bytes() {
    let (up, _) = raw_upstream(script(|_| {
        vec![
            Step::Send(head_200(
                "Content-Type: application/json\r\nContent-Length: 100\r\n",
            )),
            Step::Send(MCP_SDK_DOC.as_bytes().to_vec()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let (parts, body) = get(proxy, DISCOVERY).await;
    assert_eq!(parts.status, StatusCode::OK);
    // The first 100 bytes are not a JSON document: passed through as they are.
    assert_eq!(body.unwrap(), &MCP_SDK_DOC.as_bytes()[..100]);
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_document_cut_mid_way_ends_in_a_body_error() {
    let (up, _) = raw_upstream(script(|_| {
        let half = &MCP_SDK_DOC.as_bytes()[..200];
        vec![
            Step::Send(head_200(
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
            )),
            Step::Send(chunked(&[half], "")),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let body = try_get(proxy, DISCOVERY).await;
    assert!(body.is_err(), "{body:?}");
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_encoded_document_passes_through_byte_for_byte() {
    // Bytes labelled gzip: the layer must not read or change them.
    let payload: Vec<u8> = (0..300u32).map(|i| (i * 7 % 256) as u8).collect();
    let sent = payload.clone();
    let (up, heads) = raw_upstream(script(move |_| {
        vec![
            Step::Send(head_200(&format!(
                "Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n",
                sent.len()
            ))),
            Step::Send(sent.clone()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let (parts, body) = get(proxy, DISCOVERY).await;
    assert_eq!(body.unwrap(), payload);
    assert_eq!(parts.headers[header::CONTENT_ENCODING], "gzip");
    let head = heads.lock().unwrap()[0].to_ascii_lowercase();
    assert!(head.contains("accept-encoding: identity\r\n"), "{head}");
    assert_no_worker_panic();
}

/// A raw HTTP/1.1 exchange: sends `request`, reads until the peer closes.
async fn raw_exchange(addr: SocketAddr, request: &str) -> Vec<u8> {
    let mut sock = TcpStream::connect(addr).await.unwrap();
    sock.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(HANG_GUARD, sock.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    out
}

/// Splits a chunked body into (data, trailer lines).
fn dechunk(mut body: &[u8]) -> (Vec<u8>, String) {
    let mut data = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let line = std::str::from_utf8(&body[..line_end]).unwrap();
        let size = usize::from_str_radix(line.split(';').next().unwrap().trim(), 16).unwrap();
        body = &body[line_end + 2..];
        if size == 0 {
            return (data, String::from_utf8_lossy(body).into_owned());
        }
        data.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailers_are_kept_and_digest_trailers_dropped_after_repair() {
    let (up, _) = raw_upstream(script(|_| {
        vec![
            Step::Send(head_200(
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: X-Note, Content-Digest\r\n",
            )),
            Step::Send(chunked(&[MCP_SDK_DOC.as_bytes()], "")),
            Step::Send(b"0\r\nX-Note: kept\r\nContent-Digest: sha-256=:AAAA:\r\n\r\n".to_vec()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let response = raw_exchange(
        proxy,
        &format!(
            "GET {DISCOVERY} HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let body = &response[split + 4..];
    let (data, trailers) = if head.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        (body.to_vec(), String::new())
    };
    assert_eq!(data, MCP_SDK_FIXED.as_bytes(), "{head}");
    let trailers = trailers.to_ascii_lowercase();
    assert!(
        !trailers.contains("content-digest"),
        "digest of the old bytes dropped: {trailers}"
    );
    if head.contains("transfer-encoding: chunked") {
        assert!(
            trailers.contains("x-note: kept"),
            "trailer kept: {trailers}"
        );
    }
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revalidation_and_head_go_through_the_proxy() {
    let (up, heads) = raw_upstream(script(|head| {
        let lower = head.to_ascii_lowercase();
        if lower.contains("if-none-match: \"v1\"") {
            return vec![Step::Send(
                b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n".to_vec(),
            )];
        }
        vec![
            Step::Send(head_200(&format!(
                "Content-Type: application/json\r\nETag: \"v1\"\r\nContent-Length: {}\r\n",
                MCP_SDK_DOC.len()
            ))),
            Step::Send(MCP_SDK_DOC.as_bytes().to_vec()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let (first, body) = get(proxy, DISCOVERY).await;
    assert_eq!(body.unwrap(), MCP_SDK_FIXED.as_bytes());
    let derived = first.headers[header::ETAG].clone();
    assert_ne!(derived, "\"v1\"");

    let c = client();
    let res = c
        .request(
            Request::get(format!("http://{proxy}{DISCOVERY}"))
                .header(header::IF_NONE_MATCH, derived.clone())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()[header::ETAG], derived);

    let res = c
        .request(
            Request::get(format!("http://{proxy}{DISCOVERY}"))
                .header(header::IF_NONE_MATCH, "\"v1\"")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the upstream's own tag never earns a 304"
    );

    let res = c
        .request(
            Request::head(format!("http://{proxy}{DISCOVERY}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        res.headers()[header::CONTENT_LENGTH],
        MCP_SDK_FIXED.len().to_string()
    );
    assert!(res
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .is_empty());
    assert!(
        heads.lock().unwrap().last().unwrap().starts_with("GET "),
        "HEAD is fetched as GET"
    );
    assert_no_worker_panic();
}

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

/// Resident set size of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
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
    let res = c
        .request(
            Request::get(format!("http://{proxy}/download"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let _ = res.into_body().collect().await.unwrap();
    let before = rss();

    let res = c
        .request(
            Request::get(format!("http://{proxy}/download"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
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
