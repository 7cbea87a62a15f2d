//! `check` against a test server with one switch per defect: each defect
//! alone gives exactly its finding and no other FAIL; the real discovery
//! documents of `tests/data/discovery` read as expected.

mod support;

use oauth_metadata_repair_cli::check::findings::{catalogue, Severity};
use oauth_metadata_repair_cli::check::report::Report;
use support::check_report::{mcp_url, only_finding, report as run, severity_of, with};
use support::check_server::{serve_document, Defects};

async fn check_server(defects: Defects, register: bool) -> Report {
    let url = mcp_url(defects).await;
    let mut args = vec![url.as_str()];
    if register {
        args.push("--register");
    }
    run(&args).await.unwrap()
}

#[tokio::test]
async fn a_compliant_server_passes_every_finding_and_the_repair_leaves_it_alone() {
    let r = check_server(Defects::default(), true).await;
    assert_eq!(with(Severity::Fail, &r), Vec::<&str>::new(), "{r:#?}");
    assert_eq!(with(Severity::Warn, &r), Vec::<&str>::new(), "{r:#?}");
    assert_eq!(r.summary.exit_status, 0);
    assert!(r.summary.clients_failing.is_empty());
    assert!(r.registered_client);
    // The server advertises RFC 9207 iss already: the repair adds nothing.
    let repair = r.repair.unwrap();
    assert!(!repair.repaired);
    assert_eq!(
        repair.left_alone_because.as_deref(),
        Some("already compliant")
    );
    // Without the advertisement the proxy's defaults add only that, and
    // nothing with --no-iss.
    let url = mcp_url(Defects {
        no_iss_parameter: true,
        ..Defects::default()
    })
    .await;
    let repair = run(&[url.as_str()]).await.unwrap().repair.unwrap();
    assert!(repair.repaired);
    assert_eq!(
        repair.fields,
        ["authorization_response_iss_parameter_supported"]
    );
    let repair = run(&[url.as_str(), "--no-iss"])
        .await
        .unwrap()
        .repair
        .unwrap();
    assert!(!repair.repaired);
    assert_eq!(
        repair.left_alone_because.as_deref(),
        Some("already compliant")
    );
    // Every id in the catalogue but none of the internal placeholder.
    for f in &r.findings {
        assert_eq!(catalogue::entry(f.id).id, f.id);
    }
    let ids: Vec<&str> = r.findings.iter().map(|f| f.id).collect();
    assert_eq!(ids.len(), catalogue::ENTRIES.len(), "{ids:?}");
}

/// One test per switch: `check` reports exactly `id` as `severity` and no
/// other FAIL (the last column: with `--register`).
macro_rules! defects {
    ($($name:ident: $field:ident => $id:literal, $severity:ident, $register:literal;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let defects = Defects {
                $field: true,
                ..Defects::default()
            };
            let r = check_server(defects, $register).await;
            if let Some(f) = only_finding(&r, $id, Severity::$severity) {
                assert!(!f.clients.is_empty() && !f.remedy.is_empty() && !f.spec.is_empty());
                assert!(
                    !f.evidence.is_empty()
                        || $id == "resource.metadata"
                        || $id == "server.metadata"
                );
            }
        }
    )*};
}

