//! `--login`: a real login as a public client, the way Claude Code and
//! Gemini CLI make it, one finding per step with the clients each breaks.
//!
//! Dynamic registration (`token_endpoint_auth_method: "none"`,
//! `application_type: "native"`) with a [`callback`] on an ephemeral
//! `127.0.0.1` port; the authorization URL with PKCE S256 ([`pkce`]),
//! `state`, `resource` and the challenged scope, opened by the [`browser`];
//! at the callback `state`, `error` and the RFC 9207 `iss` table; the code
//! exchange without a secret and the token response ([`token`]); one MCP
//! session with the token ([`mcp`]). The token is never printed or stored.

pub mod browser;
pub mod callback;
pub mod mcp;
pub mod pkce;
pub mod token;

use super::client::Client;
use super::discovery::{Discovery, Doc, Target};
use super::findings::server::{advertises_iss, safe_to_send};
use super::findings::{Evidence, Finding};
use super::probe;
use super::Stop;
use serde_json::Value;
use std::time::Duration;
use url::Url;

/// Every step's finding id, in order.
pub const STEPS: [&str; 9] = [
    "login.registration",
    "login.authorization",
    "login.iss",
    "login.token-exchange",
    "login.token-response",
    "login.token-type",
    "login.token-no-store",
    "login.mcp-request",
    "login.discover",
];

/// How to log in.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--browser CMD`.
    pub browser: Option<String>,
    /// `--login-timeout`: how long to wait for the redirect back.
    pub wait: Duration,
}

/// What the login did.
#[derive(Debug, Clone, Default)]
pub struct Login {
    /// One finding per step (a step not reached is INFO, with why).
    pub findings: Vec<Finding>,
    /// True when a client was registered.
    pub registered: bool,
    /// True when registration handed out a client secret.
    pub secret: bool,
    /// True when a token was obtained.
    pub logged_in: bool,
}

impl Login {
    /// Fills the steps not reached with an INFO saying why, in step order.
    fn rest(mut self, why: &str) -> Self {
        for id in STEPS {
            if !self.findings.iter().any(|f| f.id == id) {
                self.findings
                    .push(Finding::info(id, format!("not attempted: {why}")));
            }
        }
        let position = |id: &str| STEPS.iter().position(|s| *s == id);
        self.findings.sort_by_key(|f| position(f.id));
        self
    }
}

/// Logs in to the server `found` describes.
///
/// # Errors
///
/// [`Stop`] when no redirect came back within the wait, or the loopback
/// listener cannot be bound.
pub async fn login(client: &mut Client, found: &Discovery, opts: &Options) -> Result<Login, Stop> {
    let mut out = Login::default();
    let Target::Mcp(mcp) = &found.target else {
        return Err(Stop(
            "--login needs the MCP endpoint's URL, not --issuer".into(),
        ));
    };
    let Some(doc) = &found.server else {
        return Ok(out.rest("no authorization-server metadata"));
    };
    let url = |name: &str| {
        doc.members
            .get(name)
            .and_then(Value::as_str)
            .and_then(|u| Url::parse(u).ok())
    };
    let (Some(register), Some(authorize), Some(token_url)) = (
        url("registration_endpoint"),
        url("authorization_endpoint"),
        url("token_endpoint"),
    ) else {
        return Ok(out.rest(
            "the metadata lacks registration_endpoint, authorization_endpoint or token_endpoint",
        ));
    };
    if let Some(plain) = [&register, &authorize, &token_url]
        .into_iter()
        .find(|u| !safe_to_send(u))
    {
        return Ok(out.rest(&format!(
            "{plain} is plain http outside loopback (see server.https)"
        )));
    }
    let callback = callback::Callback::bind()
        .await
        .map_err(|e| Stop(format!("--login: cannot listen on 127.0.0.1: {e}")))?;
    let redirect_uri = callback.redirect_uri.clone();
    let purpose = "--login: register a native public client";
    let registered = match probe::register(client, &register, &redirect_uri, true, purpose).await {
        Ok(r) => r,
        Err((summary, ev)) => {
            out.findings
                .push(Finding::fail("login.registration", summary).with(ev));
            return Ok(out.rest("no client was registered"));
        }
    };
    out.registered = true;
    out.secret = registered.secret;
    out.findings.push(Finding::pass(
        "login.registration",
        format!("registered client {:?} as a native public client with redirect URI {redirect_uri} (safe to delete)", registered.client_id),
    ));
    let secrets = pkce::Pkce::new().map_err(Stop)?;
    let resource = resource(found, mcp);
    let mut auth_url = authorize.clone();
    {
        let mut q = auth_url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &registered.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("code_challenge", &secrets.challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &secrets.state)
            .append_pair("resource", &resource);
        if let Some(scope) = scope(found) {
            q.append_pair("scope", &scope);
        }
    }
    let how = browser::open(auth_url.as_str(), opts.browser.as_deref());
    let Some(params) = callback.wait(opts.wait).await else {
        return Err(Stop(format!(
            "--login: no redirect came back to {redirect_uri} within {} s (the authorization URL was opened with {how}); log in there, or raise --login-timeout",
            opts.wait.as_secs()
        )));
    };
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    out.findings.push(iss(doc, param("iss"), &redirect_uri));
    let Some(code) = authorization(&mut out, &param, &secrets.state, &redirect_uri) else {
        return Ok(out.rest("the authorization response carried no usable code"));
    };
    let grant = token::Grant {
        endpoint: &token_url,
        code: &code,
        redirect_uri: &redirect_uri,
        client_id: &registered.client_id,
        verifier: &secrets.verifier,
        resource: &resource,
    };
    let exchanged = token::exchange(client, &grant).await;
    out.findings.extend(exchanged.findings);
    let Some(token) = exchanged.token else {
        return Ok(out.rest("no access token"));
    };
    out.logged_in = true;
    out.findings
        .extend(mcp::requests(client, mcp, &token).await);
    Ok(out.rest("an earlier step failed"))
}

