//! `check`'s repair preview is the layer's own decision: each of the
//! proxy's repair flags changes it, its explanations agree with what the
//! layer does over a table of header variants, the layer wins where they do
//! not, and the flags read as the proxy's do.

mod support;

use bytes::Bytes;
use clap::{Arg, CommandFactory, Parser};
use http::header::{HeaderName, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, StatusCode};
use oauth_metadata_repair_cli::check::args::CheckArgs;
use oauth_metadata_repair_cli::check::client::Answer;
use oauth_metadata_repair_cli::check::discovery::Doc;
use oauth_metadata_repair_cli::check::flags::{Repair, RepairFlags};
use oauth_metadata_repair_cli::check::preview::{self, explain, served, Preview};
use oauth_metadata_repair_cli::check::{self, Stop};
use oauth_metadata_repair_cli::proxy::args::Args as ProxyArgs;
use support::check_server::{serve, Defects, MOVED_METADATA};
use support::MCP_SDK_DOC;
use url::Url;

#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    args: CheckArgs,
}

#[derive(Parser)]
struct Flags {
    #[command(flatten)]
    flags: RepairFlags,
}

const AS_PATH: &str = "/.well-known/oauth-authorization-server";

/// The preview of `check` with `flags` against a server with `defects`
/// (and "none" missing, so that there is something to repair), without the
/// `iss` advertisement (it has its own test) so each flag's one insertion
/// shows alone.
async fn preview_of(defects: Defects, flags: &[&str]) -> Result<Preview, Stop> {
    preview_with(defects, &[flags, &["--no-iss"]].concat()).await
}

async fn preview_with(defects: Defects, flags: &[&str]) -> Result<Preview, Stop> {
    let addr = serve(Defects {
        no_none: true,
        ..defects
    })
    .await;
    let url = format!("http://{addr}/mcp");
    let argv = ["check", url.as_str()]
        .into_iter()
        .chain(flags.iter().copied());
    let cmd = Cmd::try_parse_from(argv).unwrap();
    Ok(check::report(&cmd.args).await?.repair.unwrap())
}

fn reason(p: &Preview) -> &str {
    p.left_alone_because.as_deref().unwrap_or("")
}

/// `flags` turn the verdict on a server with `defects` from `repaired` to
/// its opposite; the document left alone has a reason containing `says`.
async fn flips(defects: Defects, flags: &[&str], repaired: bool, says: &str) {
    let before = preview_of(defects, &[]).await.unwrap();
    let after = preview_of(defects, flags).await.unwrap();
    assert_eq!((before.repaired, after.repaired), (repaired, !repaired));
    let alone = if repaired { &after } else { &before };
    assert!(reason(alone).contains(says), "{flags:?}: {alone:?}");
    let changed = if repaired { &before } else { &after };
    assert_eq!(changed.inserts.len(), 1, "{changed:?}");
}

/// Each repair flag, on a server where it matters: the switch, the flag,
/// whether the document is repaired without it, and the reason it is left
/// alone (without the flag or with it).
#[tokio::test]
async fn each_repair_flag_changes_the_preview() {
    let moved = Defects {
        metadata_moved: true,
        ..Defects::default()
    };
    let marked = Defects {
        no_transform: true,
        ..Defects::default()
    };
    let signed = Defects {
        signed_metadata: true,
        ..Defects::default()
    };
    let not_matched =
        format!("{MOVED_METADATA} is not a discovery path the proxy matches (--path adds it)");
    let cases: [(Defects, &[&str], bool, &str); 4] = [
        (moved, &["--path", MOVED_METADATA], false, &not_matched),
        (
            Defects::default(),
            &["--max-body-bytes", "100"],
            true,
            "over --max-body-bytes 100",
        ),
        (
            marked,
            &["--repair-no-transform"],
            false,
            "cache-control: no-transform",
        ),
        (
            signed,
            &["--skip-signed-metadata"],
            true,
            "carries signed_metadata",
        ),
    ];
    for (defects, flags, repaired, says) in cases {
        flips(defects, flags, repaired, says).await;
    }
}

