//! The RFC 9207 `iss` repair through the layer: redirects from any route
//! get `iss`, the metadata advertises it, both or neither.

mod support;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{Empty, Full};
use oauth_metadata_repair::{Issuer, RepairMetadataLayer};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use support::collect;
use support::layer::DISCOVERY;
use tower::{service_fn, Layer, Service, ServiceExt};

const SDK_AS: &str = r#"{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize","token_endpoint_auth_methods_supported":["client_secret_post"]}"#;
const CALLBACK: &str = "http://127.0.0.1:33418/oauth/callback?code=c1&state=s1";
const WITH_ISS: &str =
    "http://127.0.0.1:33418/oauth/callback?code=c1&state=s1&iss=http%3A%2F%2F127.0.0.1%3A8000%2F";

/// An authorization server: its metadata at `metadata_path`, a protected
/// resource document, `/authorize` answering `authorize`, a login page that
/// redirects to the client, and every request path it saw.
#[derive(Clone)]
struct Server {
    doc: &'static str,
    metadata_path: &'static str,
    authorize: (u16, &'static str),
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn new(doc: &'static str) -> Self {
        Self {
            doc,
            metadata_path: DISCOVERY,
            authorize: (302, CALLBACK),
            seen: Arc::default(),
        }
    }

    fn authorize(mut self, status: u16, location: &'static str) -> Self {
        self.authorize = (status, location);
        self
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    fn answer(&self, path: &str) -> Response<Full<Bytes>> {
        self.seen.lock().unwrap().push(path.to_owned());
        let json = |doc: &'static str| {
            Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ETAG, "\"v1\"")
                .body(Full::new(Bytes::from_static(doc.as_bytes())))
                .unwrap()
        };
        let redirect = |status: u16, to: &'static str| {
            Response::builder()
                .status(status)
                .header(header::LOCATION, to)
                .body(Full::default())
                .unwrap()
        };
        match path {
            p if p == self.metadata_path => json(self.doc),
            "/.well-known/oauth-protected-resource" => json(
                r#"{"resource":"http://127.0.0.1:8000/mcp","authorization_servers":["http://127.0.0.1:8000/"]}"#,
            ),
            "/authorize" => redirect(self.authorize.0, self.authorize.1),
            // A login page, then its form's target sends the browser back.
            "/login" => Response::new(Full::new(Bytes::from_static(b"<form>"))),
            "/login/callback" => redirect(303, CALLBACK),
            _ => Response::builder()
                .status(404)
                .body(Full::default())
                .unwrap(),
        }
    }

    fn service(
        &self,
    ) -> impl Service<
        Request<Empty<Bytes>>,
        Response = Response<Full<Bytes>>,
        Error = Infallible,
        Future = impl Send,
    > + Clone {
        let server = self.clone();
        service_fn(move |req: Request<Empty<Bytes>>| {
            let res = server.answer(req.uri().path());
            async move { Ok::<_, Infallible>(res) }
        })
    }
}

/// One request through a fresh clone of `svc`: status, `Location`, body.
async fn send<S, B>(svc: &S, path: &str) -> (StatusCode, Option<String>, String)
where
    S: Service<Request<Empty<Bytes>>, Response = Response<B>, Error = Infallible> + Clone,
    B: http_body::Body,
    B::Error: std::fmt::Display,
{
    let req = Request::get(path).body(Empty::new()).unwrap();
    let res = svc.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let (body, _, _) = collect(res.into_body()).await;
    (status, location, String::from_utf8(body).unwrap())
}

fn learned() -> RepairMetadataLayer {
    RepairMetadataLayer::new().iss(Issuer::learned())
}

#[tokio::test]
async fn the_first_authorization_response_after_start_carries_the_metadata_issuer() {
    let server = Server::new(SDK_AS);
    let svc = learned().layer(server.service());
    let (status, location, _) = send(&svc, "/authorize").await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location.as_deref(), Some(WITH_ISS));
    // The layer asked the service for its own metadata, once.
    assert_eq!(server.seen(), ["/authorize", DISCOVERY]);
    let (_, location, _) = send(&svc, "/authorize").await;
    assert_eq!(location.as_deref(), Some(WITH_ISS));
    assert_eq!(server.seen().len(), 3, "learned once, not per request");
}

