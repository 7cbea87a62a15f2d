//! The code exchange as a public client (`client_id` and the PKCE verifier,
//! no secret) and what the token response must be. The token itself is
//! never printed, stored or put in evidence.

use crate::check::client::{Answer, Client};
use crate::check::findings::{Evidence, Finding};
use http::header::CACHE_CONTROL;
use serde_json::Value;
use url::Url;

/// What the exchange gave: findings, and the access token when there is one.
#[derive(Debug)]
pub struct Exchanged {
    /// `login.token-exchange`, `login.token-response`, `login.token-type`,
    /// `login.token-no-store` (those reached).
    pub findings: Vec<Finding>,
    /// The access token, for the MCP request only.
    pub token: Option<String>,
}

/// The parameters of the exchange.
#[derive(Debug)]
pub struct Grant<'a> {
    /// The token endpoint.
    pub endpoint: &'a Url,
    /// The authorization code.
    pub code: &'a str,
    /// The registered redirect URI.
    pub redirect_uri: &'a str,
    /// The registered `client_id`.
    pub client_id: &'a str,
    /// The PKCE `code_verifier`.
    pub verifier: &'a str,
    /// The RFC 8707 `resource`.
    pub resource: &'a str,
}

/// Redeems the code and checks the token response.
pub async fn exchange(client: &mut Client, grant: &Grant<'_>) -> Exchanged {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", grant.code)
        .append_pair("redirect_uri", grant.redirect_uri)
        .append_pair("client_id", grant.client_id)
        .append_pair("code_verifier", grant.verifier)
        .append_pair("resource", grant.resource)
        .finish();
    let headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("accept", "application/json"),
    ];
    let purpose = "--login: redeem the code as a public client (no secret)";
    let at = grant.endpoint.as_str();
    let answer = match client
        .post(grant.endpoint, &headers, form.into_bytes(), purpose)
        .await
    {
        Ok(a) => a,
        Err(e) => {
            let f = Finding::fail(
                "login.token-exchange",
                format!("the token endpoint gave no answer: {e}"),
            );
            return Exchanged {
                findings: vec![f.with(Evidence::answer(at, e.to_string()))],
                token: None,
            };
        }
    };
    if !answer.status.is_success() {
        return Exchanged {
            findings: vec![refused(&answer, at)],
            token: None,
        };
    }
    let json = answer.json();
    let token = json
        .as_ref()
        .and_then(|v| v.get("access_token"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let mut findings = vec![Finding::pass(
        "login.token-exchange",
        format!(
            "{} for the code with client_id and the PKCE verifier, no secret",
            answer.status
        ),
    )];
    findings.push(response(&answer, json.as_ref(), token.is_some(), at));
    if let Some(json) = &json {
        findings.push(token_type(json, at));
    }
    findings.push(no_store(&answer, at));
    Exchanged { findings, token }
}

/// `login.token-exchange` for an error answer: the server's own error.
fn refused(answer: &Answer, at: &str) -> Finding {
    let json = answer.json();
    let member = |name: &str| {
        json.as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (error, description) = (member("error"), member("error_description"));
    let said = match (&error, &description) {
        (Some(e), Some(d)) => format!("{e}: {d}"),
        (Some(e), None) => e.clone(),
        _ => "no OAuth error member".to_owned(),
    };
    let summary = if error.as_deref() == Some("invalid_client") {
        format!("{} {said}: the server refuses public clients at the token endpoint; the TypeScript SDK turns this into \"Existing OAuth client information is required when exchanging an authorization code\"", answer.status)
    } else {
        format!("{} {said}", answer.status)
    };
    Finding::fail("login.token-exchange", summary).with(Evidence::member(
        at,
        "error",
        error.map(|e| format!("{e:?}")),
    ))
}

/// `login.token-response`: 200, `application/json`, an `access_token`.
fn response(answer: &Answer, json: Option<&Value>, token: bool, at: &str) -> Finding {
    let media = answer.media_type().unwrap_or_else(|| "(none)".to_owned());
    let problem = if answer.status != 200 {
        Some(format!("status {} is not 200", answer.status.as_u16()))
    } else if media != "application/json" {
        Some(format!("Content-Type {media} is not application/json"))
    } else if !json.is_some_and(Value::is_object) {
        Some(format!("the body ({media}) is not a JSON object"))
    } else if !token {
        Some("no access_token (a non-empty string)".to_owned())
    } else {
        None
    };
    match problem {
        None => Finding::pass(
            "login.token-response",
            "200 application/json with an access_token",
        ),
        Some(p) => Finding::fail("login.token-response", p).with(Evidence::member(
            at,
            "Content-Type",
            Some(media),
        )),
    }
}

/// `login.token-type`: `Bearer`, any case (RFC 6749 §5.1).
fn token_type(json: &Value, at: &str) -> Finding {
    let value = json.get("token_type");
    let ev = Evidence::member(at, "token_type", value.map(Value::to_string));
    match value.and_then(Value::as_str) {
        Some(t) if t.eq_ignore_ascii_case("bearer") => {
            Finding::pass("login.token-type", format!("token_type is {t}"))
        }
        Some(t) => Finding::fail(
            "login.token-type",
            format!("token_type is {t:?}, not Bearer"),
        ),
        None => Finding::fail("login.token-type", "token_type is missing or not a string"),
    }
    .with(ev)
}

/// `login.token-no-store`: `Cache-Control: no-store` (RFC 6749 §5.1).
fn no_store(answer: &Answer, at: &str) -> Finding {
    let values: Vec<&str> = answer
        .headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let present = values.iter().any(|v| {
        v.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
    });
    let ev = Evidence::member(
        at,
        "Cache-Control",
        (!values.is_empty()).then(|| values.join(", ")),
    );
    if present {
        Finding::pass("login.token-no-store", "Cache-Control: no-store")
    } else {
        Finding::fail(
            "login.token-no-store",
            "the token response has no Cache-Control: no-store",
        )
        .with(ev)
    }
}
