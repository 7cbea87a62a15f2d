//! `check --login` against the test server's working grant: a clean server
//! passes every step; each defect that only a real login shows gives
//! exactly its finding; a server that never redirects back stops the check
//! with one line; the token is never shown.

mod support;

use clap::Parser;
use oauth_metadata_repair_cli::check::findings::{catalogue, Severity};
use oauth_metadata_repair_cli::check::report::Report;
use oauth_metadata_repair_cli::check::Stop;
use serde_json::Value;
use support::check_cli::{assert_documented_shape, run, stops, text};
use support::check_report::{finding, mcp_url, only_finding, report, severity_of, with, Cmd};
use support::check_server::Defects;

/// The headless browser of the interop tests: follows the redirect back.
fn browser() -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/interop/browser.py");
    format!("python3 {script}")
}

async fn login(defects: Defects, extra: &[&str]) -> Result<Report, Stop> {
    let url = mcp_url(defects).await;
    let browser = browser();
    let mut args = vec![url.as_str(), "--login", "--browser", &browser];
    args.extend_from_slice(extra);
    report(&args).await
}

#[tokio::test]
async fn a_clean_server_passes_every_step_of_the_login() {
    let r = login(Defects::default(), &["--register"]).await.unwrap();
    assert_eq!(with(Severity::Fail, &r), Vec::<&str>::new(), "{r:#?}");
    assert_eq!(with(Severity::Warn, &r), Vec::<&str>::new(), "{r:#?}");
    assert_eq!(with(Severity::Info, &r), Vec::<&str>::new(), "{r:#?}");
    assert_eq!(r.summary.exit_status, 0);
    assert!(r.registered_client && r.logged_in);
    // Every id of the catalogue, each once.
    let mut ids: Vec<&str> = r.findings.iter().map(|f| f.id).collect();
    ids.sort_unstable();
    let mut all: Vec<&str> = catalogue::all().map(|e| e.id).collect();
    all.sort_unstable();
    assert_eq!(ids, all);
    let discover = finding(&r, "login.discover");
    assert_eq!(discover.summary, "server/discover answered with the token");
    let purposes: Vec<&str> = r.requests.iter().map(|q| q.purpose.as_str()).collect();
    assert!(
        purposes.contains(&"--login: tools/list with the token"),
        "{purposes:?}"
    );
}

/// One test per switch: `--login` reports exactly `id` as `severity`, no
/// other FAIL, and the exit status follows.
macro_rules! defects {
    ($($name:ident: $field:ident => $id:literal, $severity:ident;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let defects = Defects { $field: true, ..Defects::default() };
            let r = login(defects, &[]).await.unwrap();
            if let Some(f) = only_finding(&r, $id, Severity::$severity) {
                assert!(!f.clients.is_empty() && !f.remedy.is_empty() && !f.evidence.is_empty());
            }
        }
    )*};
}

defects! {
    an_error_at_the_authorization_endpoint_fails: authorize_error => "login.authorization", Fail;
    iss_advertised_but_absent_fails: iss_not_sent => "login.iss", Fail;
    iss_other_than_the_issuer_fails: wrong_iss => "login.iss", Fail;
    invalid_client_at_the_code_exchange_fails: refuses_public_clients => "login.token-exchange", Fail;
    a_token_response_without_token_type_fails: no_token_type => "login.token-type", Fail;
    a_token_response_without_no_store_fails: no_no_store => "login.token-no-store", Fail;
    a_token_for_another_audience_fails: wrong_audience => "login.mcp-request", Fail;
    iss_neither_advertised_nor_sent_is_a_warning: no_iss_parameter => "login.iss", Warn;
}

#[tokio::test]
async fn invalid_client_is_the_seeds_message_with_the_clients_that_print_it() {
    let defects = Defects {
        refuses_public_clients: true,
        ..Defects::default()
    };
    let r = login(defects, &[]).await.unwrap();
    let f = finding(&r, "login.token-exchange");
    assert!(f.summary.contains("invalid_client"), "{}", f.summary);
    let seed =
        "Existing OAuth client information is required when exchanging an authorization code";
    assert!(f
        .clients
        .iter()
        .any(|c| c.message.contains(seed) && c.client == catalogue::TS_SDK));
    // The steps after it were not attempted, and say so.
    assert_eq!(severity_of(&r, "login.mcp-request"), Some(Severity::Info));
    assert!(!r.logged_in);
}

#[tokio::test]
async fn missing_iss_names_gemini_cli_and_qwen_code_with_their_message() {
    let defects = Defects {
        no_iss_parameter: true,
        ..Defects::default()
    };
    let r = login(defects, &[]).await.unwrap();
    for id in ["login.iss", "server.iss-parameter"] {
        let f = finding(&r, id);
        let named: Vec<&str> = f.clients.iter().map(|c| c.client).collect();
        assert_eq!(named, ["Gemini CLI", "Qwen Code"], "{id}");
        assert!(f.clients[0]
            .message
            .starts_with("OAuth callback rejected: Missing required \"iss\""));
    }
    // Every other step passes: the login goes through for other clients.
    assert_eq!(severity_of(&r, "login.mcp-request"), Some(Severity::Pass));
}

#[tokio::test]
async fn a_server_that_never_redirects_back_stops_the_check_after_the_wait() {
    let defects = Defects {
        never_redirects: true,
        ..Defects::default()
    };
    let Stop(why) = login(defects, &["--login-timeout", "1"]).await.unwrap_err();
    assert!(
        why.starts_with("--login: no redirect came back to http://127.0.0.1:"),
        "{why}"
    );
    assert!(why.contains("within 1 s") && !why.contains('\n'), "{why}");
}

#[tokio::test]
async fn login_needs_an_mcp_url_and_browser_needs_login() {
    let parsed = Cmd::try_parse_from(["check", "--issuer", "http://127.0.0.1:1", "--login"]);
    assert!(parsed.is_err());
    let parsed = Cmd::try_parse_from(["check", "http://127.0.0.1:1/mcp", "--browser", "x"]);
    assert!(parsed.is_err());
}

#[tokio::test]
async fn login_reports_in_the_documented_shape_and_never_shows_the_token() {
    let url = mcp_url(Defects::default()).await;
    let b = browser();
    for format in ["--json", "--color=never"] {
        let out = run(&["check", format, "--login", "--browser", &b, &url]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        // The test server's tokens are "test-token-N"; its codes "code-N".
        assert!(!stdout.contains("test-token") && !stderr.contains("test-token"));
        assert!(!stdout.contains("code-1") && !stderr.contains("code-1"));
        if format == "--json" {
            let r: Value = serde_json::from_str(&stdout).unwrap();
            assert_documented_shape(&r);
            assert_eq!(r["logged_in"], true);
            assert_eq!(r["registered_client"], true);
        } else {
            assert!(stdout.contains("Note: --login logged in;"), "{stdout}");
        }
    }
}

#[tokio::test]
async fn a_login_that_never_comes_back_exits_2_with_one_line() {
    let url = mcp_url(Defects {
        never_redirects: true,
        ..Defects::default()
    })
    .await;
    let b = browser();
    let args = [
        "check",
        "--login",
        "--login-timeout",
        "1",
        "--browser",
        &b,
        &url,
    ];
    stops(&args, "no redirect came back to http://127.0.0.1:").await;
}
