//! The layer on an axum `Router`, in process and over real HTTP/1.1 on
//! loopback.

mod support;

use axum::body::Body;
use axum::response::sse::{Event, Sse};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http::{header, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use oauth_metadata_repair::RepairMetadataLayer;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use support::{MCP_SDK_DOC, MCP_SDK_FIXED};
use tokio::sync::Notify;
use tower::ServiceExt;

/// Guards against a hang; never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(30);

fn app(release: Arc<Notify>) -> Router {
    let discovery = || async { ([(header::CONTENT_TYPE, "application/json")], MCP_SDK_DOC) };
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(discovery))
        .route("/tenant/.well-known/openid-configuration", get(discovery))
        .route("/api/echo", post(|body: Bytes| async move { body }))
        .route(
            "/api/doc",
            get(|| async { Json(serde_json::from_str::<serde_json::Value>(MCP_SDK_DOC).unwrap()) }),
        )
        .route(
            "/events",
            get(move || {
                let release = Arc::clone(&release);
                async move {
                    // One event, then nothing until the test has seen it.
                    let stream = async_stream(release);
                    Sse::new(stream).into_response()
                }
            }),
        )
        .layer(RepairMetadataLayer::new())
}

fn async_stream(
    release: Arc<Notify>,
) -> impl futures_util::Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(0u8, move |n| {
        let release = Arc::clone(&release);
        async move {
            match n {
                0 => Some((Ok(Event::default().data("first")), 1)),
                1 => {
                    release.notified().await;
                    Some((Ok(Event::default().data("second")), 2))
                }
                _ => None,
            }
        }
    })
}

#[tokio::test]
async fn router_with_one_layer_call_repairs_discovery_only() {
    let app = app(Arc::new(Notify::new()));
    for path in [
        "/.well-known/oauth-authorization-server",
        "/tenant/.well-known/openid-configuration",
    ] {
        let res = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, MCP_SDK_FIXED.as_bytes(), "{path}");
    }
    // The same document on an API route is not touched.
    let res = app
        .clone()
        .oneshot(Request::get("/api/doc").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert!(!String::from_utf8_lossy(&body).contains("\"none\""));
    // 404s and POST bodies pass through.
    let res = app
        .clone()
        .oneshot(
            Request::get("/.well-known/openid-configuration")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .oneshot(Request::post("/api/echo").body(Body::from("ping")).unwrap())
        .await
        .unwrap();
    assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "ping");
}

async fn serve(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn over_real_http_discovery_is_repaired_and_sse_streams_event_by_event() {
    let release = Arc::new(Notify::new());
    let addr = serve(app(Arc::clone(&release))).await;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();

    let uri = format!("http://{addr}/.well-known/oauth-authorization-server");
    let res = client
        .request(
            Request::get(&uri)
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        res.headers()[header::CONTENT_LENGTH],
        MCP_SDK_FIXED.len().to_string()
    );
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, MCP_SDK_FIXED.as_bytes());

    let head = client
        .request(Request::head(&uri).body(Full::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        head.headers()[header::CONTENT_LENGTH],
        MCP_SDK_FIXED.len().to_string()
    );

    let res = client
        .request(
            Request::get(format!("http://{addr}/events"))
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = res.into_body();
    // The first event arrives while the handler is still holding the second.
    let first = tokio::time::timeout(HANG_GUARD, body.frame())
        .await
        .expect("first SSE event arrived before the stream ended")
        .unwrap()
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(&first[..], b"data: first\n\n");
    release.notify_one();
    let rest = tokio::time::timeout(HANG_GUARD, body.collect())
        .await
        .unwrap()
        .unwrap()
        .to_bytes();
    assert_eq!(&rest[..], b"data: second\n\n");
}

#[tokio::test]
async fn incoming_bodies_from_a_real_upstream_are_repaired() {
    // A hyper client's `Incoming` body behind the layer: the proxy case.
    let upstream = serve(Router::new().route(
        "/.well-known/openid-configuration",
        get(|| async { ([(header::CONTENT_TYPE, "application/json")], MCP_SDK_DOC) }),
    ))
    .await;
    let client: Client<_, Body> = Client::builder(TokioExecutor::new()).build_http();
    let svc = tower::ServiceBuilder::new()
        .layer(RepairMetadataLayer::new())
        .service(tower::service_fn(move |req: Request<Body>| {
            let client = client.clone();
            async move {
                let uri = format!("http://{upstream}{}", req.uri().path());
                let (mut parts, body) = req.into_parts();
                parts.uri = uri.parse().unwrap();
                client.request(Request::from_parts(parts, body)).await
            }
        }));
    let res = svc
        .oneshot(
            Request::get("/.well-known/openid-configuration")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, MCP_SDK_FIXED.as_bytes());
}
