//! Listening, the connection cap and graceful shutdown. Each worker is a
//! thread with a current-thread runtime, its own listener (`SO_REUSEPORT`
//! spreads connections over them) and its own pool of upstream
//! connections, so no lock is shared on the request path.

pub use super::config::Proxy;
pub use crate::repair_flags::ExtraPaths;

use super::args::Args;
use super::config::{workers, Builder};
use super::forward::{Forwarder, Peer, RequestBody};
use super::io::SendTimeout;
use super::limits::{self, Close, Slot, Ticket};
use super::upstream::Chain;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tower::{service_fn, Layer};

/// One client connection: where its requests go, who sent them, its place
/// under the cap.
struct Here {
    forwarder: Arc<Forwarder>,
    peer: Peer,
    ticket: Ticket,
}

/// Serves `listener` until `shutdown` resolves, then gives in-flight
/// requests `--drain-timeout` to finish.
pub async fn serve(listener: TcpListener, proxy: Arc<Proxy>, shutdown: impl Future<Output = ()>) {
    let forwarder = Arc::new(proxy.forwarder());
    let h2 = proxy.tls.is_some() || proxy.args.h2c;
    let builder = Arc::new(proxy.builder(h2));
    let client_timeout = Duration::from_secs(proxy.args.client_timeout);
    let send_timeout = Duration::from_secs(proxy.args.send_timeout);
    let (done, mut all_done) = mpsc::channel::<()>(1);
    let connections = Arc::clone(&proxy.connections);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Under the cap, or an idle connection to close for the new one;
        // otherwise new connections wait in the backlog.
        tokio::select! {
            () = connections.room() => {}
            () = &mut shutdown => break,
        }
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors: close an idle connection,
                    // back off, go on.
                    tracing::warn!(error = %e, "accept failed");
                    connections.evict_one();
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // At the cap with every connection busy since `room`, this one
        // waits, accepted, for a place.
        let ticket = tokio::select! {
            t = connections.admit() => t,
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (proxy, forwarder, builder) = (
            Arc::clone(&proxy),
            Arc::clone(&forwarder),
            Arc::clone(&builder),
        );
        let done = done.clone();
        tokio::spawn(async move {
            let _done = done;
            let slot = Arc::clone(ticket.slot());
            let here = Here {
                forwarder,
                peer: Peer::new(peer),
                ticket,
            };
            match &proxy.tls {
                None => {
                    let io = SendTimeout::new(stream, send_timeout);
                    connection(io, here, &proxy, &builder, &slot).await;
                }
                Some(acceptor) => {
                    match tokio::time::timeout(client_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let io = SendTimeout::new(tls, send_timeout);
                            connection(io, here, &proxy, &builder, &slot).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "tls handshake failed"),
                        Err(_) => tracing::debug!(%peer, "tls handshake timed out"),
                    }
                }
            }
        });
    }
    drop(listener);
    // Every worker stops at once: each asks all connections to close.
    connections.close_all();
    drop(done);
    let drain = Duration::from_secs(proxy.args.drain_timeout);
    let _ = tokio::time::timeout(drain, all_done.recv()).await;
}

async fn connection<I>(io: I, here: Here, proxy: &Proxy, builder: &Builder, slot: &Slot)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let access_log = proxy.args.access_log;
    let peer = here.peer.addr;
    // Built once per connection: one reference count per request.
    let here = Arc::new(here);
    let svc = Hyper(proxy.layer.layer(service_fn(move |req: Request<RequestBody>| {
        let here = Arc::clone(&here);
        async move {
            let busy = here.ticket.request();
            if !access_log {
                let res = here.forwarder.forward(req, &here.peer).await;
                return Ok::<_, Infallible>(res.map(|b| b.in_flight(busy)));
            }
            let (start, method, path) = (Instant::now(), req.method().clone(), req.uri().path().to_owned());
            let res = here.forwarder.forward(req, &here.peer).await;
            let ms = start.elapsed().as_secs_f64() * 1e3;
            let peer = here.peer.addr;
            tracing::info!(target: "access", %peer, %method, path = %path, status = res.status().as_u16(), ms = format_args!("{ms:.1}"));
            Ok(res.map(|b| b.in_flight(busy)))
        }
    })));
    let io = TokioIo::new(io);
    let ended = match builder {
        // Pinned here, so the connection is held once in this task's state.
        Builder::Http1(b) => {
            let conn = std::pin::pin!(b.serve_connection(io, svc));
            until_closed(conn, |c| c.graceful_shutdown(), slot, peer).await
        }
        Builder::Auto(b) => {
            let conn = std::pin::pin!(b.serve_connection(io, svc));
            until_closed(conn, |c| c.graceful_shutdown(), slot, peer).await
        }
    };
    // A failed connection (client gone, upstream failed mid-body) ends that
    // connection only.
    if let Err(e) = ended {
        let e: Box<dyn std::error::Error + Send + Sync> = e;
        tracing::debug!(%peer, error = %Chain(&*e), "connection ended with an error");
    }
}