/// `login.authorization`; the code when the response is a success with our `state`.
fn authorization<'a>(
    out: &mut Login,
    param: &impl Fn(&str) -> Option<&'a str>,
    state: &str,
    at: &str,
) -> Option<String> {
    let f = if let Some(error) = param("error") {
        let description = param("error_description").unwrap_or("");
        Finding::fail(
            "login.authorization",
            format!("the server answered error={error} {description}"),
        )
        .with(Evidence::member(at, "error", Some(format!("{error:?}"))))
    } else if param("state") != Some(state) {
        Finding::fail(
            "login.authorization",
            "the redirect's state is not the one sent",
        )
        .with(Evidence::member(
            at,
            "state",
            param("state").map(|s| format!("{s:?}")),
        ))
    } else if !param("code").is_some_and(|c| !c.is_empty()) {
        Finding::fail("login.authorization", "the redirect carries no code")
            .with(Evidence::member(at, "code", None))
    } else {
        let code = param("code").map(str::to_owned);
        out.findings.push(Finding::pass(
            "login.authorization",
            "the browser step redirected back with a code and the same state",
        ));
        return code;
    };
    out.findings.push(f);
    None
}

/// `login.iss`: the 2026-07-28 table at the callback.
fn iss(doc: &Doc, iss: Option<&str>, at: &str) -> Finding {
    let advertised = advertises_iss(doc);
    let issuer = doc
        .members
        .get("issuer")
        .and_then(Value::as_str)
        .unwrap_or("");
    let ev = Evidence::member(at, "iss", iss.map(|i| format!("{i:?}")));
    match (iss, advertised) {
        (Some(i), _) if i == issuer => Finding::pass("login.iss", format!("iss is the issuer {issuer}")),
        (Some(i), _) => Finding::fail("login.iss", format!("iss {i:?} is not the issuer {issuer:?}")).with(ev),
        (None, true) => Finding::fail(
            "login.iss",
            "no iss on the authorization response, while the metadata advertises authorization_response_iss_parameter_supported",
        )
        .with(ev),
        (None, false) => Finding::warn(
            "login.iss",
            "no iss on the authorization response (not advertised either): Gemini CLI and Qwen Code refuse the login",
        )
        .hurts(&[super::findings::catalogue::GEMINI_NO_ISS, super::findings::catalogue::QWEN_NO_ISS])
        .with(ev),
    }
}

/// The RFC 8707 `resource`: the protected-resource metadata's `resource`,
/// else the MCP URL.
fn resource(found: &Discovery, mcp: &Url) -> String {
    let doc = found.resource.as_ref();
    let named = doc
        .and_then(|d| d.members.get("resource"))
        .and_then(Value::as_str);
    named.map_or_else(|| mcp.to_string(), str::to_owned)
}

/// The challenged scope, else the protected-resource metadata's `scopes_supported`.
fn scope(found: &Discovery) -> Option<String> {
    if let Some(s) = found.initialize.as_ref().and_then(|i| i.param("scope")) {
        return Some(s.to_owned());
    }
    let scopes = found
        .resource
        .as_ref()?
        .members
        .get("scopes_supported")?
        .as_array()?;
    let scopes: Vec<&str> = scopes.iter().filter_map(Value::as_str).collect();
    (!scopes.is_empty()).then(|| scopes.join(" "))
}
