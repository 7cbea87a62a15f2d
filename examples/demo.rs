//! The main job end to end, on loopback: one discovery endpoint serving the
//! MCP Python SDK's broken document, bare and behind the layer, fetched over
//! real HTTP.
//!
//! ```sh
//! cargo run --example demo
//! ```

use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use oauth_metadata_repair::RepairMetadataLayer;
use std::net::SocketAddr;

const PATH: &str = "/.well-known/oauth-authorization-server";

/// What `mcp.server.auth.routes.build_metadata()` serves (mcp 1.27.1).
const BROKEN: &str = r#"{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize","token_endpoint":"http://127.0.0.1:8000/token","registration_endpoint":"http://127.0.0.1:8000/register","scopes_supported":["user"],"response_types_supported":["code"],"grant_types_supported":["authorization_code","refresh_token"],"token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"],"code_challenge_methods_supported":["S256"]}"#;

fn upstream() -> Router {
    Router::new().route(
        PATH,
        get(|| async { ([("content-type", "application/json")], BROKEN) }),
    )
}

async fn serve(app: Router) -> Result<SocketAddr, Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

async fn fetch(addr: SocketAddr) -> Result<(Bytes, serde_json::Value), Box<dyn std::error::Error>> {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let res = client.get(format!("http://{addr}{PATH}").parse()?).await?;
    let body = res.into_body().collect().await?.to_bytes();
    let doc: serde_json::Value = serde_json::from_slice(&body)?;
    let methods = doc["token_endpoint_auth_methods_supported"].clone();
    Ok((body, methods))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bare = serve(upstream()).await?;
    // The whole integration: one `.layer(...)` call.
    let repaired = serve(upstream().layer(RepairMetadataLayer::new())).await?;

    let (before_bytes, before) = fetch(bare).await?;
    let (after_bytes, after) = fetch(repaired).await?;

    println!("GET {PATH}");
    println!("  bare          http://{bare}  token_endpoint_auth_methods_supported = {before}");
    println!("  with layer    http://{repaired}  token_endpoint_auth_methods_supported = {after}");
    let prefix = before_bytes
        .iter()
        .zip(after_bytes.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let added = after_bytes.len().saturating_sub(before_bytes.len());
    let inserted = after_bytes.get(prefix..prefix + added).unwrap_or_default();
    println!(
        "  {} bytes -> {} bytes; inserted {:?} at byte {prefix}, every other byte unchanged",
        before_bytes.len(),
        after_bytes.len(),
        String::from_utf8_lossy(inserted),
    );
    let ok = after
        .as_array()
        .is_some_and(|a| a.iter().any(|v| v == "none"))
        && !before
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v == "none"));
    if ok {
        println!("public clients (PKCE, token_endpoint_auth_method \"none\") can now log in.");
        Ok(())
    } else {
        Err("the document was not repaired".into())
    }
}
