//! A raw-socket upstream that misbehaves on purpose, the proxy started in
//! front of it with a watch on worker panics, and the GETs the adversarial
//! tests send through it.

use super::harness::{self, client};
use axum::body::Body;
use bytes::Bytes;
use http::Request;
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Guards against a hang; never a timing assertion.
pub const HANG_GUARD: Duration = Duration::from_secs(30);
pub const DISCOVERY: &str = "/.well-known/oauth-authorization-server";

static WORKER_PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics on runtime worker threads (where the proxy's connection
/// tasks run); tokio would otherwise swallow them.
pub fn watch_panics() {
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

pub fn assert_no_worker_panic() {
    assert_eq!(
        WORKER_PANICS.load(Ordering::SeqCst),
        0,
        "a connection task panicked"
    );
}

/// What a scripted upstream does on one connection.
pub enum Step {
    Send(Vec<u8>),
    Pause(Duration),
    /// Keep sending this chunk (chunked encoding) until the peer is gone,
    /// then report it.
    Endless(Vec<u8>, Option<oneshot::Sender<()>>),
}

pub type Script = Arc<dyn Fn(&str) -> Vec<Step> + Send + Sync>;

/// A raw-socket upstream: reads each request head, records it, and plays the
/// script for it, then closes the connection.
pub async fn raw_upstream(script: Script) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
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

pub async fn start_proxy(upstream: SocketAddr, max: usize) -> SocketAddr {
    watch_panics();
    harness::start_proxy(upstream, max).await.addr
}

/// The response head of a GET through the proxy, or the client's error.
async fn send_get(
    proxy: SocketAddr,
    path: &str,
) -> Result<http::Response<hyper::body::Incoming>, String> {
    tokio::time::timeout(
        HANG_GUARD,
        client().request(
            Request::get(format!("http://{proxy}{path}"))
                .body(Body::empty())
                .unwrap(),
        ),
    )
    .await
    .expect("no hang")
    .map_err(|e| e.to_string())
}

/// The whole body, or the error that ended it.
async fn read_body(body: hyper::body::Incoming) -> Result<Bytes, String> {
    tokio::time::timeout(HANG_GUARD, body.collect())
        .await
        .expect("no hang")
        .map(|c| c.to_bytes())
        .map_err(|e| e.to_string())
}

/// The head of a GET through the proxy (which must come) and its body.
pub async fn get(proxy: SocketAddr, path: &str) -> (http::response::Parts, Result<Bytes, String>) {
    let res = send_get(proxy, path).await.expect("a response head");
    let (parts, body) = res.into_parts();
    (parts, read_body(body).await)
}

/// Ok(body) for a complete response; Err when the head or the body failed.
pub async fn try_get(proxy: SocketAddr, path: &str) -> Result<Bytes, String> {
    read_body(send_get(proxy, path).await?.into_body()).await
}

pub fn head_200(extra: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\n{extra}\r\n").into_bytes()
}

pub fn chunked(pieces: &[&[u8]], ext: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        out.extend_from_slice(format!("{:x}{ext}\r\n", p.len()).as_bytes());
        out.extend_from_slice(p);
        out.extend_from_slice(b"\r\n");
    }
    out
}

pub fn script(f: impl Fn(&str) -> Vec<Step> + Send + Sync + 'static) -> Script {
    Arc::new(f)
}