defects! {
    initialize_without_401_is_mcp_challenge: no_challenge => "mcp.challenge", Fail, false;
    relative_resource_metadata_fails: relative_resource_metadata => "mcp.resource-metadata-url", Fail, false;
    login_redirect_at_a_well_known_path_fails: login_redirect => "wellknown.json", Fail, false;
    missing_protected_resource_metadata_fails: no_resource_metadata => "resource.metadata", Fail, false;
    resource_other_than_the_mcp_url_fails: resource_is_origin => "resource.matches", Fail, false;
    resource_on_another_path_fails: resource_elsewhere => "resource.matches", Fail, false;
    empty_authorization_servers_fails: no_authorization_servers => "resource.authorization-servers", Fail, false;
    missing_server_metadata_fails: no_server_metadata => "server.metadata", Fail, false;
    issuer_with_a_trailing_slash_fails: issuer_trailing_slash => "server.issuer", Fail, false;
    no_none_fails: no_none => "server.token-auth-none", Fail, false;
    no_s256_fails: no_s256 => "server.pkce-s256", Fail, false;
    no_code_fails: no_code => "server.response-type-code", Fail, false;
    no_registration_fails: no_registration => "server.registration", Fail, false;
    null_member_fails: null_member => "metadata.no-null", Fail, false;
    plain_http_endpoints_fail: plain_http => "server.https", Fail, false;
    an_endpoint_without_login_is_a_warning: no_login => "mcp.challenge", Warn, false;
    iss_not_advertised_is_a_warning: no_iss_parameter => "server.iss-parameter", Warn, false;
    text_plain_metadata_fails: text_plain_metadata => "metadata.content-type", Fail, false;
    no_token_endpoint_fails: no_token_endpoint => "server.endpoints", Fail, true;
    no_authorization_endpoint_fails: no_authorization_endpoint => "server.endpoints", Fail, false;
    metadata_behind_a_redirect_fails: metadata_moved => "metadata.no-redirect", Fail, false;
    cimd_without_registration_is_no_warning: cimd_only => "probe.registration", Info, true;
    invalid_client_for_a_public_client_fails_the_probe: refuses_public_clients => "probe.public-client", Fail, true;
    refused_public_registration_fails_the_probe: refuses_public_registration => "probe.registration", Fail, true;
}

#[tokio::test]
async fn a_resource_prefix_names_vs_code_alone_and_another_path_names_the_sdks_too() {
    let defects = Defects {
        resource_is_origin: true,
        ..Defects::default()
    };
    let r = check_server(defects, false).await;
    assert_eq!(r.summary.clients_failing, vec!["VS Code"]);
    let defects = Defects {
        resource_elsewhere: true,
        ..Defects::default()
    };
    let r = check_server(defects, false).await;
    assert_eq!(
        r.summary.clients_failing,
        vec!["VS Code", catalogue::TS_SDK, "Python SDK"]
    );
}

