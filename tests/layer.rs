//! HTTP-level behaviour of the layer around `tower::service_fn`.

mod support;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, Full};
use oauth_metadata_repair::{RepairMetadata, RepairMetadataLayer, ResponseBody};
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};
use support::{collect, ChunkedBody, TestError, MCP_SDK_DOC, MCP_SDK_FIXED};
use tower::{service_fn, Layer, Service, ServiceExt};

const DISCOVERY: &str = "/.well-known/oauth-authorization-server";

fn get(path: &str) -> Request<Empty<Bytes>> {
    Request::get(path).body(Empty::new()).unwrap()
}

/// An upstream that serves `doc` with the given headers on every request,
/// and records each request head it saw.
#[derive(Clone)]
struct Upstream {
    seen: Arc<Mutex<Vec<http::request::Parts>>>,
}

impl Upstream {
    fn new() -> Self {
        Self {
            seen: Arc::default(),
        }
    }

    fn last(&self) -> http::request::Parts {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request reached the upstream")
    }

    fn service<B, F>(
        &self,
        make: F,
    ) -> impl Service<
        Request<Empty<Bytes>>,
        Response = Response<B>,
        Error = Infallible,
        Future = impl Future + Send,
    > + Clone
    where
        F: Fn(&http::request::Parts) -> Response<B> + Clone + Send + 'static,
        B: Send + 'static,
    {
        let seen = Arc::clone(&self.seen);
        service_fn(move |req: Request<Empty<Bytes>>| {
            let (parts, _) = req.into_parts();
            let response = make(&parts);
            seen.lock().unwrap().push(parts);
            async move { Ok::<_, Infallible>(response) }
        })
    }
}

fn json(doc: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, doc.len())
        .body(Full::new(Bytes::from_static(doc.as_bytes())))
        .unwrap()
}

async fn fetch<S, B>(
    svc: S,
    req: Request<Empty<Bytes>>,
) -> (
    http::response::Parts,
    Vec<u8>,
    Option<HeaderMap>,
    Option<String>,
)
where
    S: Service<Request<Empty<Bytes>>, Response = Response<ResponseBody<B>>, Error = Infallible>,
    B: http_body::Body,
    B::Error: std::fmt::Display,
{
    let res = svc.oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let (data, trailers, error) = collect(body).await;
    (parts, data, trailers, error)
}

#[tokio::test]
async fn repairs_the_mcp_sdk_document_and_fixes_its_headers() {
    let up = Upstream::new();
    let svc = RepairMetadataLayer::new().layer(up.service(|_| {
        let mut r = json(MCP_SDK_DOC);
        let h = r.headers_mut();
        h.insert(header::ETAG, HeaderValue::from_static("\"v1\""));
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        h.insert(
            header::LAST_MODIFIED,
            HeaderValue::from_static("Tue, 01 Sep 2026 00:00:00 GMT"),
        );
        h.insert(
            HeaderName::from_static("content-digest"),
            HeaderValue::from_static("sha-256=:x=:"),
        );
        h.insert(
            HeaderName::from_static("repr-digest"),
            HeaderValue::from_static("sha-256=:x=:"),
        );
        h.insert(
            HeaderName::from_static("content-md5"),
            HeaderValue::from_static("x"),
        );
        r
    }));
    let (parts, body, _, err) = fetch(svc, get(DISCOVERY)).await;
    assert_eq!(err, None);
    assert_eq!(parts.status, StatusCode::OK);
    assert_eq!(String::from_utf8(body).unwrap(), MCP_SDK_FIXED);
    let h = &parts.headers;
    assert_eq!(h[header::CONTENT_LENGTH], MCP_SDK_FIXED.len().to_string());
    let etag = h[header::ETAG].to_str().unwrap();
    assert!(
        etag.starts_with("\"v1-") && etag.ends_with('"') && etag != "\"v1\"",
        "{etag}"
    );
    assert_eq!(h[header::CACHE_CONTROL], "public, max-age=3600");
    assert_eq!(h[header::VARY], "Origin");
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert_eq!(h[header::LAST_MODIFIED], "Tue, 01 Sep 2026 00:00:00 GMT");
    assert_eq!(h[header::CONTENT_TYPE], "application/json");
    for digest in ["content-digest", "repr-digest", "content-md5"] {
        assert!(!h.contains_key(digest), "{digest} must go");
    }
}

