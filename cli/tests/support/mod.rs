//! What the tool's tests share: the MCP SDK's broken document and the
//! proxy started in process.
#![allow(dead_code, unreachable_pub)]

pub mod check_cli;
pub mod check_defects;
pub mod check_grant;
pub mod check_report;
pub mod check_server;
pub mod edge_upstream;
pub mod harness;
pub mod proxy_upstream;
pub mod raw_upstream;

/// The broken document the MCP Python SDK serves (`build_metadata()`).
pub const MCP_SDK_DOC: &str = r#"{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize","token_endpoint":"http://127.0.0.1:8000/token","registration_endpoint":"http://127.0.0.1:8000/register","scopes_supported":["user"],"response_types_supported":["code"],"grant_types_supported":["authorization_code","refresh_token"],"token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"],"code_challenge_methods_supported":["S256"]}"#;

/// What the proxy serves for it at its defaults: `"none"` added, and the RFC
/// 9207 `iss` advertisement.
pub const MCP_SDK_FIXED: &str = r#"{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize","token_endpoint":"http://127.0.0.1:8000/token","registration_endpoint":"http://127.0.0.1:8000/register","scopes_supported":["user"],"response_types_supported":["code"],"grant_types_supported":["authorization_code","refresh_token"],"token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic","none"],"code_challenge_methods_supported":["S256"],"authorization_response_iss_parameter_supported":true}"#;
