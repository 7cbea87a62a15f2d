//! Opening the authorization URL: `--browser CMD`, else `$BROWSER`, else
//! the platform's opener. Unless `--browser` ran, the URL is printed on
//! standard error too, for a person to open by hand (a desktop opener may
//! start nothing at all).

use std::process::{Command, Stdio};

/// How the URL was opened, for the timeout's message.
#[must_use]
pub fn open(url: &str, browser: Option<&str>) -> String {
    let env = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty());
    let (command, how) = match (browser, env) {
        (Some(cmd), _) => (Some(cmd.to_owned()), "--browser"),
        (None, Some(cmd)) => {
            // $BROWSER may list several commands separated by ':'.
            let first = cmd.split(':').next().unwrap_or_default().to_owned();
            (Some(first), "$BROWSER")
        }
        (None, None) => (None, "the platform's opener"),
    };
    if browser.is_none() {
        eprintln!("oauth-metadata-repair: to log in, open {url}");
    }
    let argv = match &command {
        Some(cmd) => with_url(cmd, url),
        None => platform(url),
    };
    let Some((program, args)) = argv.split_first() else {
        return "nothing (the URL was printed)".to_owned();
    };
    let spawned = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // Reap it whenever it ends; the check does not wait for it.
            std::thread::spawn(move || child.wait());
            format!("{how} ({program})")
        }
        Err(e) => {
            eprintln!("oauth-metadata-repair: cannot run {program} ({e}): open {url} by hand");
            "nothing (the URL was printed)".to_owned()
        }
    }
}

/// `cmd` split on whitespace, with `%s` replaced by `url`, or `url` appended.
fn with_url(cmd: &str, url: &str) -> Vec<String> {
    let mut argv: Vec<String> = cmd.split_whitespace().map(str::to_owned).collect();
    if argv.iter().any(|a| a.contains("%s")) {
        for a in &mut argv {
            *a = a.replace("%s", url);
        }
    } else if !argv.is_empty() {
        argv.push(url.to_owned());
    }
    argv
}

fn platform(url: &str) -> Vec<String> {
    let argv: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["cmd", "/C", "start", ""]
    } else {
        &["xdg-open"]
    };
    let mut argv: Vec<String> = argv.iter().map(|a| (*a).to_owned()).collect();
    argv.push(url.to_owned());
    argv
}

#[cfg(test)]
mod tests {
    use super::with_url;

    #[test]
    fn the_url_is_appended_or_put_in_place_of_percent_s() {
        assert_eq!(
            with_url("python3 b.py", "http://x/"),
            ["python3", "b.py", "http://x/"]
        );
        assert_eq!(with_url("open -a %s now", "u"), ["open", "-a", "u", "now"]);
        assert!(with_url("  ", "u").is_empty());
    }
}