#[tokio::test]
async fn the_metadata_advertises_iss_and_the_issuer_comes_from_it() {
    let server = Server::new(SDK_AS);
    let svc = learned().layer(server.service());
    let (_, _, doc) = send(&svc, DISCOVERY).await;
    assert_eq!(
        doc,
        r#"{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize","token_endpoint_auth_methods_supported":["client_secret_post","none"],"authorization_response_iss_parameter_supported":true}"#
    );
    let (_, location, _) = send(&svc, "/authorize").await;
    assert_eq!(location.as_deref(), Some(WITH_ISS));
    // Learned from the document served: no fetch of its own.
    assert_eq!(server.seen(), [DISCOVERY, "/authorize"]);
}

#[tokio::test]
async fn error_responses_get_iss_too() {
    let server = Server::new(SDK_AS).authorize(
        302,
        "http://127.0.0.1:33418/cb?error=access_denied&error_description=denied&state=s1",
    );
    let svc = learned().layer(server.service());
    let (_, location, _) = send(&svc, "/authorize").await;
    assert_eq!(
        location.as_deref(),
        Some("http://127.0.0.1:33418/cb?error=access_denied&error_description=denied&state=s1&iss=http%3A%2F%2F127.0.0.1%3A8000%2F")
    );
}

#[tokio::test]
async fn the_login_page_flow_gets_iss_on_the_later_route() {
    let server = Server::new(SDK_AS).authorize(302, "/login?state=s1&client_id=c");
    let svc = learned().layer(server.service());
    // /authorize sends the browser to the login page: not a response yet.
    let (_, location, _) = send(&svc, "/authorize").await;
    assert_eq!(location.as_deref(), Some("/login?state=s1&client_id=c"));
    let (status, location, body) = send(&svc, "/login").await;
    assert_eq!(
        (status, location, body.as_str()),
        (StatusCode::OK, None, "<form>")
    );
    let (status, location, _) = send(&svc, "/login/callback").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some(WITH_ISS));
}

#[tokio::test]
async fn redirects_that_are_not_authorization_responses_without_iss_are_untouched() {
    for to in [
        "http://127.0.0.1:33418/cb?code=c1&state=s1&iss=http%3A%2F%2Fother%2F",
        "http://127.0.0.1:33418/cb?code=c1",
        "/login?state=s1",
        "http://127.0.0.1:33418/cb#code=c1&state=s1",
    ] {
        let server = Server::new(SDK_AS).authorize(302, to);
        let svc = learned().layer(server.service());
        let (_, location, _) = send(&svc, "/authorize").await;
        assert_eq!(location.as_deref(), Some(to));
        // Nothing needed an issuer, so nothing was fetched.
        assert_eq!(server.seen(), ["/authorize"]);
    }
}

#[tokio::test]
async fn a_response_that_is_not_a_redirect_is_untouched() {
    // A Location on a 201 or a 200 (a form_post page, say) is not a redirect.
    for status in [200, 201, 400] {
        let server = Server::new(SDK_AS).authorize(status, CALLBACK);
        let svc = learned().layer(server.service());
        let (got, location, _) = send(&svc, "/authorize").await;
        assert_eq!(got.as_u16(), status);
        assert_eq!(location.as_deref(), Some(CALLBACK));
        assert_eq!(server.seen(), ["/authorize"]);
    }
}

#[tokio::test]
async fn the_issuer_keeps_its_exact_bytes() {
    for (doc, encoded) in [
        (
            r#"{"issuer":"https://as.example/tenant/a/"}"#,
            "https%3A%2F%2Fas.example%2Ftenant%2Fa%2F",
        ),
        (
            r#"{"issuer":"https:\/\/as.example\/t%20x?\u00fc&y"}"#,
            "https%3A%2F%2Fas.example%2Ft%2520x%3F%C3%BC%26y",
        ),
    ] {
        let server = Server::new(doc);
        let svc = learned().layer(server.service());
        let (_, location, _) = send(&svc, "/authorize").await;
        assert_eq!(location, Some(format!("{CALLBACK}&iss={encoded}")));
    }
}

#[tokio::test]
async fn a_server_that_already_advertises_is_untouched() {
    for stated in ["true", "false"] {
        let doc: &'static str = Box::leak(
            format!(r#"{{"issuer":"http://127.0.0.1:8000/","token_endpoint_auth_methods_supported":["none"],"authorization_response_iss_parameter_supported":{stated}}}"#)
                .into_boxed_str(),
        );
        for first in ["/authorize", DISCOVERY] {
            let server = Server::new(doc);
            let svc = learned().layer(server.service());
            let (_, body, _) = (send(&svc, first).await, send(&svc, DISCOVERY).await.2, ());
            assert_eq!(body, doc);
            let (_, location, _) = send(&svc, "/authorize").await;
            assert_eq!(location.as_deref(), Some(CALLBACK), "{stated} {first}");
        }
    }
}

