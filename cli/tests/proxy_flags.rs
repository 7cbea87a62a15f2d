//! The proxy's settings, on loopback: the command line checked at startup,
//! clients' forwarding headers replaced unless trusted, and the repair
//! flags reaching the layer.

mod support;

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use http::{header, Request};
use std::net::SocketAddr;
use std::sync::Arc;
use support::harness::fetch;
use support::proxy_upstream::{text, upstream_app};
use support::{harness, MCP_SDK_DOC};
use tokio::sync::Notify;

#[test]
fn the_command_line_is_checked() {
    let parse = harness::args;
    let startup = |a: &[&str]| {
        parse(a)
            .map_err(|e| e.to_string())
            .and_then(harness::server::Proxy::new)
    };
    let ok = parse(&[
        "--listen",
        "127.0.0.1:8080",
        "--upstream",
        "http://127.0.0.1:8000",
        "--max-body-bytes",
        "1024",
    ])
    .unwrap();
    assert_eq!(ok.repair.max_body_bytes, 1024);
    assert!(startup(&[
        "--listen",
        "127.0.0.1:8080",
        "--upstream",
        "https://127.0.0.1:8443"
    ])
    .is_ok());
    let bad: &[&[&str]] = &[
        &["--listen", "127.0.0.1:8080"],
        &["--listen", "nope", "--upstream", "http://127.0.0.1:8000"],
        &["--listen", "127.0.0.1:1", "--upstream", "ftp://x"],
        &["--listen", "127.0.0.1:1", "--upstream", "http://x/path"],
        &[
            "--listen",
            "127.0.0.1:1",
            "--upstream",
            "http://x",
            "--max-body-bytes",
            "-1",
        ],
        &[
            "--listen",
            "127.0.0.1:1",
            "--upstream",
            "http://x",
            "--rule",
            "bogus",
        ],
        &[
            "--listen",
            "127.0.0.1:1",
            "--upstream",
            "http://x",
            "--tls-cert",
            "c.pem",
        ],
        &[
            "--listen",
            "127.0.0.1:1",
            "--upstream",
            "http://x",
            "--path",
            "no-slash",
        ],
        &[
            "--listen",
            "127.0.0.1:1",
            "--upstream",
            "http://x",
            "--tls-cert",
            "/nonexistent/c.pem",
            "--tls-key",
            "/nonexistent/k.pem",
        ],
        &["--bogus"],
    ];
    for args in bad {
        assert!(startup(args).is_err(), "{args:?}");
    }
}

/// What a client claims about itself in forwarding headers reaches the
/// upstream only when the operator said to trust it.
#[tokio::test]
async fn forwarding_headers_from_clients_are_replaced_unless_trusted() {
    let up = harness::serve_app(upstream_app(Arc::new(Notify::new()))).await;
    let claims = [
        ("x-forwarded-for", "203.0.113.9"),
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "https"),
        ("forwarded", "for=203.0.113.9;host=evil.example;proto=https"),
    ];
    let send = |proxy: SocketAddr| async move {
        let mut req = Request::get(format!("http://{proxy}/echo"));
        for (n, v) in claims {
            req = req.header(n, v);
        }
        let res = harness::client()
            .request(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        text(res).await
    };

    let plain = harness::start_proxy_with(&format!("http://{up}"), &[]).await;
    let seen = send(plain.addr).await;
    assert!(!seen.contains("evil.example"), "{seen}");
    assert!(!seen.contains("203.0.113.9"), "{seen}");
    assert!(!seen.contains("forwarded: "), "{seen}");
    assert!(seen.contains("x-forwarded-for: 127.0.0.1\n"), "{seen}");
    assert!(
        seen.contains(&format!("x-forwarded-host: {}\n", plain.addr)),
        "{seen}"
    );
    assert!(seen.contains("x-forwarded-proto: http\n"), "{seen}");

    let trusting = harness::start_proxy_with(&format!("http://{up}"), &["--trust-forwarded"]).await;
    let seen = send(trusting.addr).await;
    assert!(
        seen.contains("x-forwarded-for: 203.0.113.9, 127.0.0.1\n"),
        "{seen}"
    );
    assert!(seen.contains("x-forwarded-host: evil.example\n"), "{seen}");
    assert!(seen.contains("x-forwarded-proto: https\n"), "{seen}");
    assert!(
        seen.contains("forwarded: for=203.0.113.9;host=evil.example;proto=https\n"),
        "{seen}"
    );
}

/// The library's settings reach the layer through the flags: extra rules,
/// placement, extra discovery paths and the no-transform switch.
#[tokio::test]
async fn the_repair_flags_take_effect() {
    use oauth_metadata_repair::repair::{Placement, Repairer, Rule};
    let app = Router::new()
        .route(
            "/meta/as.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], MCP_SDK_DOC) }),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "application/json"),
                        (header::CACHE_CONTROL, "no-transform"),
                    ],
                    MCP_SDK_DOC,
                )
            }),
        );
    let up = harness::serve_app(app).await;
    let flags = [
        "--rule",
        "revocation",
        "--prepend",
        "--path",
        "/meta/as.json",
        "--repair-no-transform",
    ];
    let proxy = harness::start_proxy_with(&format!("http://{up}"), &flags).await;
    let want = Repairer::new()
        .rule(Rule::revocation_endpoint_none())
        .placement(Placement::Prepend)
        .advertise_iss(true)
        .repair(MCP_SDK_DOC.as_bytes())
        .unwrap();
    assert!(std::str::from_utf8(want.as_bytes())
        .unwrap()
        .contains(r#"["none","client_secret_post""#));
    for path in ["/meta/as.json", "/.well-known/oauth-authorization-server"] {
        let res = fetch(&harness::client(), format!("http://{}{path}", proxy.addr)).await;
        assert_eq!(text(res).await.as_bytes(), want.as_bytes(), "{path}");
    }
}
