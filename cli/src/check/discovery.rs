//! Discovery as MCP clients do it (MCP authorization spec 2025-11-25): an
//! unauthenticated `initialize`, protected-resource metadata (RFC 9728),
//! `authorization_servers[0]`, then authorization-server metadata at each
//! placement in the clients' order (RFC 8414 path insertion, `OpenID`
//! insertion, `OpenID` appending; the two root forms for an issuer without
//! a path).

use super::challenge::bearer_params;
use super::client::{Answer, Client, Failure};
use http::header::WWW_AUTHENTICATE;
use serde_json::{Map, Value};
use url::Url;

/// Where a check starts.
#[derive(Debug, Clone)]
pub enum Target {
    /// An MCP endpoint.
    Mcp(Url),
    /// An authorization server's issuer identifier, as given.
    Issuer(String),
}

/// One request of discovery and what it gave.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// What was asked for.
    pub url: Url,
    /// The answer, or why there was none.
    pub result: Result<Answer, Failure>,
}

/// A discovery document that was found: a JSON object from a `200`.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Where it was found (as requested, before redirects).
    pub url: Url,
    /// The answer that carried it.
    pub answer: Answer,
    /// Its top-level members.
    pub members: Map<String, Value>,
}

/// The MCP endpoint's answer to an unauthenticated `initialize`.
#[derive(Debug, Clone)]
pub struct Initialize {
    /// The answer (or why none came).
    pub fetched: Fetched,
    /// The `WWW-Authenticate` header, when the answer had one.
    pub www_authenticate: Option<String>,
    /// The `Bearer` challenge's parameters, when there was one.
    pub bearer: Option<Vec<(String, String)>>,
}

impl Initialize {
    /// A parameter of the `Bearer` challenge.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&str> {
        let params = self.bearer.as_ref()?;
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Everything discovery saw.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// Where it started.
    pub target: Target,
    /// The `initialize` answer (MCP targets only).
    pub initialize: Option<Initialize>,
    /// Each protected-resource metadata request, in order.
    pub resource_tries: Vec<Fetched>,
    /// The protected-resource metadata found.
    pub resource: Option<Doc>,
    /// The authorization server's identifier and where it came from.
    pub issuer: Option<(String, &'static str)>,
    /// Each authorization-server metadata request, in order.
    pub server_tries: Vec<Fetched>,
    /// The authorization-server metadata found.
    pub server: Option<Doc>,
}

/// Why discovery could not start: the first request got no HTTP answer.
#[derive(Debug, Clone)]
pub struct Unreachable(pub String);

/// The JSON-RPC `initialize` an MCP client sends first.
const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"oauth-metadata-repair-check","version":"0"}}}"#;

/// Runs discovery from `target`.
///
/// # Errors
///
/// [`Unreachable`] when the very first request gets no HTTP answer
/// (connection refused, not HTTP, timeout).
pub async fn discover(client: &mut Client, target: Target) -> Result<Discovery, Unreachable> {
    let mut found = Discovery {
        target: target.clone(),
        initialize: None,
        resource_tries: Vec::new(),
        resource: None,
        issuer: None,
        server_tries: Vec::new(),
        server: None,
    };
    let issuer = match &target {
        Target::Issuer(issuer) => {
            found.issuer = Some((issuer.clone(), "--issuer"));
            issuer.clone()
        }
        Target::Mcp(mcp) => {
            let init = initialize(client, mcp).await;
            if let Err(e @ (Failure::Connect(_) | Failure::Protocol(_) | Failure::Timeout)) =
                &init.fetched.result
            {
                return Err(Unreachable(format!("{mcp}: {e}")));
            }
            let header_url = init
                .param("resource_metadata")
                .and_then(|u| mcp.join(u).ok());
            found.initialize = Some(init);
            for url in resource_urls(mcp, header_url) {
                let tries = &mut found.resource_tries;
                found.resource = fetch_doc(client, url, "protected-resource metadata", tries).await;
                if found.resource.is_some() {
                    break;
                }
            }
            match first_server(found.resource.as_ref()) {
                Some(issuer) => {
                    found.issuer = Some((issuer.clone(), "authorization_servers[0]"));
                    issuer
                }
                None if found.resource.is_none() => {
                    // The 2025-03-26 fallback the SDKs keep: the MCP
                    // server's origin is the authorization server.
                    let origin = format!("{}/", mcp.origin().ascii_serialization());
                    found.issuer = Some((
                        origin.clone(),
                        "the MCP server's origin (no protected-resource metadata)",
                    ));
                    origin
                }
                None => return Ok(found),
            }
        }
    };
    let Ok(base) = Url::parse(&issuer) else {
        if matches!(target, Target::Issuer(_)) {
            return Err(Unreachable(format!("{issuer}: not a URL")));
        }
        return Ok(found);
    };
    for url in server_urls(&base) {
        let tries = &mut found.server_tries;
        found.server = fetch_doc(client, url, "authorization-server metadata", tries).await;
        if let [Fetched {
            url,
            result: Err(e),
        }] = tries.as_slice()
        {
            let unanswered = matches!(
                e,
                Failure::Connect(_) | Failure::Protocol(_) | Failure::Timeout
            );
            if unanswered && matches!(target, Target::Issuer(_)) {
                return Err(Unreachable(format!("{url}: {e}")));
            }
        }
        if found.server.is_some() {
            break;
        }
    }
    Ok(found)
}

