//! Command line and environment: every flag has an `OMR_*` twin.
// The doc comments below are the --help text, shown as written.
// (`[::]:443` there is no doc link.)
#![allow(clippy::doc_markdown, rustdoc::broken_intra_doc_links)]

pub use crate::repair_flags::{ExtraRule, RepairFlags};
use clap::Parser;
use http::uri::{Authority, Scheme};
use http::Uri;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Reverse proxy that adds "none" to token_endpoint_auth_methods_supported in
/// the OAuth / OpenID discovery documents of the server behind it, so public
/// (PKCE, secretless) clients can log in. Everything else is forwarded
/// untouched and streamed.
///
/// Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=warn) to change what is
/// logged.
#[derive(Debug, Clone, Parser)]
#[command(name = "oauth-metadata-repair", version, max_term_width = 100)]
pub struct Args {
    /// Address to listen on, e.g. 127.0.0.1:8080 or [::]:443.
    #[arg(long, env = "OMR_LISTEN", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// Server to forward to: http://host:port or https://host:port, no path.
    #[arg(long, env = "OMR_UPSTREAM", value_name = "URL", value_parser = Upstream::parse)]
    pub upstream: Upstream,

    /// The repair itself: rules, placement, extra paths, limits.
    #[command(flatten)]
    pub repair: RepairFlags,

    /// PEM certificate chain: serve HTTPS (HTTP/1.1 and HTTP/2) with it.
    #[arg(long, env = "OMR_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, env = "OMR_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// PEM certificate(s) trusted for an https:// upstream, in addition to
    /// the public web roots.
    #[arg(long, env = "OMR_UPSTREAM_CA", value_name = "FILE")]
    pub upstream_ca: Option<PathBuf>,

    /// Keep the X-Forwarded-For/-Host/-Proto, X-Real-IP and Forwarded
    /// headers that clients send (appending to X-Forwarded-For). Only when a
    /// proxy you trust sits in front: by default they are replaced by what
    /// this proxy saw, so a client cannot make the upstream advertise another
    /// host.
    #[arg(long, env = "OMR_TRUST_FORWARDED")]
    pub trust_forwarded: bool,

    /// Forward request header names that contain "_" (by default they are
    /// dropped, as nginx does, since some servers read X_Forwarded_For as
    /// X-Forwarded-For).
    #[arg(long, env = "OMR_ALLOW_UNDERSCORES")]
    pub allow_underscores: bool,

    /// Serve plaintext HTTP/2 by prior knowledge (h2c) besides HTTP/1.1.
    /// HTTP/2 over TLS is always offered with --tls-cert.
    #[arg(long, env = "OMR_H2C")]
    pub h2c: bool,

    /// Most concurrent streams of one HTTP/2 client connection.
    #[arg(long, env = "OMR_MAX_STREAMS", value_name = "N", default_value_t = 128)]
    pub max_streams: u32,

    /// Largest request head (request line and headers) in bytes; a larger
    /// one is answered 431. At least 8192.
    #[arg(
        long,
        env = "OMR_MAX_HEAD_BYTES",
        value_name = "N",
        default_value_t = 32 * 1024
    )]
    pub max_head_bytes: usize,

    /// Seconds to wait for the upstream's response head before answering
    /// 504 (as nginx's proxy_read_timeout).
    #[arg(
        long,
        env = "OMR_UPSTREAM_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 60
    )]
    pub upstream_timeout: u64,

    /// Seconds to wait for a connection to the upstream before answering 502.
    #[arg(
        long,
        env = "OMR_CONNECT_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 10
    )]
    pub connect_timeout: u64,

    /// Seconds an upstream connection may sit idle before it is closed: keep
    /// it below the upstream's keep-alive timeout (uvicorn and hypercorn 5,
    /// gunicorn 2).
    #[arg(
        long,
        env = "OMR_UPSTREAM_IDLE_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 1
    )]
    pub upstream_idle_timeout: u64,

    /// Most upstream connections per worker; requests beyond them wait for
    /// one to be free (within --upstream-timeout).
    #[arg(
        long,
        env = "OMR_MAX_UPSTREAM_CONNECTIONS",
        value_name = "N",
        default_value_t = 128
    )]
    pub max_upstream_connections: usize,

    /// Seconds a client has to send a request head (also the TLS handshake),
    /// and that an idle keep-alive connection is kept open.
    #[arg(
        long,
        env = "OMR_CLIENT_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 30
    )]
    pub client_timeout: u64,

    /// Seconds a response may make no write progress (a client that stops
    /// reading) before its connection is closed, as nginx's send_timeout.
    #[arg(
        long,
        env = "OMR_SEND_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 60
    )]
    pub send_timeout: u64,

    /// Most client connections open at once. At the cap, the connection
    /// idle the longest (no request in flight) is closed for a new one; when
    /// none is idle, new connections wait in the listen queue [default: the
    /// open-file limit, raised to its hard limit at startup, less what the
    /// upstream connections need].
    #[arg(long, env = "OMR_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<usize>,

    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
    #[arg(
        long,
        env = "OMR_DRAIN_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 30
    )]
    pub drain_timeout: u64,

    /// Worker threads, each with its own listener and upstream connections
    /// [default: the number of CPUs].
    #[arg(long, env = "OMR_WORKERS", value_name = "N")]
    pub workers: Option<usize>,

    /// Log one line per request (method, path, status, time) at INFO.
    #[arg(long, env = "OMR_ACCESS_LOG")]
    pub access_log: bool,
}

/// Where requests go: a scheme and an authority, nothing else.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// `http` or `https`.
    pub scheme: Scheme,
    /// Host and port.
    pub authority: Authority,
}

impl Upstream {
    /// `http://host:port` or `https://host:port`, without path or query.
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url.parse().map_err(|e| format!("not a URL: {e}"))?;
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err("expected http://host:port or https://host:port".into());
        };
        if *scheme != Scheme::HTTP && *scheme != Scheme::HTTPS {
            return Err(format!("scheme {scheme} is not http or https"));
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(format!(
                "has a path ({}): give the server's root; requests keep their own paths",
                uri.path_and_query().map_or("", |p| p.as_str())
            ));
        }
        if authority.as_str().contains('@') {
            return Err("credentials in the URL are not supported".into());
        }
        Ok(Self {
            scheme: scheme.clone(),
            authority: authority.clone(),
        })
    }
}
