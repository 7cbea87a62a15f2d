//! An axum authorization server whose discovery document forgets `"none"`,
//! fixed with one `.layer(...)` call.
//!
//! ```sh
//! cargo run --example axum
//! curl -s http://127.0.0.1:3000/.well-known/oauth-authorization-server
//! ```

use axum::routing::{get, post};
use axum::{Json, Router};
use oauth_metadata_repair::RepairMetadataLayer;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(|| async {
                Json(json!({
                    "issuer": "http://127.0.0.1:3000",
                    "authorization_endpoint": "http://127.0.0.1:3000/authorize",
                    "token_endpoint": "http://127.0.0.1:3000/token",
                    "registration_endpoint": "http://127.0.0.1:3000/register",
                    "response_types_supported": ["code"],
                    "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                }))
            }),
        )
        .route("/token", post(|| async { "token endpoint" }))
        // The one line: discovery documents now list "none".
        .layer(RepairMetadataLayer::new());

    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{addr}/.well-known/oauth-authorization-server");
    axum::serve(listener, app).await?;
    Ok(())
}