async fn initialize(client: &mut Client, mcp: &Url) -> Initialize {
    let result = client
        .post(
            mcp,
            &[
                ("content-type", "application/json"),
                ("accept", "application/json, text/event-stream"),
            ],
            INITIALIZE.as_bytes().to_vec(),
            "mcp initialize, no token",
        )
        .await;
    let www_authenticate = result
        .as_ref()
        .ok()
        .map(|a| {
            let values = a.headers.get_all(WWW_AUTHENTICATE).iter();
            let values: Vec<&str> = values.filter_map(|v| v.to_str().ok()).collect();
            values.join(", ")
        })
        .filter(|v| !v.is_empty());
    let bearer = www_authenticate.as_deref().and_then(bearer_params);
    Initialize {
        fetched: Fetched {
            url: mcp.clone(),
            result,
        },
        www_authenticate,
        bearer,
    }
}

/// The header's URL, else `/.well-known/oauth-protected-resource<path>`,
/// else the root form (RFC 9728 §3.1; MCP 2025-11-25).
#[must_use]
pub fn resource_urls(mcp: &Url, header: Option<Url>) -> Vec<Url> {
    let mut urls: Vec<Url> = header.into_iter().collect();
    let path = mcp.path().trim_end_matches('/');
    let mut push = |p: String| {
        let mut url = mcp.clone();
        url.set_path(&p);
        url.set_query(None);
        url.set_fragment(None);
        if !urls.contains(&url) {
            urls.push(url);
        }
    };
    if !path.is_empty() {
        push(format!("/.well-known/oauth-protected-resource{path}"));
    }
    push("/.well-known/oauth-protected-resource".to_owned());
    urls
}

/// The placements clients try for an issuer, in their order.
#[must_use]
pub fn server_urls(issuer: &Url) -> Vec<Url> {
    let path = issuer.path().trim_end_matches('/');
    let with = |p: &str| {
        let mut url = issuer.clone();
        url.set_path(p);
        url.set_query(None);
        url.set_fragment(None);
        url
    };
    if path.is_empty() {
        return vec![
            with("/.well-known/oauth-authorization-server"),
            with("/.well-known/openid-configuration"),
        ];
    }
    vec![
        with(&format!("/.well-known/oauth-authorization-server{path}")),
        with(&format!("/.well-known/openid-configuration{path}")),
        with(&format!("{path}/.well-known/openid-configuration")),
    ]
}

/// GETs `url` for `purpose`, records it in `tries`, and returns the
/// document it holds.
async fn fetch_doc(
    client: &mut Client,
    url: Url,
    purpose: &str,
    tries: &mut Vec<Fetched>,
) -> Option<Doc> {
    let result = client.get(&url, purpose).await;
    let fetched = Fetched { url, result };
    let doc = as_doc(&fetched);
    tries.push(fetched);
    doc
}

/// The document in a fetch: a `200` whose body, read whole, is a JSON object.
fn as_doc(fetched: &Fetched) -> Option<Doc> {
    let answer = fetched.result.as_ref().ok()?;
    if answer.status != http::StatusCode::OK {
        return None;
    }
    match answer.json()? {
        Value::Object(members) => Some(Doc {
            url: fetched.url.clone(),
            answer: answer.clone(),
            members,
        }),
        _ => None,
    }
}

/// `authorization_servers[0]`, when it is a string.
fn first_server(resource: Option<&Doc>) -> Option<String> {
    let servers = resource?.members.get("authorization_servers")?.as_array()?;
    Some(servers.first()?.as_str()?.to_owned())
}
