//! Running `check` in process and reading its report, for the tests of
//! `check` and `check --login`.

use super::check_server::{serve, Defects};
use clap::Parser;
use oauth_metadata_repair_cli::check::args::CheckArgs;
use oauth_metadata_repair_cli::check::findings::{Finding, Severity};
use oauth_metadata_repair_cli::check::report::Report;
use oauth_metadata_repair_cli::check::{self, Stop};

/// `check`'s flags, parsed as the tool parses them.
#[derive(Parser)]
pub struct Cmd {
    #[command(flatten)]
    pub args: CheckArgs,
}

/// `check ARGS...` run in process.
pub async fn report(args: &[&str]) -> Result<Report, Stop> {
    let cmd = Cmd::try_parse_from(std::iter::once("check").chain(args.iter().copied())).unwrap();
    check::report(&cmd.args).await
}

/// The MCP URL of a new test server with `defects`.
pub async fn mcp_url(defects: Defects) -> String {
    let addr = serve(defects).await;
    format!("http://{addr}/mcp")
}

/// The ids reported as `severity`, in report order.
pub fn with(severity: Severity, r: &Report) -> Vec<&'static str> {
    let found = r.findings.iter().filter(|f| f.severity == severity);
    found.map(|f| f.id).collect()
}

pub fn severity_of(r: &Report, id: &str) -> Option<Severity> {
    r.findings.iter().find(|f| f.id == id).map(|f| f.severity)
}

/// The finding `id`; panics when the report has none.
pub fn finding<'r>(r: &'r Report, id: &str) -> &'r Finding {
    let found = r.findings.iter().find(|f| f.id == id);
    found.unwrap_or_else(|| panic!("no finding {id}: {r:#?}"))
}

/// Asserts `id` reported as `severity` and no other FAIL, with the exit
/// status that follows (1 when `id` FAILs, else 0); the finding when it
/// FAILs, for the caller's own checks of it.
pub fn only_finding<'r>(r: &'r Report, id: &str, severity: Severity) -> Option<&'r Finding> {
    assert_eq!(severity_of(r, id), Some(severity), "{r:#?}");
    let fails = with(Severity::Fail, r);
    if severity == Severity::Fail {
        assert_eq!(fails, vec![id], "{r:#?}");
        assert_eq!(r.summary.exit_status, 1);
        Some(finding(r, id))
    } else {
        assert!(fails.is_empty(), "{r:#?}");
        assert_eq!(r.summary.exit_status, 0);
        None
    }
}
