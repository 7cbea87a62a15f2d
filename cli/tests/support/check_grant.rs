//! The test server's working grant: an authorization endpoint that approves
//! at once (as if a person had logged in), a token endpoint that checks the
//! code, the client, the redirect URI and the PKCE verifier, and the MCP
//! requests a token opens. Each defect switch of [`Defects`] that only a
//! real login sees is honoured here.

use super::check_defects::Defects;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// One code handed out.
#[derive(Debug, Clone)]
struct Issued {
    client_id: String,
    redirect_uri: String,
    challenge: String,
}

/// Codes and tokens handed out.
#[derive(Debug, Default)]
pub struct Grants {
    codes: Mutex<HashMap<String, Issued>>,
    tokens: Mutex<Vec<String>>,
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

impl Grants {
    /// `GET /authorize`: approves at once and redirects back with a code,
    /// the client's state and `iss` (or not, per `d`).
    pub fn authorize(&self, d: Defects, issuer: &str, query: &str) -> Response {
        let q: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        if d.never_redirects {
            let page = "<!DOCTYPE html><html><body>Sign in (nobody will)</body></html>";
            return ([(header::CONTENT_TYPE, "text/html")], page).into_response();
        }
        let (Some(client_id), Some(redirect_uri), Some(challenge)) = (
            param(&q, "client_id"),
            param(&q, "redirect_uri"),
            param(&q, "code_challenge"),
        ) else {
            return (
                StatusCode::BAD_REQUEST,
                "missing client_id, redirect_uri or code_challenge",
            )
                .into_response();
        };
        if param(&q, "code_challenge_method") != Some("S256") || param(&q, "resource").is_none() {
            return (StatusCode::BAD_REQUEST, "S256 and resource are required").into_response();
        }
        let mut back = url::Url::parse(redirect_uri).unwrap();
        {
            let mut pairs = back.query_pairs_mut();
            if d.authorize_error {
                pairs.append_pair("error", "access_denied");
            } else {
                let code = format!("code-{}", self.codes.lock().unwrap().len() + 1);
                let issued = Issued {
                    client_id: client_id.to_owned(),
                    redirect_uri: redirect_uri.to_owned(),
                    challenge: challenge.to_owned(),
                };
                self.codes.lock().unwrap().insert(code.clone(), issued);
                pairs.append_pair("code", &code);
            }
            pairs.append_pair("state", param(&q, "state").unwrap_or(""));
            if d.wrong_iss {
                pairs.append_pair("iss", "http://127.0.0.1:1/not-the-issuer");
            } else if !d.no_iss_parameter && !d.iss_not_sent {
                pairs.append_pair("iss", issuer);
            }
        }
        (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
    }

    /// `POST /token`: a public client's code exchange.
    pub fn token(&self, d: Defects, body: &str) -> Response {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        assert!(
            param(&form, "client_secret").is_none(),
            "check sent a client secret"
        );
        let error =
            |e: &str| json_response(StatusCode::BAD_REQUEST, json!({ "error": e }).to_string());
        if d.refuses_public_clients {
            return error("invalid_client");
        }
        let code = param(&form, "code").unwrap_or("");
        let Some(issued) = self.codes.lock().unwrap().remove(code) else {
            return error("invalid_grant");
        };
        let verifier = param(&form, "code_verifier").unwrap_or("");
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        let good = URL_SAFE_NO_PAD.encode(digest) == issued.challenge
            && param(&form, "client_id") == Some(issued.client_id.as_str())
            && param(&form, "redirect_uri") == Some(issued.redirect_uri.as_str());
        if !good {
            return error("invalid_grant");
        }
        let mut tokens = self.tokens.lock().unwrap();
        let token = format!("test-token-{}", tokens.len() + 1);
        tokens.push(token.clone());
        let mut answer = json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600});
        if d.no_token_type {
            answer.as_object_mut().unwrap().remove("token_type");
        }
        let cache = if d.no_no_store { "private" } else { "no-store" };
        (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, cache),
            ],
            answer.to_string(),
        )
            .into_response()
    }

    /// True when `authorization` carries a token handed out here, and the
    /// MCP endpoint takes it.
    pub fn accepts(&self, d: Defects, authorization: Option<&str>) -> bool {
        let Some(token) = authorization.and_then(|a| a.strip_prefix("Bearer ")) else {
            return false;
        };
        !d.wrong_audience && self.tokens.lock().unwrap().iter().any(|t| t == token)
    }
}

/// An MCP request made with a good token: initialize (2026-07-28 when
/// offered), notifications, tools/list and server/discover.
pub fn mcp_request(body: &str) -> Response {
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let id = request.get("id").cloned();
    let result = match request["method"].as_str().unwrap_or("") {
        "initialize" => {
            let offered = request["params"]["protocolVersion"].as_str();
            let version = if offered == Some("2026-07-28") {
                "2026-07-28"
            } else {
                "2025-11-25"
            };
            json!({"protocolVersion": version, "capabilities": {"tools": {}}, "serverInfo": {"name": "t", "version": "0"}})
        }
        "tools/list" => json!({"tools": [{"name": "add", "inputSchema": {"type": "object"}}]}),
        "server/discover" => {
            json!({"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}}})
        }
        _ if id.is_none() => return StatusCode::ACCEPTED.into_response(),
        _ => {
            let e = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "Method not found"}});
            return json_response(StatusCode::OK, e.to_string());
        }
    };
    let answer = json!({"jsonrpc": "2.0", "id": id, "result": result});
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("mcp-session-id"),
                "session-1",
            ),
        ],
        answer.to_string(),
    )
        .into_response()
}