#[tokio::test]
async fn repairs_every_standard_placement_and_ignores_the_query() {
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/tenant/a",
        "/.well-known/openid-configuration",
        "/tenant/a/.well-known/openid-configuration",
        "/.well-known/openid-configuration/tenant",
        "/.well-known/oauth-authorization-server?x=1",
    ] {
        let up = Upstream::new();
        let svc = RepairMetadata::new(up.service(|_| json(MCP_SDK_DOC)));
        let (_, body, _, _) = fetch(svc, get(path)).await;
        assert_eq!(body, MCP_SDK_FIXED.as_bytes(), "{path}");
    }
}

#[tokio::test]
async fn leaves_other_paths_and_methods_untouched() {
    let requests = [
        get("/.well-known/oauth-authorization-server-evil"),
        get("/x/.well-known/oauth-authorization-serverx"),
        get("/.WELL-KNOWN/OAUTH-AUTHORIZATION-SERVER"),
        get("/api/metadata"),
        Request::post(DISCOVERY).body(Empty::new()).unwrap(),
        Request::builder()
            .method(Method::OPTIONS)
            .uri(DISCOVERY)
            .body(Empty::new())
            .unwrap(),
    ];
    for mut req in requests {
        let label = format!("{} {}", req.method(), req.uri());
        req.headers_mut()
            .insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        req.headers_mut()
            .insert(header::RANGE, HeaderValue::from_static("bytes=0-10"));
        let up = Upstream::new();
        let svc = RepairMetadata::new(up.service(|_| {
            let mut r = json(MCP_SDK_DOC);
            r.headers_mut()
                .insert(header::ETAG, HeaderValue::from_static("\"v1\""));
            r
        }));
        let (parts, body, _, _) = fetch(svc, req).await;
        assert_eq!(body, MCP_SDK_DOC.as_bytes(), "{label}");
        assert_eq!(parts.headers[header::ETAG], "\"v1\"", "{label}");
        let seen = up.last();
        assert_eq!(
            seen.headers[header::ACCEPT_ENCODING],
            "gzip",
            "{label}: request untouched"
        );
        assert_eq!(
            seen.headers[header::RANGE],
            "bytes=0-10",
            "{label}: request untouched"
        );
    }
}

#[tokio::test]
async fn asks_the_upstream_for_an_identity_full_fresh_document() {
    let up = Upstream::new();
    let svc = RepairMetadata::new(up.service(|_| json(MCP_SDK_DOC)));
    let req = Request::get(DISCOVERY)
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .header(header::RANGE, "bytes=0-10")
        .header(header::IF_RANGE, "\"v1\"")
        .header(header::IF_MODIFIED_SINCE, "Tue, 01 Sep 2026 00:00:00 GMT")
        .header(header::AUTHORIZATION, "Bearer x")
        .body(Empty::new())
        .unwrap();
    let _ = fetch(svc, req).await;
    let seen = up.last();
    assert_eq!(seen.headers[header::ACCEPT_ENCODING], "identity");
    for gone in [header::RANGE, header::IF_RANGE, header::IF_MODIFIED_SINCE] {
        assert!(
            !seen.headers.contains_key(&gone),
            "{gone} must not reach the upstream"
        );
    }
    assert_eq!(seen.headers[header::AUTHORIZATION], "Bearer x");
    // No Accept-Encoding at all means "anything": identity is asked for too.
    let up = Upstream::new();
    let svc = RepairMetadata::new(up.service(|_| json(MCP_SDK_DOC)));
    let _ = fetch(svc, get(DISCOVERY)).await;
    assert_eq!(up.last().headers[header::ACCEPT_ENCODING], "identity");
}

