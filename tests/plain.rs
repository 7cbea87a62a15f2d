//! The plain rules (`oauth_metadata_repair::plain`) give what the layer
//! gives: each case runs through the Tower layer on `http` types and through
//! `Core` on header pairs, and the request the application sees and the
//! response the client gets must be equal.

mod support;

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full};
use oauth_metadata_repair::plain::Headers;
use oauth_metadata_repair::RepairMetadataLayer;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use support::{MCP_SDK_DOC, MCP_SDK_FIXED};
use tower::{service_fn, Layer, ServiceExt};

struct Case {
    method: &'static str,
    path: &'static str,
    request: &'static [(&'static str, &'static str)],
    status: u16,
    response: &'static [(&'static str, &'static str)],
    body: &'static str,
}

/// What the application saw and what the client got.
type Seen = (String, Headers, u16, Headers, Vec<u8>);

fn pairs(h: &[(&str, &str)]) -> Headers {
    h.iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

fn sorted(mut h: Headers) -> Headers {
    h.sort();
    h
}

fn from_map(map: &HeaderMap) -> Headers {
    sorted(
        map.iter()
            .map(|(n, v)| (n.as_str().as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect(),
    )
}

async fn through_layer(layer: &RepairMetadataLayer, case: &Case) -> Seen {
    let saw = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&saw);
    let (status, response, body) = (case.status, case.response, case.body);
    let svc = layer.layer(service_fn(move |req: Request<Full<Bytes>>| {
        *seen.lock().unwrap() = Some((req.method().to_string(), from_map(req.headers())));
        let mut res = Response::builder().status(status);
        for (n, v) in response {
            res = res.header(*n, *v);
        }
        async move { Ok::<_, Infallible>(res.body(Full::new(Bytes::from(body))).unwrap()) }
    }));
    let mut req = Request::builder().method(case.method).uri(case.path);
    for (n, v) in case.request {
        req = req.header(*n, *v);
    }
    let res = svc
        .oneshot(req.body(Full::default()).unwrap())
        .await
        .unwrap();
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes().to_vec();
    let (method, headers) = saw.lock().unwrap().take().unwrap();
    (
        method,
        headers,
        parts.status.as_u16(),
        from_map(&parts.headers),
        body,
    )
}

/// What an adapter over `Core` does (the ASGI middleware does this in
/// Python).
fn through_core(layer: &RepairMetadataLayer, case: &Case) -> Seen {
    let core = layer.core();
    let mut request = pairs(case.request);
    let plan = core.plan_request(
        case.method,
        case.path.split('?').next().unwrap(),
        &mut request,
    );
    let method = match plan {
        Some(p) if p.head() => "GET",
        _ => case.method,
    };
    let mut headers = pairs(case.response);
    let mut body = case.body.as_bytes().to_vec();
    if let Some(plan) = plan {
        if core
            .check_response(&plan, case.status, &mut headers)
            .is_ok()
            && body.len() <= core.max_body_bytes()
        {
            if let Ok(repaired) = core.repair(&body, &mut headers) {
                body = repaired;
            }
        }
        if plan.head() {
            body.clear();
        }
    }
    (
        method.to_string(),
        sorted(request),
        case.status,
        sorted(headers),
        body,
    )
}

const JSON: (&str, &str) = ("content-type", "application/json");

#[tokio::test]
async fn the_plain_rules_and_the_layer_agree_on_every_case() {
    let layer = RepairMetadataLayer::new().max_body_bytes(600);
    let suffix = layer.core().etag_suffix().to_string();
    let ours: &'static str = Box::leak(format!("\"v1{suffix}\", \"old\"").into_boxed_str());
    let cases = [
        Case {
            method: "GET",
            path: "/.well-known/oauth-authorization-server",
            request: &[
                ("accept-encoding", "gzip"),
                ("range", "bytes=0-5"),
                ("if-modified-since", "x"),
            ],
            status: 200,
            response: &[
                JSON,
                ("etag", "\"v1\""),
                ("content-digest", "x"),
                ("content-length", "412"),
            ],
            body: MCP_SDK_DOC,
        },
        Case {
            method: "HEAD",
            path: "/.well-known/oauth-authorization-server?x=1",
            request: &[],
            status: 200,
            response: &[JSON, ("etag", "W/\"v1\"")],
            body: MCP_SDK_DOC,
        },
        Case {
            method: "GET",
            path: "/.well-known/openid-configuration",
            request: Box::leak(Box::new([("if-none-match", ours)])),
            status: 304,
            response: &[("etag", "\"v1\"")],
            body: "",
        },
        Case {
            method: "GET",
            path: "/.well-known/openid-configuration",
            request: &[("if-none-match", "\"old\"")],
            status: 200,
            response: &[JSON, ("content-encoding", "gzip")],
            body: MCP_SDK_DOC,
        },
        Case {
            method: "GET",
            path: "/.well-known/openid-configuration",
            request: &[],
            status: 200,
            response: &[JSON, ("cache-control", "no-transform")],
            body: MCP_SDK_DOC,
        },
        Case {
            method: "GET",
            path: "/.well-known/openid-configuration",
            request: &[],
            status: 200,
            response: &[("content-type", "text/html")],
            body: MCP_SDK_DOC,
        },
        Case {
            method: "GET",
            path: "/.well-known/openid-configuration",
            request: &[],
            status: 200,
            response: &[JSON, ("content-length", "9999")],
            body: MCP_SDK_DOC,
        },
        Case {
            method: "GET",
            path: "/.well-known/openid-configuration",
            request: &[],
            status: 200,
            response: &[JSON],
            body: MCP_SDK_FIXED,
        },
        Case {
            method: "GET",
            path: "/.well-known/openid-configuration",
            request: &[],
            status: 404,
            response: &[JSON],
            body: MCP_SDK_DOC,
        },
        Case {
            method: "GET",
            path: "/.well-known/oauth-authorization-server/../x",
            request: &[("accept-encoding", "gzip")],
            status: 200,
            response: &[JSON],
            body: MCP_SDK_DOC,
        },
        Case {
            method: "POST",
            path: "/.well-known/oauth-authorization-server",
            request: &[("accept-encoding", "gzip")],
            status: 200,
            response: &[JSON],
            body: MCP_SDK_DOC,
        },
        Case {
            method: "GET",
            path: "/t/.well-known/openid-configuration",
            request: &[],
            status: 200,
            response: &[
                ("content-type", "application/json; charset=utf-8"),
                ("etag", "bad"),
            ],
            body: "{}",
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let layer_saw = through_layer(&layer, case).await;
        let core_saw = through_core(&layer, case);
        assert_eq!(
            layer_saw, core_saw,
            "case {i}: {} {}",
            case.method, case.path
        );
    }
    // The table is not vacuous: the first case is repaired, with a derived tag.
    let (_, _, _, headers, body) = through_core(&layer, &cases[0]);
    assert_eq!(body, MCP_SDK_FIXED.as_bytes());
    assert!(headers.contains(&(b"etag".to_vec(), format!("\"v1{suffix}\"").into_bytes())));
}

/// The iss repair: an application whose metadata names its issuer and whose
/// `/authorize` redirects to the client, through the layer and through an
/// adapter over `Core` (fetching the metadata on the first redirect as the
/// ASGI middleware does).
#[tokio::test]
async fn the_plain_iss_repair_and_the_layer_agree() {
    const DOC: &str = r#"{"issuer":"http://127.0.0.1:8000/","token_endpoint_auth_methods_supported":["client_secret_post"]}"#;
    const CALLBACK: &str = "http://127.0.0.1:9/cb?code=c1&state=s1";
    fn app(path: &str) -> (u16, Headers, &'static str) {
        match path {
            "/.well-known/oauth-authorization-server" => (200, pairs(&[JSON]), DOC),
            "/authorize" => (302, pairs(&[("location", CALLBACK)]), ""),
            _ => (404, Headers::new(), ""),
        }
    }
    let layer_svc = RepairMetadataLayer::new()
        .iss(oauth_metadata_repair::Issuer::learned())
        .layer(service_fn(|req: Request<Full<Bytes>>| {
            let (status, headers, body) = app(req.uri().path());
            let mut res = Response::builder().status(status);
            for (n, v) in headers {
                res = res.header(n, v);
            }
            async move { Ok::<_, Infallible>(res.body(Full::new(Bytes::from(body))).unwrap()) }
        }));
    let core = RepairMetadataLayer::new()
        .iss(oauth_metadata_repair::Issuer::learned())
        .core();
    // First a redirect (the issuer learned on the spot), then the document.
    let req = Request::get("/authorize").body(Full::default()).unwrap();
    let res = layer_svc.clone().oneshot(req).await.unwrap();
    let layer_location = res.headers()["location"].as_bytes().to_vec();
    let (status, mut headers, _) = app("/authorize");
    if core.redirect(status, &mut headers) == oauth_metadata_repair::plain::Redirect::NeedIssuer {
        let learned = core.metadata_paths().iter().any(|path| {
            let (status, headers, body) = app(path);
            core.learn(status, &headers, body.as_bytes())
        });
        if !learned {
            core.metadata_unavailable();
        }
        assert_eq!(
            core.redirect(status, &mut headers),
            oauth_metadata_repair::plain::Redirect::Send
        );
    }
    assert_eq!(headers[0].1, layer_location);
    assert!(layer_location.ends_with(b"&iss=http%3A%2F%2F127.0.0.1%3A8000%2F"));
    let req = Request::get("/.well-known/oauth-authorization-server")
        .body(Full::default())
        .unwrap();
    let res = layer_svc.oneshot(req).await.unwrap();
    let layer_doc = res.into_body().collect().await.unwrap().to_bytes();
    let (_, mut headers, body) = app("/.well-known/oauth-authorization-server");
    let plan = core
        .plan_request(
            "GET",
            "/.well-known/oauth-authorization-server",
            &mut Headers::new(),
        )
        .unwrap();
    assert!(core.check_response(&plan, 200, &mut headers).is_ok());
    let core_doc = core.repair(body.as_bytes(), &mut headers).unwrap();
    assert_eq!(core_doc, layer_doc.to_vec());
    assert!(core_doc.ends_with(br#""authorization_response_iss_parameter_supported":true}"#));
}
