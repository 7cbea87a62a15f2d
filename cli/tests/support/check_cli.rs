//! Running the `check` binary as an operator does, and the JSON shape the
//! manual documents (`docs/src/check-json.md`), for the tests of `check`'s command line.

use serde_json::Value;
use std::process::Output;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_oauth-metadata-repair");
/// Guards against a hang; never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(60);

pub async fn run(args: &[&str]) -> Output {
    run_with(args, &[]).await
}

/// Runs the binary with `env` set besides the inherited environment.
pub async fn run_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let child = tokio::process::Command::new(BIN)
        .args(args)
        .env_remove("OMR_UPSTREAM_CA")
        .envs(env.iter().copied())
        .output();
    tokio::time::timeout(HANG_GUARD, child)
        .await
        .unwrap()
        .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// No report: exit 2, nothing on stdout, one line on stderr saying `says`.
pub async fn stops(args: &[&str], says: &str) {
    let out = run(args).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

pub fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

fn string_or_null(v: &Value) -> bool {
    v.is_string() || v.is_null()
}

/// The shape documented in the manual (`docs/src/check-json.md`) and in `check::report`.
pub fn assert_documented_shape(r: &Value) {
    assert_eq!(
        keys(r),
        [
            "authorization_server",
            "findings",
            "logged_in",
            "mode",
            "registered_client",
            "repair",
            "requests",
            "schema",
            "summary",
            "target"
        ]
    );
    assert_eq!(r["schema"], "oauth-metadata-repair/check/1");
    assert!(r["target"].is_string());
    assert!(r["mode"] == "mcp" || r["mode"] == "issuer");
    assert!(r["registered_client"].is_boolean() && r["logged_in"].is_boolean());
    if !r["authorization_server"].is_null() {
        assert_eq!(keys(&r["authorization_server"]), ["from", "identifier"]);
    }
    for f in r["findings"].as_array().unwrap() {
        assert_eq!(
            keys(f),
            ["clients", "evidence", "group", "id", "remedy", "severity", "spec", "summary"]
        );
        assert!(["mcp", "discovery", "resource", "server", "probe", "login"]
            .contains(&f["group"].as_str().unwrap()));
        assert!(["pass", "info", "warn", "fail"].contains(&f["severity"].as_str().unwrap()));
        for k in ["id", "summary", "spec", "remedy"] {
            assert!(f[k].is_string(), "{k}");
        }
        for e in f["evidence"].as_array().unwrap() {
            assert_eq!(keys(e), ["member", "url", "value"]);
            assert!(
                e["url"].is_string() && string_or_null(&e["member"]) && string_or_null(&e["value"])
            );
        }
        for c in f["clients"].as_array().unwrap() {
            assert_eq!(keys(c), ["client", "message"]);
        }
        if f["severity"] == "pass" || f["severity"] == "info" {
            assert!(f["clients"].as_array().unwrap().is_empty() && f["remedy"] == "");
        }
    }
    if !r["repair"].is_null() {
        let p = &r["repair"];
        assert_eq!(
            keys(p),
            ["fields", "inserts", "left_alone_because", "repaired", "url"]
        );
        for i in p["inserts"].as_array().unwrap() {
            assert_eq!(keys(i), ["after", "before", "offset", "text"]);
            assert!(i["offset"].is_u64());
        }
    }
    for q in r["requests"].as_array().unwrap() {
        assert_eq!(
            keys(q),
            [
                "bytes",
                "content_type",
                "error",
                "method",
                "purpose",
                "status",
                "truncated",
                "url"
            ]
        );
        assert!(q["status"].is_u64() || q["status"].is_null());
    }
    let s = &r["summary"];
    assert_eq!(
        keys(s),
        [
            "clients_failing",
            "exit_status",
            "fail",
            "info",
            "pass",
            "warn"
        ]
    );
    let fails = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "fail")
        .count();
    assert_eq!(s["fail"], fails);
    assert_eq!(s["exit_status"], u64::from(fails > 0));
}
