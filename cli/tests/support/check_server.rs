//! An MCP server with OAuth discovery for `check`'s tests: compliant by
//! default, with one switch per defect that `check` reports, a few switches
//! that only the repair preview sees, and a mode that serves a real
//! discovery document from `tests/data/discovery`.

pub use super::check_defects::Defects;
use super::check_grant::{mcp_request, Grants};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

/// Where [`Defects::metadata_moved`] serves the metadata.
pub const MOVED_METADATA: &str = "/oauth/metadata";

#[derive(Clone)]
struct Site {
    base: String,
    defects: Defects,
    /// A real document served instead of the generated one, and its path.
    document: Option<(&'static str, &'static str)>,
    /// Codes and tokens handed out.
    grants: Arc<Grants>,
}

/// Serves a server with `defects` on loopback; its MCP endpoint is
/// `http://ADDR/mcp`.
pub async fn serve(defects: Defects) -> SocketAddr {
    start(defects, None, 0).await
}

/// [`serve`] on `port` of 127.0.0.1 (0 for any).
pub async fn serve_on(port: u16, defects: Defects) -> SocketAddr {
    start(defects, None, port).await
}

/// Serves `document` at `path` and nothing else of note (for `--issuer`).
pub async fn serve_document(path: &'static str, document: &'static str) -> SocketAddr {
    start(Defects::default(), Some((path, document)), 0).await
}

async fn start(
    defects: Defects,
    document: Option<(&'static str, &'static str)>,
    port: u16,
) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let site = Site {
        base: format!("http://{addr}"),
        defects,
        document,
        grants: Arc::default(),
    };
    let app = Router::new()
        .route("/mcp", post(mcp))
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(resource_at_path),
        )
        .route(
            "/.well-known/oauth-protected-resource",
            get(resource_at_root),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(server_metadata),
        )
        .route("/.well-known/openid-configuration", get(openid))
        .route(MOVED_METADATA, get(moved_metadata))
        .route("/login", get(login))
        .route("/register", post(register))
        .route("/token", post(token))
        .route("/authorize", get(authorize))
        .with_state(site);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn mcp(State(s): State<Site>, headers: HeaderMap, body: String) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if s.grants.accepts(s.defects, authorization) {
        return mcp_request(&body);
    }
    if s.defects.no_challenge {
        return (StatusCode::NOT_FOUND, "no such route").into_response();
    }
    if s.defects.no_login {
        let ok = r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"t","version":"0"}}}"#;
        return json_response(StatusCode::OK, ok.into());
    }
    let url = if s.defects.relative_resource_metadata {
        "/.well-known/oauth-protected-resource/mcp".to_owned()
    } else {
        format!("{}/.well-known/oauth-protected-resource/mcp", s.base)
    };
    let challenge = format!(r#"Bearer error="invalid_token", resource_metadata="{url}""#);
    let body = r#"{"error":"invalid_token","error_description":"Authentication required"}"#;
    let headers = [
        (header::WWW_AUTHENTICATE, challenge),
        (header::CONTENT_TYPE, "application/json".to_owned()),
    ];
    (StatusCode::UNAUTHORIZED, headers, body).into_response()
}

fn resource_document(s: &Site) -> Response {
    if s.defects.no_resource_metadata {
        return StatusCode::NOT_FOUND.into_response();
    }
    let resource = if s.defects.resource_is_origin {
        s.base.clone()
    } else if s.defects.resource_elsewhere {
        format!("{}/other", s.base)
    } else {
        format!("{}/mcp", s.base)
    };
    let servers: Vec<String> = if s.defects.no_authorization_servers {
        vec![]
    } else {
        vec![s.base.clone()]
    };
    let doc = json!({"resource": resource, "authorization_servers": servers, "scopes_supported": ["user"], "bearer_methods_supported": ["header"]});
    json_response(StatusCode::OK, doc.to_string())
}

async fn resource_at_path(State(s): State<Site>) -> Response {
    if s.defects.login_redirect {
        return (
            StatusCode::FOUND,
            [(header::LOCATION, "/login?next=/.well-known")],
        )
            .into_response();
    }
    resource_document(&s)
}

async fn resource_at_root(State(s): State<Site>) -> Response {
    resource_document(&s)
}

