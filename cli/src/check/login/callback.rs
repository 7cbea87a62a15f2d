//! The loopback redirect URI (RFC 8252 §7.3): a listener on an ephemeral
//! `127.0.0.1` port that waits, for a bounded time, for the browser to bring
//! the authorization response back.

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The path of the redirect URI.
pub const PATH: &str = "/callback";
/// Most connections served while waiting (a browser opens a few: the
/// callback, a favicon, a retry).
const MAX_CONNECTIONS: usize = 32;
/// How long one browser connection may stay open.
const CONNECTION_TIME: Duration = Duration::from_secs(10);

/// A bound listener and its redirect URI.
#[derive(Debug)]
pub struct Callback {
    listener: TcpListener,
    /// `http://127.0.0.1:PORT/callback`.
    pub redirect_uri: String,
}

impl Callback {
    /// Binds an ephemeral loopback port.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub async fn bind() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}{PATH}"),
        })
    }

    /// The query parameters of the first request to [`PATH`] within
    /// `within`; `None` when none came.
    pub async fn wait(self, within: Duration) -> Option<Vec<(String, String)>> {
        let (tx, mut rx) = mpsc::channel::<Vec<(String, String)>>(1);
        let accept = async {
            for _ in 0..MAX_CONNECTIONS {
                let Ok((stream, _)) = self.listener.accept().await else {
                    continue;
                };
                let tx = tx.clone();
                let service = service_fn(move |req: http::Request<Incoming>| {
                    let tx = tx.clone();
                    async move { Ok::<_, Infallible>(answer(&req, &tx)) }
                });
                tokio::spawn(tokio::time::timeout(
                    CONNECTION_TIME,
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                ));
            }
            std::future::pending::<()>().await;
        };
        tokio::select! {
            params = rx.recv() => params,
            () = accept => None,
            () = tokio::time::sleep(within) => None,
        }
    }
}

/// The page the browser shows; the query goes to the waiting check.
fn answer(
    req: &http::Request<Incoming>,
    tx: &mpsc::Sender<Vec<(String, String)>>,
) -> Response<Full<Bytes>> {
    if req.uri().path() != PATH {
        return page(StatusCode::NOT_FOUND, "Not found.");
    }
    let query = req.uri().query().unwrap_or("");
    let params = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let _ = tx.try_send(params);
    page(
        StatusCode::OK,
        "oauth-metadata-repair check: the authorization response arrived. You can close this window.",
    )
}

fn page(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
