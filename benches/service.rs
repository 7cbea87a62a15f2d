//! Service level: a bare `tower::service_fn` against the same service in the
//! layer, for a passthrough route (small body, 1 MiB streamed body) and for
//! the discovery route. Each iteration is one request, polled to the end of
//! its body.
//!
//! `cargo bench --bench service`

#[path = "../tests/support/mod.rs"]
mod support;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use http::{Request, Response};
use http_body::Body;
use http_body_util::{BodyExt, Empty, Full};
use oauth_metadata_repair::RepairMetadata;
use std::convert::Infallible;
use std::hint::black_box;
use support::{ChunkedBody, MCP_SDK_DOC};
use tower::{service_fn, Service};

async fn drain<B: Body>(body: B) -> usize
where
    B::Error: std::fmt::Debug,
{
    let mut body = std::pin::pin!(body);
    let mut n = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(d) = frame.expect("frame").into_data() {
            n += bytes::Buf::remaining(&d);
        }
    }
    n
}

fn run<S, B>(
    c: &mut Criterion,
    group: &str,
    path: &'static str,
    bytes: u64,
    bare: S,
    layered: RepairMetadata<S>,
) where
    S: Service<Request<Empty<Bytes>>, Response = Response<B>, Error = Infallible> + Clone,
    B: Body,
    B::Error: std::fmt::Debug,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(bytes));
    let mut bare = bare;
    let mut layered = layered;
    g.bench_function("bare", |b| {
        b.iter(|| {
            rt.block_on(async {
                let req = Request::get(path).body(Empty::new()).expect("request");
                let res = bare.call(req).await.expect("response");
                black_box(drain(res.into_body()).await)
            })
        });
    });
    g.bench_function("layered", |b| {
        b.iter(|| {
            rt.block_on(async {
                let req = Request::get(path).body(Empty::new()).expect("request");
                let res = layered.call(req).await.expect("response");
                black_box(drain(res.into_body()).await)
            })
        });
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let small = |_: Request<Empty<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
            b"{\"ok\":true}",
        ))))
    };
    run(
        c,
        "passthrough_small",
        "/api/items",
        11,
        service_fn(small),
        RepairMetadata::new(service_fn(small)),
    );

    let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
    let big = move |_: Request<Empty<Bytes>>| {
        let body = ChunkedBody::new(std::iter::repeat(chunk.clone()).take(16));
        async move { Ok::<_, Infallible>(Response::new(body)) }
    };
    run(
        c,
        "passthrough_1mib_streamed",
        "/download",
        1 << 20,
        service_fn(big.clone()),
        RepairMetadata::new(service_fn(big)),
    );

    let discovery = |_: Request<Empty<Bytes>>| async {
        let mut r = Response::new(Full::new(Bytes::from_static(MCP_SDK_DOC.as_bytes())));
        r.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        Ok::<_, Infallible>(r)
    };
    run(
        c,
        "discovery_mcp_sdk_doc",
        "/.well-known/oauth-authorization-server",
        MCP_SDK_DOC.len() as u64,
        service_fn(discovery),
        RepairMetadata::new(service_fn(discovery)),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
