//! The opt-in active probe (`--register`): register a throwaway public
//! client, then send the token endpoint a made-up code with only the
//! `client_id` and a PKCE verifier. No real credential is ever sent.

use super::client::Client;
use super::discovery::Doc;
use super::findings::{Evidence, Finding};
use serde_json::{json, Value};
use url::Url;

/// The redirect URI registered: loopback, and nothing listens there.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/oauth-metadata-repair-check/callback";
/// The made-up authorization code sent to the token endpoint.
pub const MADE_UP_CODE: &str = "oauth-metadata-repair-check-made-up-code";
/// A PKCE verifier of the legal length (RFC 7636 §4.1), for no real login.
pub const VERIFIER: &str = "oauth-metadata-repair-check-verifier-0123456789abcdef";

/// The probe's findings (empty when the metadata names no endpoints to probe).
pub async fn probe(client: &mut Client, server: &Doc) -> Vec<Finding> {
    let endpoint = |name: &str| {
        let url = server.members.get(name).and_then(Value::as_str)?;
        Url::parse(url).ok()
    };
    let Some(register) = endpoint("registration_endpoint") else {
        return vec![Finding::warn(
            "probe.registration",
            "not probed: the metadata lists no registration_endpoint",
        )
        .hurts(&[])
        .remedy("")];
    };
    let body = json!({
        "client_name": "oauth-metadata-repair check (throwaway, safe to delete)",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    });
    let result = client
        .post(
            &register,
            &[
                ("content-type", "application/json"),
                ("accept", "application/json"),
            ],
            body.to_string().into_bytes(),
            "--register: register a throwaway public client",
        )
        .await;
    let answer = match result {
        Ok(a) => a,
        Err(e) => {
            return vec![Finding::fail(
                "probe.registration",
                format!("registration got no answer: {e}"),
            )
            .with(Evidence::answer(register.as_str(), e.to_string()))]
        }
    };
    let registered = answer.json().filter(|_| answer.status.is_success());
    let Some(client_id) = registered
        .as_ref()
        .and_then(|r| r.get("client_id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        let excerpt =
            String::from_utf8_lossy(&answer.body[..answer.body.len().min(200)]).into_owned();
        return vec![Finding::fail(
            "probe.registration",
            format!(
                "registering a public client was refused: {} {excerpt}",
                answer.status
            ),
        )
        .with(Evidence::answer(register.as_str(), excerpt))];
    };
    let registered = registered.unwrap_or(Value::Null);
    let method = registered
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str);
    let secret = registered
        .get("client_secret")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    let said = format!(
        "registered a throwaway client {client_id:?} (asked for a public client; safe to delete)",
    );
    let registration = match (method, secret) {
        (Some("none") | None, false) => Finding::pass(
            "probe.registration",
            format!("{said}: answered as a public client, no secret"),
        ),
        _ => Finding::warn(
            "probe.registration",
            format!(
                "{said}: answered token_endpoint_auth_method {}, {}",
                method.unwrap_or("(absent)"),
                if secret {
                    "and issued a client secret"
                } else {
                    "no secret"
                }
            ),
        ),
    };
    let registration = registration.with(Evidence::member(
        register.as_str(),
        "token_endpoint_auth_method",
        method.map(|m| format!("{m:?}")),
    ));
    let Some(token) = endpoint("token_endpoint") else {
        return vec![registration];
    };
    vec![registration, token_probe(client, &token, &client_id).await]
}

/// POSTs the made-up code with only `client_id` and the verifier.
async fn token_probe(client: &mut Client, token: &Url, client_id: &str) -> Finding {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", MADE_UP_CODE)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("client_id", client_id)
        .append_pair("code_verifier", VERIFIER)
        .finish();
    let result = client
        .post(
            token,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "application/json"),
            ],
            form.into_bytes(),
            "--register: token request with a made-up code, no secret",
        )
        .await;
    let answer = match result {
        Ok(a) => a,
        Err(e) => {
            return Finding::fail(
                "probe.public-client",
                format!("the token endpoint gave no answer: {e}"),
            )
            .with(Evidence::answer(token.as_str(), e.to_string()))
        }
    };
    let error = answer
        .json()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned));
    let ev = Evidence::member(
        token.as_str(),
        "error",
        error.as_ref().map(|e| format!("{e:?}")),
    );
    let status = answer.status;
    match error.as_deref() {
        Some("invalid_grant") => Finding::pass(
            "probe.public-client",
            "invalid_grant for a made-up code without a secret: public clients are accepted, so the advertisement is the only problem (the proxy fixes it)",
        ),
        Some(e @ ("invalid_client" | "unauthorized_client")) => Finding::fail(
            "probe.public-client",
            format!("{e}: the server refuses public clients; no rewrite can help, and this is what becomes \"Existing OAuth client information is required when exchanging an authorization code\""),
        ),
        Some(e) => Finding::warn(
            "probe.public-client",
            format!("{status} {e}: neither invalid_grant (public clients accepted) nor invalid_client (refused)"),
        ),
        None if status.is_success() => Finding::warn(
            "probe.public-client",
            format!("{status} for a made-up code: the server issued something for a code it never issued"),
        )
        .remedy("the token endpoint must check the authorization code"),
        None => Finding::warn(
            "probe.public-client",
            format!("{status} without an OAuth error member: cannot tell whether public clients are accepted"),
        ),
    }
    .with(ev)
}
