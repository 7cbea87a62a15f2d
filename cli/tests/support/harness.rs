//! The `oauth-metadata-repair` binary's modules, started in process on loopback.
#![allow(dead_code, unreachable_pub)]

pub use oauth_metadata_repair_cli::proxy::{args as cli, server};

use clap::Parser;
use std::sync::Arc;

use axum::body::Body;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A listener on a free loopback port.
pub async fn bind() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

/// Serves `app` on loopback.
pub async fn serve_app(app: axum::Router) -> SocketAddr {
    let (l, a) = bind().await;
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    a
}

/// A running proxy: its address, the switch that stops it (dropping it
/// leaves the proxy running), its task.
pub struct RunningProxy {
    pub addr: SocketAddr,
    pub stop: oneshot::Sender<()>,
    pub task: JoinHandle<()>,
}

/// Parses a command line the way the binary does (`OMR_*` variables too).
pub fn args(args: &[&str]) -> Result<cli::Args, clap::Error> {
    cli::Args::try_parse_from(std::iter::once("oauth-metadata-repair").chain(args.iter().copied()))
}

/// Starts the proxy in front of `upstream`, with `--max-body-bytes max`.
pub async fn start_proxy(upstream: SocketAddr, max: usize) -> RunningProxy {
    start_proxy_with(
        &format!("http://{upstream}"),
        &["--max-body-bytes", &max.to_string()],
    )
    .await
}

/// Starts the proxy in front of `upstream` with more flags.
pub async fn start_proxy_with(upstream: &str, flags: &[&str]) -> RunningProxy {
    let (l, addr) = bind().await;
    let listen = addr.to_string();
    let mut all = vec!["--listen", &listen, "--upstream", upstream];
    all.extend_from_slice(flags);
    let proxy = Arc::new(server::Proxy::new(args(&all).unwrap()).unwrap());
    let (stop, rx) = oneshot::channel::<()>();
    // Stops when told to; dropping the sender means "run until the test ends".
    let task = tokio::spawn(server::serve(l, proxy, async move {
        if rx.await.is_err() {
            std::future::pending::<()>().await;
        }
    }));
    RunningProxy { addr, stop, task }
}

/// A plain pooled HTTP/1.1 client.
pub fn client() -> Client<HttpConnector, Body> {
    Client::builder(TokioExecutor::new()).build_http()
}
