//! The installed binary as an operator meets it: `--version`, one-line
//! startup errors with a non-zero exit, its logs, and a clean stop on
//! SIGTERM.

mod support;

use axum::routing::get;
use axum::Router;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use support::{MCP_SDK_DOC, MCP_SDK_FIXED};

const BIN: &str = env!("CARGO_BIN_EXE_oauth-metadata-repair");
/// Guards against a hang; never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(30);

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Exits with `code` and says what is wrong on exactly one line.
fn fails_with(args: &[&str], code: i32, says: &str) {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn prints_its_version_and_help() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("oauth-metadata-repair {}", env!("CARGO_PKG_VERSION"))
    );
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--upstream",
        "--tls-cert",
        "--trust-forwarded",
        "--upstream-timeout",
        "--max-connections",
        "OMR_UPSTREAM",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn bad_input_is_one_line_and_a_non_zero_exit() {
    let base = [
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        "http://127.0.0.1:9",
    ];
    fails_with(&["--bogus"], 2, "--bogus");
    fails_with(&["--listen", "127.0.0.1:0"], 2, "--upstream");
    fails_with(
        &[
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "http://127.0.0.1:9/mcp",
        ],
        2,
        "has a path (/mcp)",
    );
    fails_with(
        &["--listen", "nope", "--upstream", "http://127.0.0.1:9"],
        2,
        "nope",
    );
    fails_with(
        &[
            &base[..],
            &[
                "--tls-cert",
                "/nonexistent/cert.pem",
                "--tls-key",
                "/nonexistent/key.pem",
            ],
        ]
        .concat(),
        1,
        "/nonexistent/cert.pem",
    );
    fails_with(
        &[&base[..], &["--tls-cert", "/nonexistent/cert.pem"]].concat(),
        2,
        "--tls-key",
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    fails_with(
        &["--listen", &addr, "--upstream", "http://127.0.0.1:9"],
        1,
        &format!("cannot listen on {addr}"),
    );
    // The same through the environment.
    let out = Command::new(BIN)
        .env_remove("RUST_LOG")
        .env("OMR_LISTEN", &addr)
        .env("OMR_UPSTREAM", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen on"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_startup_each_document_and_requests_then_stops_on_sigterm() {
    let app = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(|| async { ([("content-type", "application/json")], MCP_SDK_DOC) }),
        )
        .route(
            "/.well-known/openid-configuration",
            get(|| async { ([("content-type", "application/json")], MCP_SDK_FIXED) }),
        )
        .route("/hello", get(|| async { "hello" }));
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = upstream.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(upstream, app).await.unwrap() });

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(BIN)
        .args([
            "--listen",
            &listen,
            "--upstream",
            &format!("http://{up}"),
            "--access-log",
            "--workers",
            "2",
        ])
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(Some(child));
    let child_id = child.0.as_ref().map_or(0, std::process::Child::id);
    let (tx, lines) = mpsc::channel::<String>();
    let stderr = child.0.as_mut().and_then(|c| c.stderr.take()).unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    let mut wait_for = |what: &str| {
        while !log.iter().any(|l: &String| l.contains(what)) {
            match lines.recv_timeout(HANG_GUARD) {
                Ok(l) => log.push(l),
                Err(_) => panic!("no log line with {what:?}; got:\n{}", log.join("\n")),
            }
        }
    };
    wait_for("started");

    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<axum::body::Body>();
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
        "/hello",
    ] {
        let res = client
            .get(format!("http://{listen}{path}").parse().unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    wait_for("repaired oauth discovery document");
    wait_for("left alone");
    wait_for("already compliant");
    wait_for("path=/hello status=200");

    let killed = Command::new("kill")
        .args(["-TERM", &child_id.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_for("stopped");
    let status = child.0.take().unwrap().wait().unwrap();
    assert!(status.success(), "{status}");
}

/// Stops the binary if the test fails before it does.
struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
