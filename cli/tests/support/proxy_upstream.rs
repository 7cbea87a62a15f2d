//! The upstream the proxy tests forward to (discovery, an echo, an upload
//! sink, a gated SSE stream, a response that dies half way), and the proxy
//! started in front of it.

use super::harness;
use super::MCP_SDK_DOC;
use axum::body::Body;
use axum::extract::Request as AxumRequest;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use bytes::Bytes;
use http::header;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::{oneshot, Notify};

/// The upstream: discovery, an echo that reports what it saw, a counting
/// upload sink, an SSE stream gated by a Notify, and a response that dies
/// half way.
pub fn upstream_app(release: Arc<Notify>) -> Router {
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

pub async fn start_upstream(app: Router) -> SocketAddr {
    harness::serve_app(app).await
}

/// Starts the proxy in front of `upstream`; the sender stops it.
pub async fn start_proxy(
    upstream: SocketAddr,
) -> (SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let p = harness::start_proxy(upstream, oauth_metadata_repair::DEFAULT_MAX_BODY_BYTES).await;
    (p.addr, p.stop, p.task)
}

pub async fn text(res: http::Response<hyper::body::Incoming>) -> String {
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}
