//! The small upstream the proxy edge tests put behind the proxy: the MCP
//! SDK's discovery document and a `/hello` route.

use super::MCP_SDK_DOC;
use axum::routing::get;
use axum::Router;
use http::header;

/// The authorization server discovery path.
pub const DISCOVERY: &str = "/.well-known/oauth-authorization-server";

/// Discovery (the broken document) and `/hello`.
pub fn upstream_app() -> Router {
    Router::new()
        .route(
            DISCOVERY,
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], MCP_SDK_DOC) }),
        )
        .route("/hello", get(|| async { "hello" }))
}
