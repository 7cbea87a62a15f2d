//! The `tracing` feature: one event per repaired document, one debug event
//! with the reason per discovery response left alone.
#![cfg(feature = "tracing")]

mod support;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, Full};
use oauth_metadata_repair::RepairMetadata;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use support::MCP_SDK_DOC;
use tower::{service_fn, ServiceExt};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every event as "LEVEL field=value ...".
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = Line(event.metadata().level().to_string());
        event.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn events_for(doc: &'static str, status: StatusCode) -> Vec<String> {
    let recorder = Recorder::default();
    tracing::subscriber::with_default(recorder.clone(), || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let svc = RepairMetadata::new(service_fn(move |_: Request<Empty<Bytes>>| async move {
                let mut r = Response::new(Full::new(Bytes::from_static(doc.as_bytes())));
                *r.status_mut() = status;
                Ok::<_, Infallible>(r)
            }));
            let req = Request::get("/.well-known/openid-configuration")
                .body(Empty::new())
                .unwrap();
            let res = svc.clone().oneshot(req).await.unwrap();
            res.into_body().collect().await.unwrap();
            // Another route: no event at all.
            let res = svc
                .oneshot(Request::get("/api").body(Empty::new()).unwrap())
                .await
                .unwrap();
            res.into_body().collect().await.unwrap();
        });
    });
    let events = recorder.0.lock().unwrap().clone();
    events
}

#[test]
fn one_info_event_per_repaired_document() {
    let events = events_for(MCP_SDK_DOC, StatusCode::OK);
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].starts_with("INFO"), "{events:?}");
    assert!(
        events[0].contains("token_endpoint_auth_methods_supported"),
        "{events:?}"
    );
    assert!(
        events[0].contains("signed_metadata_kept=false"),
        "{events:?}"
    );
}

#[test]
fn the_event_says_when_signed_metadata_was_kept() {
    let events = events_for(
        r#"{"signed_metadata":"a.b.c","token_endpoint_auth_methods_supported":["x"]}"#,
        StatusCode::OK,
    );
    assert!(
        events[0].contains("signed_metadata_kept=true"),
        "{events:?}"
    );
}

#[test]
fn one_debug_event_with_the_reason_per_document_left_alone() {
    for (doc, status, reason) in [
        ("not json", StatusCode::OK, "not json"),
        (
            r#"{"token_endpoint_auth_methods_supported":["none"]}"#,
            StatusCode::OK,
            "already compliant",
        ),
        (MCP_SDK_DOC, StatusCode::NOT_FOUND, "status"),
    ] {
        let events = events_for(doc, status);
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(events[0].starts_with("DEBUG"), "{events:?}");
        assert!(events[0].contains(reason), "{reason}: {events:?}");
    }
}

/// The events of one authorization redirect through a layer with the `iss`
/// repair, after `first` (a path) was asked.
fn iss_events(doc: &'static str, first: &'static str) -> Vec<String> {
    use oauth_metadata_repair::{Issuer, RepairMetadataLayer};
    use tower::Layer;
    let recorder = Recorder::default();
    tracing::subscriber::with_default(recorder.clone(), || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let svc = RepairMetadataLayer::new()
                .iss(Issuer::learned())
                .layer(service_fn(move |req: Request<Empty<Bytes>>| async move {
                    let mut r = Response::new(Full::new(Bytes::from_static(doc.as_bytes())));
                    if req.uri().path() == "/authorize" {
                        *r.status_mut() = StatusCode::FOUND;
                        r.headers_mut().insert(
                            http::header::LOCATION,
                            http::HeaderValue::from_static("/cb?code=c&state=s"),
                        );
                    }
                    Ok::<_, Infallible>(r)
                }));
            for path in [first, "/authorize"] {
                let req = Request::get(path).body(Empty::new()).unwrap();
                let res = svc.clone().oneshot(req).await.unwrap();
                res.into_body().collect().await.unwrap();
            }
        });
    });
    let events = recorder.0.lock().unwrap().clone();
    events
}

#[test]
fn an_event_when_iss_is_added_and_when_it_cannot_be() {
    let added = iss_events(r#"{"issuer":"https://as.example/"}"#, "/authorize");
    assert!(
        added.iter().any(|e| e.starts_with("INFO")
            && e.contains("added iss")
            && e.contains("https://as.example/")),
        "{added:?}"
    );
    // A server that states the member: the repair leaves its redirects
    // alone, and says so for one that lacks iss.
    let doc =
        r#"{"issuer":"https://as.example/","authorization_response_iss_parameter_supported":true}"#;
    let left = iss_events(doc, "/.well-known/oauth-authorization-server");
    assert!(
        left.iter().any(|e| e.starts_with("WARN")
            && e.contains("left without iss")
            && e.contains("states")),
        "{left:?}"
    );
}
