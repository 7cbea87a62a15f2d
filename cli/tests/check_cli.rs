//! `oauth-metadata-repair check` as an operator runs it: the exit status
//! (0, 1, 2), one line on stderr when there is no report, the documented
//! JSON shape, and hostile or broken servers (unreachable, not HTTP, a
//! redirect loop, 30 MB, no answer) giving a clear result, never a panic.

mod support;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use serde_json::Value;
use support::check_cli::{assert_documented_shape, run, run_with, stops, text};
use support::check_server::{serve, Defects};
use tokio::io::AsyncWriteExt;

/// The finding `id` of a JSON report.
fn finding<'a>(r: &'a Value, id: &str) -> &'a Value {
    let all = r["findings"].as_array().unwrap();
    all.iter().find(|f| f["id"] == id).unwrap()
}

#[tokio::test]
async fn json_follows_the_documented_shape_and_exit_status_follows_the_fails() {
    let good = serve(Defects::default()).await;
    let out = run(&[
        "check",
        "--json",
        "--register",
        &format!("http://{good}/mcp"),
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_documented_shape(&r);
    assert_eq!(r["registered_client"], true);

    let bad = serve(Defects::no_none()).await;
    let out = run(&["check", "--json", &format!("http://{bad}/mcp")]).await;
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_documented_shape(&r);
    assert!(r["summary"]["clients_failing"]
        .as_array()
        .unwrap()
        .contains(&Value::from("mcp-remote")));
    assert_eq!(r["repair"]["repaired"], true);

    let out = run(&["check", "--json", "--issuer", &format!("http://{bad}")]).await;
    assert_eq!(out.status.code(), Some(1));
    assert_documented_shape(&serde_json::from_slice(&out.stdout).unwrap());
}

#[tokio::test]
async fn the_text_report_has_one_line_per_finding_severity_first_and_a_summary() {
    let bad = serve(Defects::no_none()).await;
    let out = run(&["check", &format!("http://{bad}/mcp")]).await;
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(!report.contains('\x1b'), "colour only on a terminal");
    let fail: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("  FAIL "))
        .collect();
    assert_eq!(fail.len(), 1, "{report}");
    assert!(fail[0].contains("server.token-auth-none"));
    assert!(report.lines().filter(|l| l.starts_with("  PASS ")).count() >= 10);
    let last = report.lines().last().unwrap();
    assert!(
        last.starts_with("Summary: 1 FAIL, 0 WARN,")
            && last.contains("clients that will fail: mcp-remote"),
        "{last}"
    );
    let coloured = run(&["check", "--color", "always", &format!("http://{bad}/mcp")]).await;
    assert!(text(&coloured.stdout).contains("\x1b[1;31mFAIL\x1b[0m"));
}

#[tokio::test]
async fn usage_errors_and_unreachable_servers_exit_2_with_one_line() {
    stops(&["check"], "required").await;
    stops(&["check", "ftp://127.0.0.1/mcp"], "is not http or https").await;
    stops(&["check", "not a url"], "not a URL").await;
    stops(
        &[
            "check",
            "http://127.0.0.1:1/mcp",
            "--issuer",
            "http://127.0.0.1:1",
        ],
        "cannot be used with",
    )
    .await;
    stops(
        &[
            "check",
            "--upstream-ca",
            "/nonexistent/ca.pem",
            "http://127.0.0.1:1/mcp",
        ],
        "/nonexistent/ca.pem",
    )
    .await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    stops(
        &["check", &format!("http://{closed}/mcp")],
        "cannot connect",
    )
    .await;
    stops(
        &["check", "--issuer", &format!("http://{closed}")],
        "cannot connect",
    )
    .await;
}

#[tokio::test]
async fn a_server_answering_garbage_or_nothing_exits_2() {
    let garbage = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let g = garbage.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = garbage.accept().await {
            let _ = s
                .write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff garbage\r\n\r\n")
                .await;
        }
    });
    stops(&["check", &format!("http://{g}/mcp")], "no HTTP answer").await;

    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let s = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((c, _)) = silent.accept().await {
            held.push(c); // never answers
        }
    });
    stops(
        &["check", "--timeout", "1", &format!("http://{s}/mcp")],
        "no answer within the timeout",
    )
    .await;
}

async fn serve_app(app: Router) -> std::net::SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    a
}