/// At the proxy's defaults the preview shows the RFC 9207 advertisement as
/// its own insertion after the "none" one; `--no-iss` takes it away.
#[tokio::test]
async fn the_iss_advertisement_is_previewed_unless_no_iss() {
    let member = "authorization_response_iss_parameter_supported";
    // The test server advertises iss unless told not to.
    let unadvertised = Defects {
        no_iss_parameter: true,
        ..Defects::default()
    };
    let on = preview_with(unadvertised, &[]).await.unwrap();
    assert_eq!(on.fields, ["token_endpoint_auth_methods_supported", member]);
    assert_eq!(on.inserts.len(), 2, "{on:?}");
    assert_eq!(on.inserts[1].text, format!(r#","{member}":true"#));
    let off = preview_with(unadvertised, &["--no-iss"]).await.unwrap();
    assert_eq!(off.fields, ["token_endpoint_auth_methods_supported"]);
    assert_eq!(off.inserts.len(), 1, "{off:?}");
}

#[tokio::test]
async fn a_path_the_proxy_refuses_stops_the_check_before_any_request() {
    // Port 9 (discard) on loopback: nothing is asked of it before the flags fail.
    for (path, says) in [
        ("oauth/metadata", "a path starts with /"),
        ("/a/../b", "not a clean path"),
    ] {
        let cmd = Cmd::try_parse_from(["check", "http://127.0.0.1:9/mcp", "--path", path]).unwrap();
        let Stop(why) = check::report(&cmd.args).await.unwrap_err();
        assert!(why.contains(says), "{why}");
    }
}

fn repair_of(flags: &[&str]) -> Repair {
    let argv = std::iter::once("flags").chain(flags.iter().copied());
    Flags::try_parse_from(argv).unwrap().flags.repair().unwrap()
}

fn answer(path: &str, status: u16, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut map = HeaderMap::new();
    for &(name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    Answer {
        url: Url::parse(&format!("http://127.0.0.1:9{path}")).unwrap(),
        status: StatusCode::from_u16(status).unwrap(),
        headers: map,
        body: Bytes::copy_from_slice(body),
        truncated: false,
        redirects: Vec::new(),
    }
}

fn doc(answer: Answer) -> Doc {
    Doc {
        url: answer.url.clone(),
        members: serde_json::from_slice(&answer.body).unwrap(),
        answer,
    }
}

/// A header variant: path, status, headers, flags, and whether the layer
/// repairs the document.
type Case<'a> = (&'a str, u16, &'a [(&'a str, &'a str)], &'a [&'a str], bool);

/// The drift guard: for each variant, the explanation finds a reason
/// exactly when the layer serves the document unchanged, and the preview
/// reports the layer's verdict with that reason.
#[tokio::test]
async fn the_explanation_agrees_with_the_layer_on_every_header_variant() {
    let len = MCP_SDK_DOC.len().to_string();
    let json = (CONTENT_TYPE.as_str(), "application/json");
    #[rustfmt::skip]
    let cases: &[Case] = &[
        (AS_PATH, 200, &[json], &[], true),
        (AS_PATH, 200, &[("content-type", "Application/JSON; charset=utf-8")], &[], true),
        (AS_PATH, 200, &[("content-type", "application/jrd+json")], &[], true),
        (AS_PATH, 200, &[("content-type", "application/+json")], &[], false),
        (AS_PATH, 200, &[], &[], true),
        (AS_PATH, 200, &[("content-type", "text/html")], &[], false),
        (AS_PATH, 200, &[("content-type", "text/plain")], &[], false),
        (AS_PATH, 200, &[("content-type", "application/jsonx")], &[], false),
        (AS_PATH, 200, &[json, json], &[], false),
        (AS_PATH, 200, &[json, (CONTENT_ENCODING.as_str(), "gzip")], &[], false),
        (AS_PATH, 200, &[json, ("content-encoding", "identity")], &[], true),
        (AS_PATH, 200, &[json, ("content-encoding", "identity, gzip")], &[], false),
        (AS_PATH, 200, &[json, (CACHE_CONTROL.as_str(), "public, no-transform")], &[], false),
        (AS_PATH, 200, &[json, ("cache-control", "No-Transform")], &["--repair-no-transform"], true),
        (AS_PATH, 200, &[json, ("cache-control", "no-cache")], &[], true),
        (AS_PATH, 200, &[json, (CONTENT_LENGTH.as_str(), &len)], &[], true),
        (AS_PATH, 200, &[json, ("content-length", &len)], &["--max-body-bytes", "100"], false),
        (AS_PATH, 200, &[json], &["--max-body-bytes", "100"], false),
        (AS_PATH, 200, &[json], &["--max-body-bytes", &len], true),
        (AS_PATH, 200, &[json, ("content-length", "12x")], &[], false),
        (AS_PATH, 203, &[json], &[], false),
        ("/.well-known/openid-configuration/tenant", 200, &[json], &[], true),
        ("/tenant/.well-known/openid-configuration", 200, &[json], &[], true),
        ("/oauth/metadata", 200, &[json], &[], false),
        ("/oauth/metadata", 200, &[json], &["--path", "/oauth/metadata"], true),
        ("/.well-known/openid-configuration/a//b", 200, &[json], &[], false),
    ];
    for &(path, status, headers, flags, repaired) in cases {
        let repair = repair_of(flags);
        let a = answer(path, status, headers, MCP_SDK_DOC.as_bytes());
        let why = explain(&a, path, &repair);
        let bytes = served(&repair.layer, path, &a).await.unwrap();
        let case = format!("{path} {status} {headers:?} {flags:?}: {why:?}");
        assert_eq!(bytes != a.body, repaired, "the layer: {case}");
        assert_eq!(why.is_none(), repaired, "the explanation: {case}");
        let p = preview::preview(&doc(a), &repair).await;
        assert_eq!(p.repaired, repaired, "{case}");
        assert_eq!(p.left_alone_because, why, "{case}");
    }
}

#[tokio::test]
async fn where_the_explanation_disagrees_the_layer_wins() {
    let a = answer(
        AS_PATH,
        200,
        &[("cache-control", "no-transform")],
        MCP_SDK_DOC.as_bytes(),
    );
    // The explanation is told no-transform is repaired; the layer respects it.
    let mut repair = repair_of(&[]);
    repair.repair_no_transform = true;
    assert_eq!(explain(&a, AS_PATH, &repair), None);
    let p = preview::preview(&doc(a.clone()), &repair).await;
    assert!(!p.repaired);
    assert_eq!(reason(&p), preview::LAYER_LEFT_IT_ALONE);
    // The explanation is told the limit is 10 bytes; the layer has 64 KiB.
    let mut repair = repair_of(&["--repair-no-transform"]);
    repair.max_body_bytes = 10;
    assert!(explain(&a, AS_PATH, &repair).is_some());
    let p = preview::preview(&doc(a), &repair).await;
    assert!(p.repaired, "the layer repaired it: {p:?}");
    assert_eq!(p.left_alone_because, None);
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_seen_by_a_proxy() {
    let mut a = answer(AS_PATH, 200, &[], MCP_SDK_DOC.as_bytes());
    let mut d = doc(a.clone());
    a.url = Url::parse("http://127.0.0.2:9/metadata").unwrap();
    a.redirects = vec![a.url.clone()];
    d.answer = a;
    let p = preview::preview(&d, &repair_of(&[])).await;
    assert!(!p.repaired);
    assert!(
        reason(&p).starts_with("served by http://127.0.0.2:9 after a redirect"),
        "{p:?}"
    );
}

/// Every repair flag of `check` has the proxy flag's name, environment
/// twin, value name, default, delimiter, values and help text.
#[test]
fn the_repair_flags_read_as_the_proxys() {
    let proxy = ProxyArgs::command();
    let check = Cmd::command();
    let shown = |a: &Arg| {
        format!(
            "--{:?} env={:?} values={:?} default={:?} delimiter={:?} possible={:?} help={:?} long_help={:?}",
            a.get_long(),
            a.get_env(),
            a.get_value_names(),
            a.get_default_values(),
            a.get_value_delimiter(),
            a.get_possible_values().iter().map(|v| v.get_name().to_owned()).collect::<Vec<_>>(),
            a.get_help().map(ToString::to_string),
            a.get_long_help().map(ToString::to_string),
        )
    };
    let ids = [
        "max_body_bytes",
        "rules",
        "prepend",
        "paths",
        "repair_no_transform",
        "skip_signed_metadata",
    ];
    for id in ids {
        let find = |c: &clap::Command| c.get_arguments().find(|a| a.get_id() == id).map(shown);
        let ours = find(&check).unwrap_or_else(|| panic!("check has no {id}"));
        assert_eq!(Some(ours), find(&proxy), "{id}");
    }
}
