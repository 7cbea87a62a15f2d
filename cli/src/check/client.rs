//! The discovery client: one request at a time, each bounded in time and
//! bytes, a bounded number of them, redirects followed a bounded number of
//! times, and every request and answer recorded for the report.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, LOCATION};
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::Serialize;
use std::time::Duration;
use url::Url;

/// Most requests one check sends (discovery needs about a dozen).
pub const MAX_REQUESTS: usize = 40;
/// Most body bytes read from one answer: discovery documents are a few KiB,
/// so 1 MiB is far beyond any real one and bounds what a peer can make us hold.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most redirects followed for one request (browsers and `fetch` allow 20;
/// a discovery document that needs more than 5 is broken anyway).
pub const MAX_REDIRECTS: usize = 5;

/// One request and what came back, as the report shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Exchange {
    /// `GET` or `POST`.
    pub method: String,
    /// The URL requested.
    pub url: String,
    /// Why it was sent (`"mcp initialize"`, `"protected-resource metadata"`...).
    pub purpose: String,
    /// The status code, when an answer came.
    pub status: Option<u16>,
    /// The `Content-Type`, when there was one.
    pub content_type: Option<String>,
    /// Body bytes read.
    pub bytes: usize,
    /// True when the body was longer than [`MAX_BODY_BYTES`] and reading stopped.
    pub truncated: bool,
    /// Why no (complete) answer came.
    pub error: Option<String>,
}

/// A complete answer: the last one after any redirects.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The URL that gave this answer (after redirects).
    pub url: Url,
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body, at most [`MAX_BODY_BYTES`].
    pub body: Bytes,
    /// True when the body was cut at [`MAX_BODY_BYTES`].
    pub truncated: bool,
    /// The redirects followed to get here, in order.
    pub redirects: Vec<Url>,
}

impl Answer {
    /// The media type, lower-cased, without parameters.
    #[must_use]
    pub fn media_type(&self) -> Option<String> {
        let value = self.headers.get(CONTENT_TYPE)?.to_str().ok()?;
        let media = value.split(';').next().unwrap_or("").trim();
        Some(media.to_ascii_lowercase())
    }

    /// The body as JSON, when it is JSON and was read whole.
    #[must_use]
    pub fn json(&self) -> Option<serde_json::Value> {
        if self.truncated {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }
}

/// Why a request gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Could not connect (refused, no route, DNS, TLS).
    Connect(String),
    /// Connected, but what came back is not HTTP, or the connection broke.
    Protocol(String),
    /// No answer within the timeout.
    Timeout,
    /// More than [`MAX_REDIRECTS`] redirects, or one that points nowhere.
    Redirects(String),
    /// [`MAX_REQUESTS`] requests were sent already.
    Budget,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connect(e) => write!(f, "cannot connect: {e}"),
            Self::Protocol(e) => write!(f, "no HTTP answer: {e}"),
            Self::Timeout => f.write_str("no answer within the timeout"),
            Self::Redirects(e) => f.write_str(e),
            Self::Budget => write!(f, "not sent: {MAX_REQUESTS} requests already sent"),
        }
    }
}

/// The client a check uses.
#[derive(Debug)]
pub struct Client {
    inner: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    log: Vec<Exchange>,
}