/// Serves `conn` to its end; closes it gracefully (in-flight requests
/// finish) when the cap needs its place or the proxy stops. Polled as one
/// future: the request to close is a flag read on each wake-up, and the
/// task's waker is registered with the slot once.
async fn until_closed<C, E>(
    mut conn: Pin<&mut C>,
    shutdown: impl Fn(Pin<&mut C>),
    slot: &Slot,
    peer: SocketAddr,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
    C: Future<Output = Result<(), E>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut closing = false;
    let mut registered: Option<Waker> = None;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(ended) = conn.as_mut().poll(cx) {
            return Poll::Ready(ended.map_err(Into::into));
        }
        if closing {
            return Poll::Pending;
        }
        if !registered.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            slot.register(cx.waker());
            registered = Some(cx.waker().clone());
        }
        if let Some(why) = slot.close() {
            if why == Close::Evicted {
                tracing::debug!(%peer, "idle connection closed for a new one");
            }
            closing = true;
            shutdown(conn.as_mut());
            // The shutdown takes effect when the connection is polled next.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    })
    .await
}

/// The layered service as hyper calls it: a clone per request (a few
/// reference counts) called at once. Its readiness is never waited on: the
/// repair layer is as ready as the `service_fn` it wraps, which always is.
#[derive(Clone)]
struct Hyper<S>(S);

impl<S, B> hyper::service::Service<Request<Incoming>> for Hyper<S>
where
    S: tower::Service<Request<RequestBody>, Response = http::Response<B>> + Clone,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        self.0.clone().call(req.map(RequestBody::Client))
    }
}

/// Binds one listener per worker on `addr`. A plain bind first, so that a
/// port held by anyone (another copy of this proxy included) is an error.
fn listeners(addr: SocketAddr, n: usize) -> Result<Vec<std::net::TcpListener>, String> {
    let fail = |e: std::io::Error| format!("cannot listen on {addr}: {e}");
    let probe = std::net::TcpListener::bind(addr).map_err(fail)?;
    let addr = probe.local_addr().map_err(fail)?;
    if n == 1 {
        probe.set_nonblocking(true).map_err(fail)?;
        return Ok(vec![probe]);
    }
    drop(probe);
    (0..n)
        .map(|_| {
            let socket = socket2::Socket::new(
                socket2::Domain::for_address(addr),
                socket2::Type::STREAM,
                None,
            )?;
            socket.set_reuse_address(true)?;
            #[cfg(unix)]
            socket.set_reuse_port(true)?;
            socket.bind(&addr.into())?;
            socket.listen(1024)?;
            socket.set_nonblocking(true)?;
            Ok(socket.into())
        })
        .collect::<Result<_, std::io::Error>>()
        .map_err(fail)
}

/// Runs the proxy until SIGTERM or Ctrl-C.
pub fn run(args: Args) -> Result<(), String> {
    // As nginx's worker_rlimit_nofile: the soft open-file limit up to the
    // hard one, so the connection cap is the machine's, not 1024.
    let nofile = limits::raise_nofile_limit();
    let workers = workers(&args);
    let listen = args.listen;
    let proxy = Arc::new(Proxy::new(args)?);
    let listeners = listeners(listen, workers)?;
    let local = listeners[0].local_addr().unwrap_or(listen);
    tracing::info!(
        listen = %format_args!("{}://{local}", proxy.scheme()),
        upstream = %format_args!("{}://{}", proxy.args.upstream.scheme, proxy.args.upstream.authority),
        workers,
        max_connections = proxy.connections.max(),
        open_files = nofile.unwrap_or(0),
        max_body_bytes = proxy.args.repair.max_body_bytes,
        trust_forwarded = proxy.args.trust_forwarded,
        iss = match proxy.args.repair.issuer() {
            None => "off",
            Some(ref i) => i.as_configured().unwrap_or("learned"),
        },
        "oauth-metadata-repair {} started",
        env!("CARGO_PKG_VERSION")
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let threads = listeners
        .into_iter()
        .enumerate()
        .map(|(i, listener)| {
            let (proxy, mut stopped) = (Arc::clone(&proxy), stopped.clone());
            std::thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || -> Result<(), String> {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| format!("cannot start a runtime: {e}"))?;
                    rt.block_on(async move {
                        let listener = TcpListener::from_std(listener)
                            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
                        serve(listener, proxy, async move {
                            let _ = stopped.wait_for(|s| *s).await;
                        })
                        .await;
                        Ok(())
                    })
                })
                .map_err(|e| format!("cannot start a worker: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    rt.block_on(shutdown_signal());
    tracing::info!("stopping: no new connections, draining in-flight requests");
    let _ = stop.send(true);
    for t in threads {
        t.join().map_err(|_| "a worker panicked".to_owned())??;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
