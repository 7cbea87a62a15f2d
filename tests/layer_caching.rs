//! `HEAD` and HTTP caching through the layer: derived `ETag`s, revalidation,
//! and copies cached before the layer.

mod support;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{Empty, Full};
use oauth_metadata_repair::{RepairMetadata, RepairMetadataLayer};
use std::convert::Infallible;
use support::layer::{fetch, get, json, Upstream, DISCOVERY};
use support::{MCP_SDK_DOC, MCP_SDK_FIXED};
use tower::{Layer, Service};

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