/// Responses that must come back exactly as the upstream sent them.
#[tokio::test]
async fn passes_through_what_cannot_be_repaired_safely() {
    type Tweak = fn(&mut Response<Full<Bytes>>);
    let cases: [(&str, Tweak); 9] = [
        ("gzip", |r| {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }),
        ("br", |r| {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        }),
        ("text/html", |r| {
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        }),
        ("404", |r| *r.status_mut() = StatusCode::NOT_FOUND),
        ("500", |r| {
            *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR
        }),
        ("206", |r| {
            *r.status_mut() = StatusCode::PARTIAL_CONTENT;
            r.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_static("bytes 0-9/100"),
            );
        }),
        ("203", |r| {
            *r.status_mut() = StatusCode::NON_AUTHORITATIVE_INFORMATION
        }),
        ("no-transform", |r| {
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, no-transform"),
            );
        }),
        ("bad content-length", |r| {
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("abc"));
        }),
    ];
    for (name, tweak) in cases {
        let up = Upstream::new();
        let svc = RepairMetadata::new(up.service(move |_| {
            let mut r = json(MCP_SDK_DOC);
            tweak(&mut r);
            r
        }));
        let mut want = json(MCP_SDK_DOC);
        tweak(&mut want);
        let (parts, body, _, _) = fetch(svc, get(DISCOVERY)).await;
        assert_eq!(body, MCP_SDK_DOC.as_bytes(), "{name}");
        assert_eq!(parts.status, want.status(), "{name}");
        assert_eq!(parts.headers, *want.headers(), "{name}");
    }
}

#[tokio::test]
async fn repairs_no_transform_documents_when_the_operator_opts_out() {
    let up = Upstream::new();
    let svc = RepairMetadataLayer::new()
        .repair_no_transform(true)
        .layer(up.service(|_| {
            let mut r = json(MCP_SDK_DOC);
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-transform"),
            );
            r
        }));
    let (_, body, _, _) = fetch(svc, get(DISCOVERY)).await;
    assert_eq!(body, MCP_SDK_FIXED.as_bytes());
}

#[tokio::test]
async fn repairs_json_media_types_and_a_missing_content_type() {
    for ct in [
        None,
        Some("application/json; charset=utf-8"),
        Some("application/ld+json"),
    ] {
        let up = Upstream::new();
        let svc = RepairMetadata::new(up.service(move |_| {
            let mut r = json(MCP_SDK_DOC);
            match ct {
                Some(ct) => r
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct)),
                None => r.headers_mut().remove(header::CONTENT_TYPE),
            };
            r
        }));
        let (_, body, _, _) = fetch(svc, get(DISCOVERY)).await;
        assert_eq!(body, MCP_SDK_FIXED.as_bytes(), "{ct:?}");
    }
}

#[tokio::test]
async fn passes_compliant_and_broken_documents_byte_identical_with_their_headers() {
    for doc in [
        r#"{"token_endpoint_auth_methods_supported":["none"]}"#,
        r#"{"token_endpoint_auth_methods_supported":["a",]}"#,
        "not json at all",
        r#"["an array"]"#,
        "",
    ] {
        let up = Upstream::new();
        let make = move |_: &http::request::Parts| {
            let mut r = json(doc);
            r.headers_mut()
                .insert(header::ETAG, HeaderValue::from_static("\"v1\""));
            r.headers_mut().insert(
                HeaderName::from_static("content-digest"),
                HeaderValue::from_static("d"),
            );
            r
        };
        let want = make(&get("/").into_parts().0);
        let svc = RepairMetadata::new(up.service(make));
        let (parts, body, _, err) = fetch(svc, get(DISCOVERY)).await;
        assert_eq!(err, None);
        assert_eq!(body, doc.as_bytes(), "{doc}");
        assert_eq!(parts.headers, *want.headers(), "{doc}");
    }
}

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
async fn head_reports_the_repaired_get_headers_without_a_body() {
    let up = Upstream::new();
    let svc = RepairMetadata::new(up.service(|p| {
        let mut r = json(MCP_SDK_DOC);
        r.headers_mut()
            .insert(header::ETAG, HeaderValue::from_static("\"v1\""));
        assert_eq!(
            p.method,
            Method::GET,
            "the upstream is asked for the GET representation"
        );
        r
    }));
    let (get_parts, _, _, _) = fetch(svc.clone(), get(DISCOVERY)).await;
    let head = Request::head(DISCOVERY).body(Empty::new()).unwrap();
    let (head_parts, body, _, _) = fetch(svc, head).await;
    assert!(body.is_empty());
    assert_eq!(head_parts.headers, get_parts.headers);
    assert_eq!(
        head_parts.headers[header::CONTENT_LENGTH],
        MCP_SDK_FIXED.len().to_string()
    );
}

