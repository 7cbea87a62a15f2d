//! rmcp's own OAuth client as an MCP application uses it: `OAuthState`
//! discovers the server, registers dynamically (rmcp decides the method),
//! runs the authorization code flow with PKCE, then an `AuthClient` carries
//! the token over Streamable HTTP to call the `add` tool.
//!
//!     interop-rmcp-client MCP_URL
//!
//! The "browser" step is done here: the test servers approve at once, so the
//! authorization URL's redirect is read and handed to rmcp as its callback.
//! Every OAuth request goes through a recorder wrapped around rmcp's default
//! HTTP client, which keeps the registration exchange to report what was
//! registered. Prints one JSON line: the registered method, whether a secret
//! was issued, whether the login finished and whether the tool call worked.

use std::sync::{Arc, Mutex};

use rmcp::model::CallToolRequestParams;
use rmcp::transport::auth::{
    default_oauth_http_client, AuthClient, AuthorizationRequest, OAuthHttpClient,
    OAuthHttpClientFuture, OAuthHttpRequest, OAuthState,
};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;
use serde_json::{json, Value};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// The registration request and response bodies, as JSON.
#[derive(Default)]
struct Seen {
    request: Option<Value>,
    response: Option<Value>,
}

struct Recorder<C> {
    inner: C,
    seen: Arc<Mutex<Seen>>,
}

impl<C: OAuthHttpClient> OAuthHttpClient for Recorder<C> {
    fn execute(&self, request: OAuthHttpRequest) -> OAuthHttpClientFuture<'_> {
        let body: Option<Value> = serde_json::from_slice(request.request.body()).ok();
        let registration = body
            .as_ref()
            .is_some_and(|b| b.get("redirect_uris").is_some());
        Box::pin(async move {
            let response = self.inner.execute(request).await?;
            if registration {
                let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
                seen.request = body;
                seen.response = serde_json::from_slice(response.body()).ok();
            }
            Ok(response)
        })
    }
}

async fn login_and_call(
    url: &str,
    seen: Arc<Mutex<Seen>>,
    result: &mut Value,
) -> Result<(), String> {
    let inner = default_oauth_http_client().map_err(|e| format!("http client: {e}"))?;
    let recorder = Arc::new(Recorder { inner, seen });
    let mut state = OAuthState::new_with_oauth_http_client(url, recorder)
        .await
        .map_err(|e| format!("discovery: {e}"))?;
    let request = AuthorizationRequest::new(REDIRECT)
        .with_client_name("interop rmcp client")
        .with_scopes(["user"]);
    state
        .start_authorization(request)
        .await
        .map_err(|e| format!("registration: {e}"))?;
    let authorize = state
        .get_authorization_url()
        .await
        .map_err(|e| format!("authorization url: {e}"))?;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("browser: {e}"))?;
    let answer = browser
        .get(&authorize)
        .send()
        .await
        .map_err(|e| format!("authorize: {e}"))?;
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("authorize answered {} without a redirect", answer.status()))?
        .to_owned();
    state
        .handle_callback_url(&location)
        .await
        .map_err(|e| format!("token: {e}"))?;
    let manager = state
        .into_authorization_manager()
        .ok_or("not authorized after the callback")?;
    result["login"] = json!(true);

    let client = AuthClient::new(reqwest::Client::default(), manager);
    let transport = StreamableHttpClientTransport::with_client(
        client,
        StreamableHttpClientTransportConfig::with_uri(url),
    );
    let session = ().serve(transport).await.map_err(|e| format!("initialize: {e}"))?;
    let tools = session
        .list_all_tools()
        .await
        .map_err(|e| format!("tools/list: {e}"))?;
    let mut params = CallToolRequestParams::new("add");
    params.arguments = json!({"a": 2, "b": 3}).as_object().cloned();
    let out = session
        .call_tool(params)
        .await
        .map_err(|e| format!("tools/call: {e}"))?;
    let text: String = out
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect();
    result["tool"] = json!(tools.iter().any(|t| t.name == "add") && text.trim() == "5");
    let _ = session.cancel().await;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).unwrap_or_default();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut result = json!({"method": null, "secret": false, "login": false, "tool": false});
    if let Err(e) = login_and_call(&url, Arc::clone(&seen), &mut result).await {
        result["error"] = json!(e.chars().take(300).collect::<String>());
    }
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    let asked = seen
        .request
        .as_ref()
        .and_then(|r| r.get("token_endpoint_auth_method"))
        .cloned();
    if let Some(response) = &seen.response {
        result["method"] = response
            .get("token_endpoint_auth_method")
            .cloned()
            .or(asked)
            .unwrap_or(Value::Null);
        result["secret"] = json!(response
            .get("client_secret")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty()));
    }
    println!("{result}");
}
