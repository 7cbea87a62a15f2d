//! `oauth-metadata-repair check URL`: sees a server the way MCP clients see
//! it, names what breaks which client, and shows what the repair changes.
//!
//! [`discovery`] fetches what clients fetch through a bounded [`client`];
//! [`findings`] turns it into findings with stable ids; [`probe`] is the
//! opt-in `--register` probe; [`login`] the opt-in `--login`; [`preview`] serves the authorization-server
//! document again through the library's layer, configured from the proxy's
//! repair [`flags`]; [`report`](mod@report) renders text or JSON.

pub mod args;
pub mod challenge;
pub mod client;
pub mod discovery;
pub mod findings;
pub mod flags;
pub mod login;
pub mod preview;
pub mod probe;
pub mod report;

use args::{CheckArgs, ColorChoice};
use discovery::{Discovery, Target};
use report::{Issuer, Report, Summary, SCHEMA};
use std::io::{IsTerminal, Write};
use std::time::Duration;
use url::Url;

/// Why a check gave no report: a usage error or an unreachable server
/// (exit status 2), with one line saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop(pub String);

/// The target of `args`, checked: an http(s) URL.
///
/// # Errors
///
/// [`Stop`] when it is not an absolute http or https URL.
pub fn target(args: &CheckArgs) -> Result<Target, Stop> {
    let (given, issuer) = match (&args.url, &args.issuer) {
        (_, Some(issuer)) => (issuer, true),
        (Some(url), None) => (url, false),
        (None, None) => return Err(Stop("give the MCP endpoint's URL, or --issuer URL".into())),
    };
    let url = Url::parse(given).map_err(|e| Stop(format!("{given}: not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Stop(format!(
            "{given}: scheme {} is not http or https",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Stop(format!(
            "{given}: credentials in the URL are not supported"
        )));
    }
    Ok(if issuer {
        Target::Issuer(given.clone())
    } else {
        Target::Mcp(url)
    })
}

/// Runs the check and builds the report.
///
/// # Errors
///
/// [`Stop`] on a usage error (URL, CA file, `--path`) or when the server cannot be
/// reached.
pub async fn report(args: &CheckArgs) -> Result<Report, Stop> {
    let target = target(args)?;
    let repair = args.repair.repair()?;
    let tls = crate::tls_client::client_config(args.upstream_ca.as_deref()).map_err(Stop)?;
    let mut client = client::Client::new(tls, Duration::from_secs(args.timeout.max(1)));
    let found = discovery::discover(&mut client, target)
        .await
        .map_err(|e| Stop(format!("cannot check {}", e.0)))?;
    let mut all = Vec::new();
    all.extend(findings::resource::findings(&found));
    all.extend(findings::server::findings(&found));
    all.extend(findings::answers::findings(&found));
    let mut probed = probe::Probed::default();
    match (&found.server, args.register) {
        (Some(doc), true) => probed = probe::probe(&mut client, doc).await,
        (None, _) => probed.findings = vec![probe::not_probed("no authorization-server metadata")],
        (Some(_), false) => probed.findings = vec![probe::not_probed("--register not given")],
    }
    let mut registered = probed.registered;
    let mut secret = probed.secret;
    all.append(&mut probed.findings);
    let mut logged_in = false;
    if args.login {
        let opts = login::Options {
            browser: args.browser.clone(),
            wait: Duration::from_secs(args.login_timeout.max(1)),
        };
        let mut done = login::login(&mut client, &found, &opts).await?;
        registered |= done.registered;
        secret |= done.secret;
        logged_in = done.logged_in;
        all.append(&mut done.findings);
    }
    let preview = match &found.server {
        Some(doc) => Some(preview::preview(doc, &repair).await),
        None => None,
    };
    if registered {
        let repaired = preview.as_ref().is_some_and(|p| p.repaired);
        all.push(client_secret(secret, repaired));
    }
    all.sort_by_key(|f| f.group);
    Ok(assemble(
        args,
        &found,
        all,
        preview,
        (registered, logged_in),
        client.log().to_vec(),
    ))
}

/// `probe.client-secret`: a server that hands out secrets at registration,
/// and a repair that would list "none" to clients that then drop them.
fn client_secret(secret: bool, repaired: bool) -> findings::Finding {
    use findings::Finding;
    match (secret, repaired) {
        (false, _) => Finding::pass(
            "probe.client-secret",
            "registration handed out no client secret",
        ),
        (true, true) => Finding::warn(
            "probe.client-secret",
            "registration hands out a client secret, and the repair would list \"none\": a client that uses \"none\" whenever it is listed stops sending its secret and gets invalid_client",
        ),
        (true, false) => Finding::info(
            "probe.client-secret",
            "registration hands out a client secret; the repair changes nothing that a confidential client reads",
        ),
    }
}

fn assemble(
    args: &CheckArgs,
    found: &Discovery,
    findings: Vec<findings::Finding>,
    repair: Option<preview::Preview>,
    (registered_client, logged_in): (bool, bool),
    requests: Vec<client::Exchange>,
) -> Report {
    let (target, mode) = match &found.target {
        Target::Mcp(_) => (args.url.clone().unwrap_or_default(), "mcp"),
        Target::Issuer(i) => (i.clone(), "issuer"),
    };
    Report {
        schema: SCHEMA,
        target,
        mode,
        authorization_server: found.issuer.as_ref().map(|(identifier, from)| Issuer {
            identifier: identifier.clone(),
            from,
        }),
        summary: Summary::of(&findings),
        findings,
        repair,
        registered_client,
        logged_in,
        requests,
    }
}

/// The subcommand: runs the check on its own runtime, prints the report,
/// and returns the exit status (0 no FAIL, 1 some FAIL, 2 no report).
#[must_use]
pub fn run(args: &CheckArgs) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("oauth-metadata-repair: cannot start: {e}");
            return 2;
        }
    };
    match runtime.block_on(report(args)) {
        Ok(report) => {
            let text = if args.json {
                serde_json::to_string_pretty(&report).map(|mut s| {
                    s.push('\n');
                    s
                })
            } else {
                let colour = match args.color {
                    ColorChoice::Always => true,
                    ColorChoice::Never => false,
                    ColorChoice::Auto => std::io::stdout().is_terminal(),
                };
                Ok(report::text::render(&report, colour))
            };
            match text {
                Ok(text) => {
                    // A closed pipe (| head) is not worth a panic.
                    let _ = std::io::stdout().write_all(text.as_bytes());
                }
                Err(e) => {
                    eprintln!("oauth-metadata-repair: cannot write the report: {e}");
                    return 2;
                }
            }
            report.summary.exit_status
        }
        Err(Stop(why)) => {
            eprintln!("oauth-metadata-repair: {why}");
            2
        }
    }
}
