//! The proxy's settings, checked once at startup, and what each worker
//! builds from them: the upstream connector and pool, and how client
//! connections are served.

use super::args::Args;
use super::forward::Forwarder;
use super::limits::{self, Connections};
use super::tls;
use super::upstream::Pool;
use crate::repair_flags::Layer;
use http::uri::Scheme;
use http::HeaderValue;
use hyper::server::conn::http1;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsAcceptor;

/// How a worker serves its client connections.
#[allow(missing_debug_implementations)]
pub enum Builder {
    /// HTTP/1.1 only (plain HTTP without `--h2c`).
    Http1(http1::Builder),
    /// HTTP/1.1 and HTTP/2 (TLS, or `--h2c`).
    Auto(auto::Builder<TokioExecutor>),
}

/// Smallest `--max-head-bytes`: hyper's smallest read buffer.
const MIN_HEAD_BYTES: usize = 8192;

/// Everything the workers share, built once from the command line.
#[allow(missing_debug_implementations)] // holds TLS configurations
pub struct Proxy {
    pub(super) args: Args,
    pub(super) layer: Layer,
    pub(super) tls: Option<TlsAcceptor>,
    client_tls: rustls::ClientConfig,
    host: HeaderValue,
    pub(super) connections: Arc<Connections>,
}

/// The number of workers `args` asks for.
pub(super) fn workers(args: &Args) -> usize {
    let n = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    // Without SO_REUSEPORT, one listener serves every worker.
    if cfg!(unix) {
        n
    } else {
        1
    }
}

impl Proxy {
    /// Checks the settings and reads the certificates: every startup error
    /// is found here, as one line.
    pub fn new(args: Args) -> Result<Self, String> {
        let layer = args.repair.layer()?;
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsAcceptor::from(tls::server_config(cert, key)?)),
            _ => None,
        };
        let max_connections = args.max_connections.unwrap_or_else(|| {
            limits::default_max_connections(workers(&args), args.max_upstream_connections)
        });
        for (value, flag) in [
            (max_connections, "--max-connections"),
            (args.max_upstream_connections, "--max-upstream-connections"),
            (args.max_streams as usize, "--max-streams"),
        ] {
            if value == 0 {
                return Err(format!("{flag} must be at least 1"));
            }
        }
        if args.max_head_bytes < MIN_HEAD_BYTES || u32::try_from(args.max_head_bytes).is_err() {
            return Err(format!(
                "--max-head-bytes must be between {MIN_HEAD_BYTES} and {}",
                u32::MAX
            ));
        }
        Ok(Self {
            layer,
            tls,
            client_tls: tls::client_config(args.upstream_ca.as_deref())?,
            host: HeaderValue::from_str(args.upstream.authority.as_str())
                .map_err(|e| format!("--upstream: {e}"))?,
            connections: Arc::new(Connections::new(max_connections)),
            args,
        })
    }

    /// The client connections of every worker, against the cap.
    #[must_use]
    pub fn connections(&self) -> &Arc<Connections> {
        &self.connections
    }

    /// The connector to the upstream (plain or TLS, by its scheme).
    fn connector(&self) -> HttpsConnector<HttpConnector> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(Duration::from_secs(self.args.connect_timeout)));
        http.set_nodelay(true);
        http.enforce_http(false);
        hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(self.client_tls.clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(http)
    }

    /// A forwarder with upstream connections of its own, for one worker.
    pub(super) fn forwarder(&self) -> Forwarder {
        let base = http::Uri::builder()
            .scheme(self.args.upstream.scheme.clone())
            .authority(self.args.upstream.authority.clone())
            .path_and_query("/")
            .build()
            .unwrap_or_default();
        Forwarder {
            pool: Pool::new(
                self.connector(),
                base,
                self.args.max_upstream_connections,
                Duration::from_secs(self.args.upstream_idle_timeout),
            ),
            upstream: self.args.upstream.clone(),
            host: self.host.clone(),
            served: if self.tls.is_some() {
                Scheme::HTTPS
            } else {
                Scheme::HTTP
            },
            trust_forwarded: self.args.trust_forwarded,
            allow_underscores: self.args.allow_underscores,
            upstream_timeout: Duration::from_secs(self.args.upstream_timeout),
        }
    }

    /// How client connections are served: HTTP/1.1, and HTTP/2 when `h2`.
    pub(super) fn builder(&self, h2: bool) -> Builder {
        let client_timeout = Duration::from_secs(self.args.client_timeout);
        if !h2 {
            // HTTP/1.1 only: hyper's own server, without the protocol
            // detection (and its extra read wrapper) that HTTP/2 needs.
            let mut http1 = http1::Builder::new();
            http1
                .timer(TokioTimer::new())
                .header_read_timeout(client_timeout)
                .max_buf_size(self.args.max_head_bytes)
                .keep_alive(true);
            return Builder::Http1(http1);
        }
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(client_timeout)
            .max_buf_size(self.args.max_head_bytes)
            .keep_alive(true);
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(client_timeout)
            .max_concurrent_streams(self.args.max_streams)
            .max_header_list_size(u32::try_from(self.args.max_head_bytes).unwrap_or(u32::MAX));
        Builder::Auto(builder)
    }

    pub(super) fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }
}
