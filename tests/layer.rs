//! HTTP-level behaviour of the layer around `tower::service_fn`: what it
//! repairs, what it leaves alone, and the matcher.

mod support;

use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{Empty, Full};
use oauth_metadata_repair::{RepairMetadata, RepairMetadataLayer};
use std::convert::Infallible;
use std::sync::Arc;
use support::layer::{fetch, get, json, Upstream, DISCOVERY};
use support::{collect, MCP_SDK_DOC, MCP_SDK_FIXED};
use tower::{service_fn, Layer, ServiceExt};

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
