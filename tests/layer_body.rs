//! The layer's response bodies: chunking, the size limit and replay, errors,
//! trailers, size hints, backpressure, and the service plumbing.

mod support;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, Response};
use http_body_util::{BodyExt, Empty, Full};
use oauth_metadata_repair::{RepairMetadata, RepairMetadataLayer};
use std::convert::Infallible;
use std::sync::Arc;
use support::layer::{fetch, get, DISCOVERY};
use support::{collect, ChunkedBody, TestError, MCP_SDK_DOC, MCP_SDK_FIXED};
use tower::{service_fn, Layer, Service, ServiceExt};

#[tokio::test]
async fn repairs_identically_however_the_body_is_chunked() {
    let doc = MCP_SDK_DOC.as_bytes();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut splits: Vec<Vec<Bytes>> = vec![
        doc.chunks(1).map(Bytes::copy_from_slice).collect(),
        doc.chunks(7).map(Bytes::copy_from_slice).collect(),
        vec![Bytes::new(), Bytes::copy_from_slice(doc), Bytes::new()],
    ];
    for _ in 0..20 {
        let mut chunks = Vec::new();
        let mut at = 0;
        while at < doc.len() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = (seed % 40) as usize;
            let end = (at + n).min(doc.len());
            chunks.push(Bytes::copy_from_slice(&doc[at..end]));
            at = end;
        }
        splits.push(chunks);
    }
    for chunks in splits {
        let count = chunks.len();
        let svc = RepairMetadata::new(service_fn(move |_: Request<Empty<Bytes>>| {
            let body = ChunkedBody::new(chunks.clone());
            async move { Ok::<_, Infallible>(Response::new(body)) }
        }));
        let (parts, body, _, err) = fetch(svc, get(DISCOVERY)).await;
        assert_eq!(err, None);
        assert_eq!(body, MCP_SDK_FIXED.as_bytes(), "{count} chunks");
        assert_eq!(
            parts.headers[header::CONTENT_LENGTH],
            MCP_SDK_FIXED.len().to_string()
        );
    }
}

#[tokio::test]
async fn replays_prefix_when_the_stream_goes_over_the_limit() {
    let doc = MCP_SDK_DOC.as_bytes();
    let limit = 100;
    // The upstream never ends its body: everything must come through anyway,
    // so the layer cannot be waiting for the end.
    let svc = RepairMetadataLayer::new()
        .max_body_bytes(limit)
        .layer(service_fn(move |_: Request<Empty<Bytes>>| async move {
            Ok::<_, Infallible>(Response::new(ChunkedBody::split(doc, 30).hang_at_end()))
        }));
    let res = svc.oneshot(get(DISCOVERY)).await.unwrap();
    assert!(!res.headers().contains_key(header::CONTENT_LENGTH));
    let mut body = res.into_body();
    let mut got = Vec::new();
    let mut frames = Vec::new();
    while got.len() < doc.len() {
        let frame = body.frame().await.unwrap().unwrap().into_data().unwrap();
        frames.push(frame.len());
        got.extend_from_slice(&frame);
    }
    assert_eq!(got, doc, "unchanged, nothing lost");
    assert!(
        frames.iter().all(|&n| n == 30 || n == doc.len() % 30),
        "the upstream's own chunks: {frames:?}"
    );
}

#[tokio::test]
async fn streams_a_body_declared_over_the_limit_without_reading_it() {
    // Content-Length over the limit: the response resolves at once, and
    // its first frame arrives although the body never ends.
    let svc = RepairMetadataLayer::new()
        .max_body_bytes(10)
        .layer(service_fn(|_: Request<Empty<Bytes>>| async {
            let mut r = Response::new(ChunkedBody::new(["{\"a\":", "1}"]).hang_at_end());
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("11"));
            Ok::<_, Infallible>(r)
        }));
    let res = svc.oneshot(get(DISCOVERY)).await.unwrap();
    assert_eq!(res.headers()[header::CONTENT_LENGTH], "11");
    let mut body = res.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(&first[..], b"{\"a\":");
}

#[tokio::test]
async fn a_body_error_while_buffering_reaches_the_caller() {
    let svc = RepairMetadata::new(service_fn(|_: Request<Empty<Bytes>>| async {
        let body = ChunkedBody::split(MCP_SDK_DOC.as_bytes(), 50).fail_after(3);
        Ok::<_, Infallible>(Response::new(body))
    }));
    let (parts, body, _, err) = fetch(svc, get(DISCOVERY)).await;
    assert_eq!(err.as_deref(), Some("upstream broke"));
    assert_eq!(
        body,
        &MCP_SDK_DOC.as_bytes()[..150],
        "the prefix, never a complete document"
    );
    assert!(!parts.headers.contains_key(header::CONTENT_LENGTH));
}

#[tokio::test]
async fn inner_service_errors_are_returned_unchanged() {
    let svc = RepairMetadata::new(service_fn(|req: Request<Empty<Bytes>>| async move {
        Err::<Response<Full<Bytes>>, _>(TestError(if req.uri().path() == DISCOVERY {
            "disc"
        } else {
            "other"
        }))
    }));
    let err = svc.clone().oneshot(get(DISCOVERY)).await.unwrap_err();
    assert_eq!(err.0, "disc");
    let err = svc.oneshot(get("/x")).await.unwrap_err();
    assert_eq!(err.0, "other");
}