#[tokio::test]
async fn a_redirect_loop_is_a_fail_with_a_clear_reason() {
    let app = Router::new().fallback(any(|uri: axum::http::Uri| async move {
        (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, uri.path().to_owned())],
        )
            .into_response()
    }));
    let addr = serve_app(app).await;
    let out = run(&["check", "--json", &format!("http://{addr}/mcp")]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_documented_shape(&r);
    let challenge = finding(&r, "mcp.challenge");
    assert_eq!(challenge["severity"], "fail");
    assert!(
        challenge["summary"]
            .as_str()
            .unwrap()
            .contains("more than 5 redirects"),
        "{challenge}"
    );
    // Bounded: each attempt follows at most 5 redirects, and at most 40 requests in all.
    assert!(r["requests"].as_array().unwrap().len() <= 40);
}

#[tokio::test]
async fn a_30_mb_answer_is_cut_at_1_mib_and_reported() {
    let big = || async {
        (
            [(header::CONTENT_TYPE, "application/json")],
            vec![b' '; 30 << 20],
        )
            .into_response()
    };
    let app = Router::new()
        .route("/.well-known/oauth-protected-resource/mcp", get(big))
        .route("/.well-known/oauth-protected-resource", get(big))
        .fallback(any(|| async { StatusCode::UNAUTHORIZED }));
    let addr = serve_app(app).await;
    let out = run(&["check", "--json", &format!("http://{addr}/mcp")]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cut: Vec<&Value> = r["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["truncated"] == true)
        .collect();
    assert_eq!(cut.len(), 2);
    assert!(cut.iter().all(|q| q["bytes"] == 1024 * 1024));
    let json = finding(&r, "wellknown.json");
    assert_eq!(json["severity"], "fail");
    assert!(json["evidence"][0]["value"]
        .as_str()
        .unwrap()
        .contains("reading stopped"));
}

#[tokio::test]
async fn an_https_server_is_checked_with_the_proxys_ca_option() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("check-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&c, cert.cert.pem()).unwrap();
    std::fs::write(&k, cert.key_pair.serialize_pem()).unwrap();
    let (c, k) = (
        c.to_string_lossy().into_owned(),
        k.to_string_lossy().into_owned(),
    );
    // The proxy terminates TLS in front of the test server.
    let plain = serve(Defects::default()).await;
    let front = support::harness::start_proxy_with(
        &format!("http://{plain}"),
        &["--tls-cert", &c, "--tls-key", &k],
    )
    .await;
    let url = format!("https://localhost:{}/mcp", front.addr.port());

    stops(&["check", &url], "certificate").await;
    let out = run(&["check", "--json", "--upstream-ca", &c, &url]).await;
    assert_ne!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["requests"][0]["status"], 401);
}

#[tokio::test]
async fn the_proxys_environment_does_not_get_in_checks_way() {
    let good = serve(Defects::default()).await;
    let env = [
        ("OMR_LISTEN", "127.0.0.1:0"),
        ("OMR_UPSTREAM", "http://127.0.0.1:9"),
    ];
    let out = run_with(&["check", &format!("http://{good}/mcp")], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // And the proxy without a subcommand still reads its flags.
    stops(&["--listen", "127.0.0.1:0"], "--upstream").await;
}

#[tokio::test]
async fn the_proxys_repair_settings_in_the_environment_reach_the_preview() {
    let bad = serve(Defects::no_none()).await;
    let url = format!("http://{bad}/mcp");
    let out = run_with(&["check", "--json", &url], &[("OMR_MAX_BODY_BYTES", "100")]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["repair"]["repaired"], false);
    let why = r["repair"]["left_alone_because"].as_str().unwrap();
    assert!(why.ends_with("over --max-body-bytes 100"), "{why}");
    // A --path the proxy would refuse is refused here too.
    let out = run_with(&["check", &url], &[("OMR_PATHS", "no-slash")]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--path \"no-slash\": a path starts with /"));
}

#[tokio::test]
async fn the_repair_preview_warns_when_registration_hands_out_secrets() {
    let addr = serve(Defects {
        no_none: true,
        registration_secret: true,
        ..Defects::default()
    })
    .await;
    let out = run(&["check", "--register", &format!("http://{addr}/mcp")]).await;
    let report = text(&out.stdout);
    let repair = report.split("What the repair changes").nth(1).unwrap();
    assert!(
        repair.contains("  warning: registration hands out a client secret"),
        "{report}"
    );
}
