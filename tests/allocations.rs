//! Heap allocations and peak heap the layer adds, counted by a global
//! allocator on this thread only. Counts, not times: deterministic.
//!
//! `cargo test --release --test allocations -- --nocapture` prints the figures.

mod support;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{Empty, Full};
use oauth_metadata_repair::{Issuer, RepairMetadata, RepairMetadataLayer};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use support::ChunkedBody;
use tower::{service_fn, Layer, Service};

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note(delta: isize, count: bool) {
    let _ = ON.try_with(|on| {
        if on.get() {
            if count {
                ALLOCS.with(|a| a.set(a.get() + 1));
            }
            LIVE.with(|l| {
                let now = l.get() + delta;
                l.set(now);
                PEAK.with(|p| p.set(p.get().max(now)));
            });
        }
    });
}

// The library forbids unsafe code; a global allocator needs it. This one
// only forwards to the system allocator and counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize, true);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize), false);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as isize - layout.size() as isize, true);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Debug, Clone, Copy)]
struct Measured {
    allocs: usize,
    peak: isize,
}

/// Runs `f` with counting on, from zero.
fn measure(f: impl FnOnce()) -> Measured {
    ALLOCS.with(|a| a.set(0));
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    ON.with(|on| on.set(true));
    f();
    ON.with(|on| on.set(false));
    Measured {
        allocs: ALLOCS.with(Cell::get),
        peak: PEAK.with(Cell::get),
    }
}

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// One request through `svc`, polled by hand (no runtime allocations): the
/// call, the response future and the whole body.
fn one_request<S, B>(svc: &mut S, req: Request<Empty<Bytes>>, cx: &mut Context<'_>) -> usize
where
    S: Service<Request<Empty<Bytes>>, Response = Response<B>>,
    B: Body,
{
    let mut fut = pin!(svc.call(req));
    let res = loop {
        if let Poll::Ready(r) = fut.as_mut().poll(cx) {
            break r.ok().expect("response");
        }
    };
    let mut body = pin!(res.into_body());
    let mut len = 0;
    loop {
        match body.as_mut().poll_frame(cx) {
            Poll::Ready(Some(Ok(f))) => {
                len += f
                    .into_data()
                    .map(|d| bytes::Buf::remaining(&d))
                    .unwrap_or(0);
            }
            Poll::Ready(_) => return len,
            Poll::Pending => {}
        }
    }
}

fn request(path: &'static str) -> Request<Empty<Bytes>> {
    Request::get(http::Uri::from_static(path))
        .body(Empty::new())
        .expect("request")
}

#[test]
fn the_layer_adds_no_allocation_to_passthrough_and_bounded_memory_to_repairs() {
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);

    // Passthrough: small body, and a 1 MiB body streamed in 64 KiB chunks.
    let small = |_: Request<Empty<Bytes>>| {
        std::future::ready(Ok::<_, Infallible>(Response::new(Full::new(
            Bytes::from_static(b"{\"ok\":true}"),
        ))))
    };
    let mut bare = service_fn(small);
    let mut layered = RepairMetadata::new(service_fn(small));
    // The iss repair on, with no issuer known yet and with one configured:
    // a non-redirect costs a status check.
    let mut learning = RepairMetadataLayer::new()
        .iss(Issuer::learned())
        .layer(service_fn(small));
    let mut configured = RepairMetadataLayer::new()
        .iss(Issuer::configured("https://as.example/"))
        .layer(service_fn(small));
    let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
    let big = move |_: Request<Empty<Bytes>>| {
        let body = ChunkedBody::new(std::iter::repeat(chunk.clone()).take(16));
        std::future::ready(Ok::<_, Infallible>(Response::new(body)))
    };
    let mut bare_big = service_fn(big.clone());
    let mut layered_big = RepairMetadata::new(service_fn(big));

    for _ in 0..3 {
        let (r1, r2, r3, r4) = (
            request("/api"),
            request("/api"),
            request("/dl"),
            request("/dl"),
        );
        let b = measure(|| assert_eq!(one_request(&mut bare, r1, &mut cx), 11));
        let l = measure(|| assert_eq!(one_request(&mut layered, r2, &mut cx), 11));
        println!(
            "passthrough small: bare {} allocations, layered {}",
            b.allocs, l.allocs
        );
        assert_eq!(
            l.allocs, b.allocs,
            "the layer allocates nothing on passthrough"
        );
        for svc in [&mut learning, &mut configured] {
            let r = request("/api");
            let i = measure(|| assert_eq!(one_request(svc, r, &mut cx), 11));
            assert_eq!(i.allocs, b.allocs, "the iss repair allocates nothing");
        }
        // The chunked test body itself allocates its queue; the layer adds none.
        let b = measure(|| assert_eq!(one_request(&mut bare_big, r3, &mut cx), 1 << 20));
        let l = measure(|| assert_eq!(one_request(&mut layered_big, r4, &mut cx), 1 << 20));
        println!(
            "passthrough 1 MiB: bare {} allocations / {} B peak, layered {} / {} B",
            b.allocs, b.peak, l.allocs, l.peak
        );
        assert_eq!(l.allocs, b.allocs);
        assert_eq!(l.peak, b.peak, "no buffering on passthrough");
    }

    // Repairs: the real ~1 KB documents and a synthetic 64 KiB one, in one
    // piece and in 1 KiB chunks.
    let mut docs: Vec<(String, Bytes)> = support::real_documents()
        .into_iter()
        .map(|(n, d)| (n, Bytes::from(d)))
        .collect();
    let mut synthetic = String::from("{");
    while synthetic.len() < 63 * 1024 {
        synthetic.push_str(&format!("\"k{}\":\"{}\",", synthetic.len(), "v".repeat(40)));
    }
    synthetic.push_str("\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\"]}");
    docs.push(("synthetic-64k".into(), Bytes::from(synthetic)));
    for (name, doc) in docs {
        let n = doc.len() as isize;
        for chunked in [false, true] {
            let served = doc.clone();
            let mut svc = RepairMetadata::new(service_fn(move |_: Request<Empty<Bytes>>| {
                let body = if chunked {
                    ChunkedBody::split(&served, 1024)
                } else {
                    ChunkedBody::new([served.clone()])
                };
                std::future::ready(Ok::<_, Infallible>(Response::new(body)))
            }));
            let mut bare_svc = {
                let served = doc.clone();
                service_fn(move |_: Request<Empty<Bytes>>| {
                    let body = if chunked {
                        ChunkedBody::split(&served, 1024)
                    } else {
                        ChunkedBody::new([served.clone()])
                    };
                    std::future::ready(Ok::<_, Infallible>(Response::new(body)))
                })
            };
            let req = request("/.well-known/openid-configuration");
            let b = measure(|| {
                one_request(
                    &mut bare_svc,
                    request("/.well-known/openid-configuration"),
                    &mut cx,
                );
            });
            let l = measure(|| {
                one_request(&mut svc, req, &mut cx);
            });
            let added_allocs = l.allocs - b.allocs;
            let added_peak = l.peak - b.peak;
            println!(
                "repair {name} ({n} B, {}): +{added_allocs} allocations, +{added_peak} B peak ({:.2} x doc)",
                if chunked { "1 KiB chunks" } else { "one chunk" },
                added_peak as f64 / n as f64
            );
            // The upstream's copy is the 1x; the layer may add at most one
            // more copy plus a constant.
            assert!(
                added_peak <= n + 8 * 1024,
                "{name}: {added_peak} B for a {n} B document"
            );
            assert!(added_allocs <= 48, "{name}: {added_allocs} allocations");
        }
    }
}