#[tokio::test]
async fn an_endless_stream_on_another_route_passes_its_first_frame() {
    let svc = RepairMetadata::new(service_fn(|_: Request<Empty<Bytes>>| async {
        let sse = ChunkedBody::new(["data: first\n\n"]).hang_at_end();
        let mut r = Response::new(sse);
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        Ok::<_, Infallible>(r)
    }));
    let res = svc.oneshot(get("/events")).await.unwrap();
    let mut body = res.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(&first[..], b"data: first\n\n");
    assert!(!http_body::Body::is_end_stream(&body));
}

#[tokio::test]
async fn keeps_trailers_and_drops_digest_trailers_after_repair() {
    let svc = RepairMetadata::new(service_fn(|_: Request<Empty<Bytes>>| async {
        let mut t = HeaderMap::new();
        t.insert("x-checksum-note", HeaderValue::from_static("kept"));
        t.insert("content-digest", HeaderValue::from_static("sha-256=:x=:"));
        let body = ChunkedBody::split(MCP_SDK_DOC.as_bytes(), 64).trailers(t);
        Ok::<_, Infallible>(Response::new(body))
    }));
    let (_, body, trailers, _) = fetch(svc, get(DISCOVERY)).await;
    assert_eq!(body, MCP_SDK_FIXED.as_bytes());
    let t = trailers.expect("trailers kept");
    assert_eq!(t["x-checksum-note"], "kept");
    assert!(!t.contains_key("content-digest"));
}

#[tokio::test]
async fn accepts_bodies_whose_data_is_any_buf() {
    let svc = RepairMetadata::new(service_fn(|_: Request<Empty<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(support::VecBody(Some(
            MCP_SDK_DOC.as_bytes().to_vec(),
        ))))
    }));
    let res = svc.oneshot(get(DISCOVERY)).await.unwrap();
    let (body, _, _) = collect(res.into_body()).await;
    assert_eq!(body, MCP_SDK_FIXED.as_bytes());
    let svc = RepairMetadata::new(service_fn(|_: Request<Empty<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(support::VecBody(Some(b"pass".to_vec()))))
    }));
    let res = svc.oneshot(get("/other")).await.unwrap();
    let (body, _, _) = collect(res.into_body()).await;
    assert_eq!(body, b"pass");
}

#[tokio::test]
async fn delegates_poll_ready_and_clones_with_the_inner_service() {
    use std::task::{Context, Poll};
    #[derive(Clone)]
    struct NotReady;
    impl Service<Request<Empty<Bytes>>> for NotReady {
        type Response = Response<Full<Bytes>>;
        type Error = &'static str;
        type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Err("inner not ready"))
        }
        fn call(&mut self, _: Request<Empty<Bytes>>) -> Self::Future {
            std::future::ready(Err("called"))
        }
    }
    let mut svc = RepairMetadata::new(NotReady);
    let cloned = svc.clone();
    assert_eq!(svc.ready().await.err(), Some("inner not ready"));
    let _: &NotReady = cloned.get_ref();
}

#[tokio::test]
async fn size_hint_is_exact_for_a_repaired_body() {
    let svc = RepairMetadata::new(service_fn(|_: Request<Empty<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(ChunkedBody::split(
            MCP_SDK_DOC.as_bytes(),
            10,
        )))
    }));
    let res = svc.oneshot(get(DISCOVERY)).await.unwrap();
    let hint = http_body::Body::size_hint(res.body());
    assert_eq!(hint.exact(), Some(MCP_SDK_FIXED.len() as u64));
    let mut body = res.into_body();
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        len += frame.unwrap().into_data().unwrap().len();
    }
    assert_eq!(len, MCP_SDK_FIXED.len());
    assert!(body.frame().await.is_none(), "stays ended");
    assert!(http_body::Body::is_end_stream(&body));
}

#[tokio::test]
async fn passthrough_pulls_the_inner_body_only_when_polled() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    /// Endless body that counts the frames it has been asked for.
    struct Counted(Arc<AtomicUsize>);
    impl http_body::Body for Counted {
        type Data = Bytes;
        type Error = Infallible;
        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            std::task::Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from_static(
                b"data: x\n\n",
            )))))
        }
    }
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let svc = RepairMetadata::new(service_fn(move |_: Request<Empty<Bytes>>| {
        let body = Counted(Arc::clone(&counter));
        async move { Ok::<_, Infallible>(Response::new(body)) }
    }));
    let res = svc.oneshot(get("/events")).await.unwrap();
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        0,
        "nothing read ahead of the caller"
    );
    let mut body = res.into_body();
    for n in 1..=3 {
        body.frame().await.unwrap().unwrap();
        assert_eq!(
            pulled.load(Ordering::SeqCst),
            n,
            "one inner frame per frame asked for"
        );
    }
}
