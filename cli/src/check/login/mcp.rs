//! The MCP requests made with the token: `initialize` (offering 2026-07-28),
//! `notifications/initialized`, `tools/list`, and `server/discover` when the
//! server negotiated 2026-07-28. A 401 or 403 means the token was issued
//! for another resource or audience.

use crate::check::client::{Answer, Client};
use crate::check::findings::{Evidence, Finding};
use http::header::WWW_AUTHENTICATE;
use serde_json::{json, Value};
use url::Url;

/// The protocol revision whose clients ask `server/discover`.
pub const REVISION_2026: &str = "2026-07-28";

/// `login.mcp-request` and `login.discover`.
pub async fn requests(client: &mut Client, mcp: &Url, token: &str) -> Vec<Finding> {
    let bearer = format!("Bearer {token}");
    let mut session = Session {
        bearer,
        id: None,
        version: None,
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": REVISION_2026, "capabilities": {},
        "clientInfo": {"name": "oauth-metadata-repair-check", "version": "0"}}});
    let answer = match session
        .send(client, mcp, &init, "--login: initialize with the token")
        .await
    {
        Ok(a) => a,
        Err(f) => return vec![f, not_asked("initialize got no answer")],
    };
    if let Some(f) = refused(&answer, "initialize") {
        return vec![f, not_asked("the token was refused")];
    }
    let Some(initialized_with) = result(&answer, 1) else {
        let f = Finding::fail(
            "login.mcp-request",
            format!(
                "initialize with the token answered {} without a JSON-RPC result",
                answer.status
            ),
        );
        return vec![
            f.with(Evidence::answer(mcp.as_str(), excerpt(&answer))),
            not_asked("initialize failed"),
        ];
    };
    session.id = header(&answer, "mcp-session-id");
    session.version = initialized_with
        .get("protocolVersion")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let _ = session
        .send(
            client,
            mcp,
            &initialized,
            "--login: notifications/initialized",
        )
        .await;
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}});
    let listed = match session
        .send(client, mcp, &list, "--login: tools/list with the token")
        .await
    {
        Ok(answer) => match refused(&answer, "tools/list") {
            Some(f) => f,
            None => match result(&answer, 2) {
                Some(r) => {
                    let tools = r.get("tools").and_then(Value::as_array).map_or(0, Vec::len);
                    let s = if tools == 1 { "" } else { "s" };
                    Finding::pass(
                        "login.mcp-request",
                        format!(
                            "initialize and tools/list answered with the token ({tools} tool{s})"
                        ),
                    )
                }
                None => Finding::fail(
                    "login.mcp-request",
                    format!(
                        "tools/list answered {} without a JSON-RPC result",
                        answer.status
                    ),
                )
                .with(Evidence::answer(mcp.as_str(), excerpt(&answer))),
            },
        },
        Err(f) => f,
    };
    let version = session
        .version
        .clone()
        .unwrap_or_else(|| "(none)".to_owned());
    if version != REVISION_2026 {
        return vec![
            listed,
            Finding::info(
                "login.discover",
                format!("not asked: the server negotiated protocol version {version}, not {REVISION_2026}"),
            ),
        ];
    }
    let discover = json!({"jsonrpc": "2.0", "id": 3, "method": "server/discover", "params": {}});
    let discovered = match session.send(client, mcp, &discover, "--login: server/discover (2026-07-28)").await {
        Ok(answer) => match (refused(&answer, "server/discover"), result(&answer, 3)) {
            (Some(f), _) => relabel(f),
            (None, Some(_)) => Finding::pass("login.discover", "server/discover answered with the token"),
            (None, None) => Finding::fail(
                "login.discover",
                format!("the server negotiated {REVISION_2026} but server/discover answered {} without a result", answer.status),
            )
            .with(Evidence::answer(mcp.as_str(), excerpt(&answer))),
        },
        Err(f) => relabel(f),
    };
    vec![listed, discovered]
}

/// A `login.mcp-request` finding about `server/discover`, as `login.discover`.
fn relabel(f: Finding) -> Finding {
    let mut out = Finding::new("login.discover", f.severity, f.summary);
    out.evidence = f.evidence;
    out
}

fn not_asked(why: &str) -> Finding {
    Finding::info("login.discover", format!("not asked: {why}"))
}

/// What the requests of one MCP session share.
struct Session {
    bearer: String,
    id: Option<String>,
    version: Option<String>,
}

impl Session {
    async fn send(
        &self,
        client: &mut Client,
        mcp: &Url,
        body: &Value,
        purpose: &str,
    ) -> Result<Answer, Finding> {
        let mut headers = vec![
            ("authorization", self.bearer.as_str()),
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ];
        if let Some(id) = &self.id {
            headers.push(("mcp-session-id", id));
        }
        if let Some(v) = &self.version {
            headers.push(("mcp-protocol-version", v));
        }
        client
            .post(mcp, &headers, body.to_string().into_bytes(), purpose)
            .await
            .map_err(|e| {
                Finding::fail(
                    "login.mcp-request",
                    format!("no answer with the token: {e}"),
                )
                .with(Evidence::answer(mcp.as_str(), e.to_string()))
            })
    }
}

/// A FAIL when the token was refused (401 or 403).
fn refused(answer: &Answer, method: &str) -> Option<Finding> {
    let status = answer.status.as_u16();
    if status != 401 && status != 403 {
        return None;
    }
    let challenge = header(answer, WWW_AUTHENTICATE.as_str());
    let f = Finding::fail(
        "login.mcp-request",
        format!("{method} with the fresh token answered {status}: the token was issued for another resource or audience than this MCP server"),
    );
    Some(f.with(Evidence::member(
        answer.url.as_str(),
        "WWW-Authenticate",
        challenge,
    )))
}

fn header(answer: &Answer, name: &str) -> Option<String> {
    let value = answer.headers.get(name)?.to_str().ok()?;
    Some(value.to_owned())
}

/// The `result` of the JSON-RPC response with `id`, from a JSON body or
/// from the `data:` lines of an event stream.
fn result(answer: &Answer, id: u64) -> Option<Value> {
    if !answer.status.is_success() || answer.truncated {
        return None;
    }
    let body = String::from_utf8_lossy(&answer.body);
    let messages: Vec<Value> = if answer.media_type().as_deref() == Some("text/event-stream") {
        body.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect()
    } else {
        serde_json::from_str(&body).into_iter().collect()
    };
    messages
        .into_iter()
        .find(|m| m.get("id").and_then(Value::as_u64) == Some(id))
        .and_then(|m| m.get("result").cloned())
        .filter(Value::is_object)
}

/// The start of a body, printable (an MCP answer holds no credential).
fn excerpt(answer: &Answer) -> String {
    let text = String::from_utf8_lossy(&answer.body[..answer.body.len().min(120)]);
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}