impl Client {
    /// A client trusting the public web roots plus `tls` (the proxy's own
    /// client configuration); `timeout` bounds each request.
    #[must_use]
    pub fn new(tls: rustls::ClientConfig, timeout: Duration) -> Self {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(timeout));
        http.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let inner = HyperClient::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_max_idle_per_host(0)
            .build(connector);
        Self {
            inner,
            timeout,
            log: Vec::new(),
        }
    }

    /// Every request sent so far, in order.
    #[must_use]
    pub fn log(&self) -> &[Exchange] {
        &self.log
    }

    /// A `GET` asking for JSON, following redirects.
    pub async fn get(&mut self, url: &Url, purpose: &str) -> Result<Answer, Failure> {
        self.send(
            Method::GET,
            url,
            &[("accept", "application/json")],
            None,
            purpose,
        )
        .await
    }

    /// A request with a body; 307 and 308 are followed with the same
    /// method, other redirects are answers.
    pub async fn post(
        &mut self,
        url: &Url,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        purpose: &str,
    ) -> Result<Answer, Failure> {
        self.send(Method::POST, url, headers, Some(Bytes::from(body)), purpose)
            .await
    }

    async fn send(
        &mut self,
        method: Method,
        url: &Url,
        headers: &[(&str, &str)],
        body: Option<Bytes>,
        purpose: &str,
    ) -> Result<Answer, Failure> {
        let mut url = url.clone();
        let mut redirects = Vec::new();
        loop {
            let mut answer = self
                .once(&method, &url, headers, body.clone(), purpose)
                .await?;
            let follow = match answer.status.as_u16() {
                307 | 308 => true,
                301..=303 => method == Method::GET,
                _ => false,
            };
            let next = answer
                .headers
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok());
            match next {
                Some(next) if follow => {
                    if redirects.len() == MAX_REDIRECTS {
                        return Err(Failure::Redirects(format!(
                            "more than {MAX_REDIRECTS} redirects (a redirect loop?), last to {next}"
                        )));
                    }
                    redirects.push(url);
                    url = next;
                }
                _ => {
                    answer.redirects = redirects;
                    return Ok(answer);
                }
            }
        }
    }

    async fn once(
        &mut self,
        method: &Method,
        url: &Url,
        headers: &[(&str, &str)],
        body: Option<Bytes>,
        purpose: &str,
    ) -> Result<Answer, Failure> {
        let mut exchange = Exchange {
            method: method.to_string(),
            url: url.to_string(),
            purpose: purpose.to_owned(),
            status: None,
            content_type: None,
            bytes: 0,
            truncated: false,
            error: None,
        };
        if self.log.len() >= MAX_REQUESTS {
            return Err(Failure::Budget);
        }
        let result = match request(method, url, headers, body) {
            Ok(req) => {
                match tokio::time::timeout(self.timeout, self.fetch(req, &mut exchange)).await {
                    Ok(result) => result,
                    Err(_) => Err(Failure::Timeout),
                }
            }
            Err(e) => Err(e),
        };
        match &result {
            Ok(answer) => {
                exchange.body_seen(answer);
            }
            Err(e) => exchange.error = Some(e.to_string()),
        }
        self.log.push(exchange);
        result.map(|(status, headers, body, truncated)| Answer {
            url: url.clone(),
            status,
            headers,
            body,
            truncated,
            redirects: Vec::new(),
        })
    }

    async fn fetch(
        &self,
        req: Request<Full<Bytes>>,
        exchange: &mut Exchange,
    ) -> Result<(StatusCode, HeaderMap, Bytes, bool), Failure> {
        let response = self.inner.request(req).await.map_err(|e| {
            if e.is_connect() {
                Failure::Connect(chain(&e))
            } else {
                Failure::Protocol(chain(&e))
            }
        })?;
        let (parts, mut body) = response.into_parts();
        exchange.status = Some(parts.status.as_u16());
        let mut read = Vec::new();
        let mut truncated = false;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| Failure::Protocol(chain(&e)))?;
            if let Ok(data) = frame.into_data() {
                let room = MAX_BODY_BYTES - read.len();
                if data.len() > room {
                    read.extend_from_slice(&data[..room]);
                    truncated = true;
                    break;
                }
                read.extend_from_slice(&data);
            }
        }
        Ok((parts.status, parts.headers, Bytes::from(read), truncated))
    }
}

impl Exchange {
    fn body_seen(&mut self, answer: &(StatusCode, HeaderMap, Bytes, bool)) {
        self.status = Some(answer.0.as_u16());
        self.content_type = answer
            .1
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.bytes = answer.2.len();
        self.truncated = answer.3;
    }
}

fn request(
    method: &Method,
    url: &Url,
    headers: &[(&str, &str)],
    body: Option<Bytes>,
) -> Result<Request<Full<Bytes>>, Failure> {
    let mut builder = Request::builder().method(method.clone()).uri(url.as_str());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .header(
            "user-agent",
            concat!("oauth-metadata-repair-check/", env!("CARGO_PKG_VERSION")),
        )
        .body(Full::new(body.unwrap_or_default()))
        .map_err(|e| Failure::Protocol(format!("cannot build the request: {e}")))
}

/// An error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