/// An upstream that honours If-None-Match and If-Modified-Since.
fn conditional_upstream(
    up: &Upstream,
) -> impl Service<Request<Empty<Bytes>>, Response = Response<Full<Bytes>>, Error = Infallible> + Clone
{
    up.service(|p| {
        let inm = p
            .headers
            .get(header::IF_NONE_MATCH)
            .map(|v| v.to_str().unwrap().to_owned());
        let fresh = inm.is_some_and(|v| v.contains("\"v1\""))
            || p.headers.contains_key(header::IF_MODIFIED_SINCE);
        if fresh {
            return Response::builder()
                .status(StatusCode::NOT_MODIFIED)
                .header(header::ETAG, "\"v1\"")
                .body(Full::default())
                .unwrap();
        }
        let mut r = json(MCP_SDK_DOC);
        r.headers_mut()
            .insert(header::ETAG, HeaderValue::from_static("\"v1\""));
        r
    })
}

#[tokio::test]
async fn revalidates_a_repaired_copy_with_its_derived_etag() {
    let up = Upstream::new();
    let svc = RepairMetadata::new(conditional_upstream(&up));
    let (first, _, _, _) = fetch(svc.clone(), get(DISCOVERY)).await;
    let derived = first.headers[header::ETAG].clone();
    let req = Request::get(DISCOVERY)
        .header(header::IF_NONE_MATCH, derived.clone())
        .body(Empty::new())
        .unwrap();
    let (parts, body, _, _) = fetch(svc, req).await;
    assert_eq!(parts.status, StatusCode::NOT_MODIFIED);
    assert_eq!(parts.headers[header::ETAG], derived);
    assert!(body.is_empty());
    assert_eq!(
        up.last().headers[header::IF_NONE_MATCH],
        "\"v1\"",
        "mapped back for the upstream"
    );
}

#[tokio::test]
async fn never_blesses_a_copy_cached_before_the_layer() {
    for (name, value) in [
        (header::IF_NONE_MATCH, "\"v1\""),
        (header::IF_NONE_MATCH, "W/\"v1\""),
        (header::IF_NONE_MATCH, "*"),
        (header::IF_MODIFIED_SINCE, "Tue, 01 Sep 2026 00:00:00 GMT"),
    ] {
        let up = Upstream::new();
        let svc = RepairMetadata::new(conditional_upstream(&up));
        let req = Request::get(DISCOVERY)
            .header(name.clone(), value)
            .body(Empty::new())
            .unwrap();
        let (parts, body, _, _) = fetch(svc, req).await;
        assert_eq!(parts.status, StatusCode::OK, "{name}: {value}");
        assert_eq!(body, MCP_SDK_FIXED.as_bytes(), "{name}: {value}");
    }
}