async fn login() -> Response {
    let page = "<!DOCTYPE html><html><body><form>Sign in</form></body></html>";
    ([(header::CONTENT_TYPE, "text/html")], page).into_response()
}

fn generated(s: &Site) -> Value {
    let d = s.defects;
    let endpoints = if d.plain_http {
        "http://auth.example.test".to_owned()
    } else {
        s.base.clone()
    };
    let mut doc = json!({
        "issuer": if d.issuer_trailing_slash { format!("{}/", s.base) } else { s.base.clone() },
        "authorization_endpoint": format!("{endpoints}/authorize"),
        "token_endpoint": format!("{endpoints}/token"),
        "registration_endpoint": format!("{endpoints}/register"),
        "response_types_supported": if d.no_code { json!(["token"]) } else { json!(["code"]) },
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": if d.no_none { json!(["client_secret_post", "client_secret_basic"]) } else { json!(["client_secret_post", "client_secret_basic", "none"]) },
        "code_challenge_methods_supported": if d.no_s256 { json!(["plain"]) } else { json!(["S256"]) },
    });
    let members = doc.as_object_mut().unwrap();
    if d.no_registration || d.cimd_only {
        members.remove("registration_endpoint");
    }
    if d.cimd_only {
        members.insert("client_id_metadata_document_supported".into(), true.into());
    }
    if d.no_token_endpoint {
        members.remove("token_endpoint");
    }
    if d.no_authorization_endpoint {
        members.remove("authorization_endpoint");
    }
    if d.null_member {
        doc["service_documentation"] = Value::Null;
    }
    if !d.no_iss_parameter {
        doc["authorization_response_iss_parameter_supported"] = Value::Bool(true);
    }
    if d.signed_metadata {
        doc["signed_metadata"] = Value::from("eyJhbGciOiJub25lIn0.e30.");
    }
    doc
}

async fn server_metadata(State(s): State<Site>) -> Response {
    if s.defects.metadata_moved {
        return (StatusCode::FOUND, [(header::LOCATION, MOVED_METADATA)]).into_response();
    }
    document_at("/.well-known/oauth-authorization-server", &s)
}

async fn moved_metadata(State(s): State<Site>) -> Response {
    if !s.defects.metadata_moved {
        return StatusCode::NOT_FOUND.into_response();
    }
    json_response(StatusCode::OK, generated(&s).to_string())
}

async fn openid(State(s): State<Site>) -> Response {
    document_at("/.well-known/openid-configuration", &s)
}

fn document_at(path: &str, s: &Site) -> Response {
    match s.document {
        Some((at, doc)) if at == path => json_response(StatusCode::OK, doc.to_owned()),
        Some(_) => StatusCode::NOT_FOUND.into_response(),
        None if s.defects.no_server_metadata || path.contains("openid") => {
            StatusCode::NOT_FOUND.into_response()
        }
        None if s.defects.no_transform => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "public, no-transform"),
            ],
            generated(s).to_string(),
        )
            .into_response(),
        None if s.defects.text_plain_metadata => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain")],
            generated(s).to_string(),
        )
            .into_response(),
        None => json_response(StatusCode::OK, generated(s).to_string()),
    }
}

async fn register(State(s): State<Site>, body: String) -> Response {
    let asked: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if s.defects.refuses_public_registration && asked["token_endpoint_auth_method"] == "none" {
        let e = r#"{"error":"invalid_client_metadata","error_description":"public clients are not allowed"}"#;
        return json_response(StatusCode::BAD_REQUEST, e.into());
    }
    let mut client = json!({"client_id": "test-client-1", "token_endpoint_auth_method": "none", "redirect_uris": asked["redirect_uris"]});
    if s.defects.registration_secret {
        client["token_endpoint_auth_method"] = "client_secret_basic".into();
        client["client_secret"] = "test-secret".into();
    }
    json_response(StatusCode::CREATED, client.to_string())
}

async fn token(State(s): State<Site>, body: String) -> Response {
    s.grants.token(s.defects, &body)
}

async fn authorize(State(s): State<Site>, RawQuery(query): RawQuery) -> Response {
    let issuer = if s.defects.issuer_trailing_slash {
        format!("{}/", s.base)
    } else {
        s.base.clone()
    };
    s.grants
        .authorize(s.defects, &issuer, query.as_deref().unwrap_or(""))
}
