//! The opt-in active probe (`--register`): register a throwaway public
//! client, then send the token endpoint a made-up code with only the
//! `client_id` and a PKCE verifier. No real credential is ever sent.

use super::client::Client;
use super::discovery::Doc;
use super::findings::server::safe_to_send;
use super::findings::{Evidence, Finding};
use serde_json::{json, Value};
use url::Url;

/// The redirect URI registered: loopback, and nothing listens there.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/oauth-metadata-repair-check/callback";
/// The made-up authorization code sent to the token endpoint.
pub const MADE_UP_CODE: &str = "oauth-metadata-repair-check-made-up-code";
/// A PKCE verifier of the legal length (RFC 7636 §4.1), for no real login.
pub const VERIFIER: &str = "oauth-metadata-repair-check-verifier-0123456789abcdef";

/// A client the server registered.
#[derive(Debug, Clone)]
pub struct Registered {
    /// Its `client_id`.
    pub client_id: String,
    /// The `token_endpoint_auth_method` the server answered with.
    pub method: Option<String>,
    /// True when the server handed out a `client_secret` (never kept).
    pub secret: bool,
}

/// Registers a public client with `redirect_uri` (as a native application
/// when `native`, as 2026-07-28 clients do), for `purpose`.
///
/// # Errors
///
/// Why no client was registered: no answer, or a refusal with the status
/// and the start of the body, and the evidence.
pub async fn register(
    client: &mut Client,
    register: &Url,
    redirect_uri: &str,
    native: bool,
    purpose: &str,
) -> Result<Registered, (String, Evidence)> {
    let mut body = json!({
        "client_name": "oauth-metadata-repair check (throwaway, safe to delete)",
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    });
    if native {
        body["application_type"] = Value::from("native");
    }
    let headers = [
        ("content-type", "application/json"),
        ("accept", "application/json"),
    ];
    let answer = client
        .post(register, &headers, body.to_string().into_bytes(), purpose)
        .await
        .map_err(|e| {
            let e = e.to_string();
            (
                format!("registration got no answer: {e}"),
                Evidence::answer(register.as_str(), e),
            )
        })?;
    let registered = answer.json().filter(|_| answer.status.is_success());
    let client_id = registered
        .as_ref()
        .and_then(|r| r.get("client_id"))
        .and_then(Value::as_str);
    let Some(client_id) = client_id else {
        let excerpt =
            String::from_utf8_lossy(&answer.body[..answer.body.len().min(200)]).into_owned();
        return Err((
            format!(
                "registering a public client was refused: {} {excerpt}",
                answer.status
            ),
            Evidence::answer(register.as_str(), excerpt),
        ));
    };
    let member = |name: &str| registered.as_ref().and_then(|r| r.get(name));
    Ok(Registered {
        client_id: client_id.to_owned(),
        method: member("token_endpoint_auth_method")
            .and_then(Value::as_str)
            .map(str::to_owned),
        secret: member("client_secret")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty()),
    })
}

/// What the probe found, and whether the server handed out a secret.
#[derive(Debug, Clone, Default)]
pub struct Probed {
    /// `probe.registration` and `probe.public-client`.
    pub findings: Vec<Finding>,
    /// True when a client was registered.
    pub registered: bool,
    /// True when registration handed out a client secret.
    pub secret: bool,
}

/// `probe.public-client` when the token endpoint was not probed, and why.
#[must_use]
pub fn not_probed(why: &str) -> Finding {
    Finding::info("probe.public-client", format!("not probed: {why}"))
}

/// The probe's findings: `probe.registration`, and `probe.public-client`
/// (probed, or why not).
pub async fn probe(client: &mut Client, server: &Doc) -> Probed {
    let endpoint = |name: &str| {
        let url = server.members.get(name).and_then(Value::as_str)?;
        Url::parse(url).ok()
    };
    let mut out = Probed::default();
    let Some(register_url) = endpoint("registration_endpoint") else {
        let cimd =
            server.members.get("client_id_metadata_document_supported") == Some(&Value::Bool(true));
        let registration = if cimd {
            Finding::info(
                "probe.registration",
                "not probed: no registration_endpoint; clients that support client ID metadata documents log in without registering",
            )
        } else {
            Finding::warn(
                "probe.registration",
                "not probed: the metadata lists no registration_endpoint",
            )
            .hurts(&[])
            .remedy("")
        };
        out.findings = vec![registration, not_probed("no client could be registered")];
        return out;
    };
    if !safe_to_send(&register_url) {
        out.findings = vec![
            Finding::info(
                "probe.registration",
                format!(
                    "not probed: {register_url} is plain http outside loopback (see server.https)"
                ),
            ),
            not_probed("no client was registered"),
        ];
        return out;
    }
    let purpose = "--register: register a throwaway public client";
    let registered = match register(client, &register_url, REDIRECT_URI, false, purpose).await {
        Ok(r) => r,
        Err((summary, evidence)) => {
            out.findings = vec![
                Finding::fail("probe.registration", summary).with(evidence),
                not_probed("no client was registered"),
            ];
            return out;
        }
    };
    out.registered = true;
    out.secret = registered.secret;
    let said = format!(
        "registered a throwaway client {:?} (asked for a public client; safe to delete)",
        registered.client_id
    );
    let method = registered.method.as_deref();
    let registration = match (method, registered.secret) {
        (Some("none") | None, false) => Finding::pass(
            "probe.registration",
            format!("{said}: answered as a public client, no secret"),
        ),
        _ => Finding::warn(
            "probe.registration",
            format!(
                "{said}: answered token_endpoint_auth_method {}, {}",
                method.unwrap_or("(absent)"),
                if registered.secret {
                    "and issued a client secret"
                } else {
                    "no secret"
                }
            ),
        ),
    };
    let registration = registration.with(Evidence::member(
        register_url.as_str(),
        "token_endpoint_auth_method",
        method.map(|m| format!("{m:?}")),
    ));
    let public = match endpoint("token_endpoint") {
        Some(token) if !safe_to_send(&token) => not_probed(&format!(
            "{token} is plain http outside loopback (see server.https)"
        )),
        Some(token) => token_probe(client, &token, &registered.client_id).await,
        None => not_probed("the metadata lists no token_endpoint"),
    };
    out.findings = vec![registration, public];
    out
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
