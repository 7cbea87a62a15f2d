//! The test server of `check`'s tests, served until killed, for tools that
//! run outside `cargo test` (the conformance parity run in CI):
//!
//!     cargo run -p oauth-metadata-repair-cli --example check_server -- PORT [SWITCH...]
//!
//! Listens on 127.0.0.1:PORT only; its MCP endpoint is `/mcp` and its
//! issuer `http://127.0.0.1:PORT`. `--list` prints the switches.

#[allow(dead_code, unreachable_pub)]
#[path = "../tests/support/check_defects.rs"]
mod check_defects;
#[allow(dead_code, unreachable_pub)]
#[path = "../tests/support/check_grant.rs"]
mod check_grant;
#[allow(dead_code, unreachable_pub)]
#[path = "../tests/support/check_server.rs"]
mod check_server;

use check_defects::{Defects, SWITCHES};
use check_server::serve_on;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--list") {
        println!("{}", SWITCHES.join("\n"));
        return;
    }
    let Some(port) = args.first().and_then(|p| p.parse::<u16>().ok()) else {
        eprintln!("usage: check_server PORT [SWITCH...] (check_server --list)");
        std::process::exit(2);
    };
    let mut defects = Defects::default();
    for name in &args[1..] {
        if !defects.switch(name) {
            eprintln!("check_server: no switch {name} (check_server --list)");
            std::process::exit(2);
        }
    }
    let addr = serve_on(port, defects).await;
    println!("listening on http://{addr}/mcp");
    std::future::pending::<()>().await;
}