#[tokio::test]
async fn the_missing_none_names_mcp_remote_and_the_preview_shows_the_inserted_bytes() {
    let r = check_server(Defects::no_none(), false).await;
    assert!(r.summary.clients_failing.iter().any(|c| c == "mcp-remote"));
    let repair = r.repair.as_ref().unwrap();
    assert!(repair.repaired);
    // The test server advertises iss already: "none" is the one insertion.
    assert_eq!(repair.fields, vec!["token_endpoint_auth_methods_supported"]);
    assert_eq!(repair.inserts.len(), 1);
    assert_eq!(repair.inserts[0].text, r#","none""#);
    assert!(repair.inserts[0]
        .before
        .ends_with(r#""client_secret_basic""#));

    // The same flags as the proxy: --prepend (for every rule, as in the
    // proxy) and --rule s256; code_challenge_methods_supported comes first.
    let url = mcp_url(Defects {
        no_none: true,
        no_s256: true,
        ..Defects::default()
    })
    .await;
    let r = run(&[&url, "--prepend", "--rule", "s256", "--no-iss"])
        .await
        .unwrap();
    let repair = r.repair.unwrap();
    let texts: Vec<&str> = repair.inserts.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, vec![r#""S256","#, r#""none","#]);
}

/// Real documents and what `check` must read in each: the file (named
/// after its placement), the `server.*` FAILs besides `server.issuer` and
/// the WARNs (ids without `server.`), and whether the default rule changes it.
#[rustfmt::skip]
const REAL: &[(&str, &str, &str, bool)] = &[
    ("01-google-openid-configuration.json", "token-auth-none registration", "iss-parameter", true),
    ("02-microsoft-entra-v2-tenant-openid-configuration.json", "token-auth-none pkce-s256 registration", "iss-parameter", true),
    ("04-okta-openid-configuration.json", "", "iss-parameter", false),
    ("06-keycloak-eudi-oauth-authorization-server.json", "token-auth-none", "", true),
    ("08-aws-cognito-openid-configuration.json", "token-auth-none pkce-s256 registration", "iss-parameter", true),
    ("09-github-actions-openid-configuration.json", "endpoints token-auth-none pkce-s256 response-type-code registration", "iss-parameter", true),
    ("10-authentik-openid-configuration.json", "token-auth-none registration", "iss-parameter", true),
    ("12-duende-identityserver-openid-configuration.json", "token-auth-none registration", "", true),
    ("14-telnyx-oauth-authorization-server.json", "", "iss-parameter", false),
    ("20-hypershift-azure-wi-openid-configuration.json", "endpoints token-auth-none pkce-s256 response-type-code registration", "iss-parameter", true),
];

/// `server.` and each of the space-separated `ids`.
fn server_ids(ids: &str) -> Vec<String> {
    ids.split_whitespace()
        .map(|i| format!("server.{i}"))
        .collect()
}

#[tokio::test]
async fn real_discovery_documents_read_as_expected() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/discovery/");
    for &(file, fails, warns, repaired) in REAL {
        let doc: &'static str = std::fs::read_to_string(format!("{dir}{file}"))
            .unwrap()
            .leak();
        let placement = if file.contains("openid-configuration") {
            "openid-configuration"
        } else {
            "oauth-authorization-server"
        };
        let path: &'static str = format!("/.well-known/{placement}").leak();
        let addr = serve_document(path, doc).await;
        let r = run(&["--issuer", &format!("http://{addr}")]).await.unwrap();
        // Served on loopback, a real issuer is never the identifier.
        let mut expected = server_ids(&format!("issuer {fails}"));
        expected.sort_unstable();
        let mut got = with(Severity::Fail, &r);
        got.sort_unstable();
        assert_eq!(got, expected, "{file}");
        assert_eq!(with(Severity::Warn, &r), server_ids(warns), "{file}");
        assert_eq!(
            severity_of(&r, "server.metadata"),
            Some(Severity::Pass),
            "{file}"
        );
        // The RFC 9207 advertisement, on by default, goes into every
        // document with an issuer that does not state it.
        let advertised = oauth_metadata_repair::iss::learn_issuer(doc.as_bytes()).is_ok();
        assert_eq!(r.repair.unwrap().repaired, repaired || advertised, "{file}");
    }
}

#[tokio::test]
async fn without_register_nothing_is_written_to_the_server() {
    let r = check_server(Defects::default(), false).await;
    assert!(!r.registered_client);
    let probes: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id.starts_with("probe."))
        .collect();
    assert_eq!(probes.len(), 1, "{probes:?}");
    assert_eq!(probes[0].id, "probe.public-client");
    assert_eq!(probes[0].severity, Severity::Info);
    assert_eq!(probes[0].summary, "not probed: --register not given");
    assert!(r.findings.iter().all(|f| !f.id.starts_with("login.")));
    assert!(!r.logged_in);
    let posts: Vec<&str> = r
        .requests
        .iter()
        .filter(|q| q.method == "POST")
        .map(|q| q.purpose.as_str())
        .collect();
    assert_eq!(posts, vec!["mcp initialize, no token"]);
}

#[tokio::test]
async fn client_secrets_at_registration_warn_only_where_the_repair_lists_none() {
    let secret_and_no_none = Defects {
        registration_secret: true,
        no_none: true,
        ..Defects::default()
    };
    let r = check_server(secret_and_no_none, true).await;
    assert_eq!(severity_of(&r, "probe.client-secret"), Some(Severity::Warn));
    assert!(r.repair.unwrap().repaired);
    let secret_only = Defects {
        registration_secret: true,
        ..Defects::default()
    };
    let r = check_server(secret_only, true).await;
    assert_eq!(severity_of(&r, "probe.client-secret"), Some(Severity::Info));
    let r = check_server(Defects::no_none(), true).await;
    assert_eq!(severity_of(&r, "probe.client-secret"), Some(Severity::Pass));
}

#[tokio::test]
async fn plain_http_endpoints_outside_loopback_are_never_sent_anything() {
    let url = mcp_url(Defects {
        plain_http: true,
        ..Defects::default()
    })
    .await;
    let r = run(&[&url, "--register", "--login"]).await.unwrap();
    assert_eq!(with(Severity::Fail, &r), vec!["server.https"], "{r:#?}");
    for id in [
        "probe.registration",
        "probe.public-client",
        "login.registration",
    ] {
        assert_eq!(severity_of(&r, id), Some(Severity::Info), "{id}");
    }
    assert!(r
        .requests
        .iter()
        .all(|q| q.url.starts_with("http://127.0.0.1:")));
}