#[tokio::test]
async fn protected_resource_metadata_is_not_advertised() {
    // Matched on purpose: a document without an issuer gets no advertisement.
    let svc = learned()
        .also_paths("/.well-known/oauth-protected-resource")
        .layer(Server::new(SDK_AS).service());
    let (_, _, doc) = send(&svc, "/.well-known/oauth-protected-resource").await;
    assert_eq!(
        doc,
        r#"{"resource":"http://127.0.0.1:8000/mcp","authorization_servers":["http://127.0.0.1:8000/"],"token_endpoint_auth_methods_supported":["client_secret_basic","none"]}"#
    );
    assert!(!doc.contains("iss_parameter"));
}

#[tokio::test]
async fn new_keeps_the_none_repair_only() {
    let server = Server::new(SDK_AS);
    let svc = RepairMetadataLayer::new().layer(server.service());
    let (_, location, _) = send(&svc, "/authorize").await;
    assert_eq!(location.as_deref(), Some(CALLBACK));
    let (_, _, doc) = send(&svc, DISCOVERY).await;
    assert!(!doc.contains("iss_parameter"), "{doc}");
    assert_eq!(server.seen(), ["/authorize", DISCOVERY]);
}

#[tokio::test]
async fn a_configured_issuer_needs_no_metadata() {
    let mut server = Server::new(SDK_AS);
    server.metadata_path = "/elsewhere";
    let svc = RepairMetadataLayer::new()
        .iss(Issuer::configured("https://id.example/a/"))
        .layer(server.service());
    let (_, location, _) = send(&svc, "/authorize").await;
    assert_eq!(
        location,
        Some(format!("{CALLBACK}&iss=https%3A%2F%2Fid.example%2Fa%2F"))
    );
    assert_eq!(server.seen(), ["/authorize"]);
}

#[tokio::test]
async fn metadata_found_nowhere_leaves_redirects_alone_and_is_asked_for_once() {
    let mut server = Server::new(SDK_AS);
    server.metadata_path = "/elsewhere";
    let svc = learned().layer(server.service());
    let (_, location, _) = send(&svc, "/authorize").await;
    assert_eq!(location.as_deref(), Some(CALLBACK));
    assert_eq!(
        server.seen(),
        ["/authorize", DISCOVERY, "/.well-known/openid-configuration"]
    );
    let (_, location, _) = send(&svc, "/authorize").await;
    assert_eq!(location.as_deref(), Some(CALLBACK));
    assert_eq!(server.seen().len(), 4);
}

#[tokio::test]
async fn two_issuers_behind_one_layer_turn_the_repair_off_rather_than_guess() {
    let svc = learned().layer(service_fn(|req: Request<Empty<Bytes>>| async move {
        let doc = match req.uri().path() {
            "/.well-known/oauth-authorization-server/a" => r#"{"issuer":"https://h/a"}"#,
            "/.well-known/oauth-authorization-server/b" => r#"{"issuer":"https://h/b"}"#,
            _ => {
                let mut r = Response::new(Full::default());
                *r.status_mut() = StatusCode::FOUND;
                r.headers_mut()
                    .insert(header::LOCATION, HeaderValue::from_static(CALLBACK));
                return Ok::<_, Infallible>(r);
            }
        };
        Ok(Response::new(Full::new(Bytes::from_static(doc.as_bytes()))))
    }));
    send(&svc, "/.well-known/oauth-authorization-server/a").await;
    let (_, location, _) = send(&svc, "/authorize").await;
    assert_eq!(
        location,
        Some(format!("{CALLBACK}&iss=https%3A%2F%2Fh%2Fa"))
    );
    send(&svc, "/.well-known/oauth-authorization-server/b").await;
    let (_, location, _) = send(&svc, "/authorize").await;
    assert_eq!(location.as_deref(), Some(CALLBACK));
}

#[tokio::test]
async fn the_etag_of_a_repaired_document_names_the_iss_rule() {
    let etag = |layer: RepairMetadataLayer| async move {
        let req = Request::get(DISCOVERY).body(Empty::new()).unwrap();
        let res = layer
            .layer(Server::new(SDK_AS).service())
            .oneshot(req)
            .await
            .unwrap();
        res.headers()[header::ETAG].clone()
    };
    let plain = etag(RepairMetadataLayer::new()).await;
    let with_iss = etag(learned()).await;
    let configured = etag(RepairMetadataLayer::new().iss(Issuer::configured("x"))).await;
    assert_ne!(plain, with_iss);
    assert_ne!(with_iss, configured);
}