#[tokio::test]
async fn changing_the_rules_changes_the_derived_etag() {
    let up = Upstream::new();
    let a = RepairMetadataLayer::new().layer(conditional_upstream(&up));
    let b = RepairMetadataLayer::new()
        .rule(oauth_metadata_repair::repair::Rule::revocation_endpoint_none())
        .layer(conditional_upstream(&up));
    let (pa, _, _, _) = fetch(a, get(DISCOVERY)).await;
    let (pb, _, _, _) = fetch(b, get(DISCOVERY)).await;
    assert_ne!(pa.headers[header::ETAG], pb.headers[header::ETAG]);
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
async fn head_of_a_document_left_alone_keeps_the_get_headers() {
    let up = Upstream::new();
    let svc = RepairMetadata::new(up.service(|_| {
        let mut r = json(MCP_SDK_DOC);
        *r.status_mut() = StatusCode::NOT_FOUND;
        r
    }));
    let head = Request::head(DISCOVERY).body(Empty::new()).unwrap();
    let (parts, body, _, err) = fetch(svc, head).await;
    assert_eq!(err, None);
    assert!(body.is_empty());
    assert_eq!(parts.status, StatusCode::NOT_FOUND);
    assert_eq!(
        parts.headers[header::CONTENT_LENGTH],
        MCP_SDK_DOC.len().to_string()
    );
}

#[tokio::test]
async fn the_path_matcher_can_be_replaced_or_extended() {
    use oauth_metadata_repair::{DiscoveryPaths, StandardPaths};
    let up = Upstream::new();
    let svc = || up.service(|_| json(MCP_SDK_DOC));
    // Extended: the standard paths and one custom path.
    let extended = RepairMetadataLayer::new()
        .also_paths("/meta/as.json")
        .layer(svc());
    for path in ["/meta/as.json", DISCOVERY] {
        let (_, body, _, _) = fetch(extended.clone(), get(path)).await;
        assert_eq!(body, MCP_SDK_FIXED.as_bytes(), "{path}");
    }
    // Replaced: a server mounted under /auth; the root placement no longer matches.
    let mounted = RepairMetadataLayer::new()
        .paths(StandardPaths.under_prefix("/auth"))
        .layer(svc());
    let (_, body, _, _) = fetch(
        mounted.clone(),
        get("/auth/.well-known/oauth-authorization-server"),
    )
    .await;
    assert_eq!(body, MCP_SDK_FIXED.as_bytes());
    let (_, body, _, _) = fetch(mounted, get(DISCOVERY)).await;
    assert_eq!(body, MCP_SDK_DOC.as_bytes());
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

#[tokio::test]
async fn a_remembered_repair_is_used_only_for_the_same_bytes() {
    // One layer whose clones serve documents that change between requests,
    // some of them concurrently: each answer is the repair of what that
    // upstream response held, never of a document served before.
    // Six shapes padded to one length, so that edits computed for one
    // document would land at plausible offsets in another.
    let lists = [
        r#"["a","b"]"#,
        r#"["abcde"]"#,
        r#""abcdefg""#,
        r#"["none"]"#,
        "[]",
        r#"[ "a" ]"#,
    ];
    let docs: Vec<String> = lists
        .iter()
        .map(|l| {
            let pad = "x".repeat(12 - l.len());
            format!(r#"{{"issuer":"https://{pad}","token_endpoint_auth_methods_supported":{l}}}"#)
        })
        .collect();
    let served = Arc::new(docs.clone());
    let layer = RepairMetadataLayer::new();
    let mut tasks = Vec::new();
    for round in 0..40usize {
        let served = Arc::clone(&served);
        let svc = layer.layer(service_fn(move |req: Request<Empty<Bytes>>| {
            let i: usize = req.uri().query().unwrap_or("0").parse().unwrap();
            let doc = served[i].clone();
            async move { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(doc)))) }
        }));
        tasks.push(tokio::spawn(async move {
            let i = (round * 7 + round / 3) % 6;
            let req = get(&format!("{DISCOVERY}?{i}"));
            let body = svc.oneshot(req).await.unwrap().into_body();
            (i, collect(body).await.0)
        }));
    }
    for task in tasks {
        let (i, body) = task.await.unwrap();
        let want = oauth_metadata_repair::repair::Repairer::new()
            .repair(docs[i].as_bytes())
            .map_or_else(|_| docs[i].clone().into_bytes(), |r| r.into_bytes());
        assert_eq!(
            String::from_utf8(body).unwrap(),
            String::from_utf8(want).unwrap()
        );
    }
}
