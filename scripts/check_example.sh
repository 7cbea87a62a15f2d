#!/usr/bin/env bash
# Regenerates the README's "A real report": `check --register --login`
# against the interop `mcp` 1.27.1 server on :8000, and against a second one
# behind the proxy on :8080 (upstream :8081). Needs the venv of
# tests/interop/check.sh (target/interop/venv-mcp-1.27.1). Loopback only.
#
#   bash scripts/check_example.sh > /tmp/report.txt
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh # wait_port
py=target/interop/venv-mcp-1.27.1/bin/python
cargo build --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
bin=target/debug/oauth-metadata-repair
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
"$py" tests/interop/sdk_server.py 8000 http://127.0.0.1:8000 >/dev/null 2>&1 & pids+=($!)
"$py" tests/interop/sdk_server.py 8081 http://127.0.0.1:8080 >/dev/null 2>&1 & pids+=($!)
RUST_LOG=warn "$bin" --listen 127.0.0.1:8080 --upstream http://127.0.0.1:8081 & pids+=($!)
wait_port 8000; wait_port 8081; wait_port 8080
browser="python3 tests/interop/browser.py"
for port in 8000 8080; do
  echo "\$ oauth-metadata-repair check --register --login --browser \"$browser\" http://127.0.0.1:$port/mcp"
  status=0
  "$bin" check --color never --register --login --browser "$browser" "http://127.0.0.1:$port/mcp" || status=$?
  echo "(exit status $status)"
  echo
done
