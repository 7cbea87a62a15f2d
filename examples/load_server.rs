//! The server the load comparison drives: plain hyper 1 serving a small JSON
//! API route, a 64 KiB download and the MCP SDK's discovery document, with
//! or without the layer, from the same binary.
//!
//! ```sh
//! cargo run --release --example load_server -- --listen 127.0.0.1:8081 --layer
//! cargo run --release --example load_server -- --listen 127.0.0.1:8082
//! ```

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use oauth_metadata_repair::RepairMetadataLayer;
use std::convert::Infallible;
use tower::{service_fn, Layer, ServiceExt};

const DOC: &str = r#"{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize","token_endpoint":"http://127.0.0.1:8000/token","registration_endpoint":"http://127.0.0.1:8000/register","scopes_supported":["user"],"response_types_supported":["code"],"grant_types_supported":["authorization_code","refresh_token"],"token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"],"code_challenge_methods_supported":["S256"]}"#;

async fn handle<B>(req: Request<B>) -> Result<Response<Full<Bytes>>, Infallible> {
    static DOWNLOAD: [u8; 65536] = [b'x'; 65536];
    let (ct, body): (&str, &'static [u8]) = match req.uri().path() {
        "/.well-known/oauth-authorization-server" => ("application/json", DOC.as_bytes()),
        "/download" => ("application/octet-stream", &DOWNLOAD),
        _ => ("application/json", br#"{"items":[1,2,3]}"#),
    };
    let mut res = Response::new(Full::new(Bytes::from_static(body)));
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(ct),
    );
    Ok(res)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut listen = "127.0.0.1:8081".to_owned();
    let mut layer = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().ok_or("--listen needs an address")?,
            "--layer" => layer = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("load_server on http://{listen} (layer: {layer})");
    // One layer for the whole server, as an application builds it: its
    // clones share the settings and the memory of the last repair.
    let repair = RepairMetadataLayer::new();
    loop {
        let (stream, _) = listener.accept().await?;
        let io = TokioIo::new(stream);
        if layer {
            // The layer asks for a request body with a `Default` (its own
            // metadata fetch has none); this handler reads no body.
            let svc = repair
                .layer(service_fn(handle::<Option<Incoming>>))
                .map_request(|req: Request<Incoming>| req.map(Some));
            tokio::spawn(async move {
                let svc = TowerToHyperService::new(svc);
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(io, svc)
                    .await;
            });
        } else {
            let svc = TowerToHyperService::new(service_fn(handle::<Incoming>));
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(io, svc)
                    .await;
            });
        }
    }
}
