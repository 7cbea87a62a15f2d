#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance,
# pinned below) beside `oauth-metadata-repair check --login --register`, on
# every switch of check's test server (cli/tests/support/check_defects.rs,
# served by the check_server example): wherever the suite FAILs, check must
# FAIL too (the suite's CIMD WARNING aside). Prints one table row per
# switch and writes the table to target/conformance/table.md.
#
#   bash tests/interop/conformance.sh
#   CONFORMANCE_SWITCHES="clean no_no_store" bash tests/interop/conformance.sh
#
# The suite needs Node 22: the machine's node is used when it is 22 or
# newer, else the `node` npm package at NODE_22 (a binary from the npm
# registry). Loopback only: HTTP(S)_PROXY point at a closed loopback port,
# every wait has a time limit, every process started is stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
. scripts/lib.sh # wait_port

CONFORMANCE=0.2.0-alpha.12
NODE_22=22.23.3

cache=target/conformance
mkdir -p "$cache"
stamp="$cache/.installed-$CONFORMANCE-$NODE_22"
if [ ! -f "$stamp" ]; then
  echo "== installing @modelcontextprotocol/conformance@$CONFORMANCE and node@$NODE_22 into $cache" >&2
  rm -rf "$cache/npm"; mkdir -p "$cache/npm"
  (cd "$cache/npm" && echo '{"private": true}' >package.json \
    && timeout 600 npm install --silent --no-audit --no-fund --save-exact \
      "@modelcontextprotocol/conformance@$CONFORMANCE" "node@$NODE_22" >&2)
  touch "$stamp"
fi
node=$(command -v node || true)
if [ -z "$node" ] || [ "$("$node" -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  node=$cache/npm/node_modules/node/bin/node
fi
suite=$cache/npm/node_modules/@modelcontextprotocol/conformance/dist/index.js
echo "== the suite $CONFORMANCE on node $("$node" --version)" >&2

cargo build --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair --example check_server
bin=target/debug/oauth-metadata-repair
server=target/debug/examples/check_server

# Nothing leaves the machine: any proxy-aware client goes to a closed port.
export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost
export http_proxy=$HTTP_PROXY https_proxy=$HTTPS_PROXY no_proxy=$NO_PROXY

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# never_redirects: the suite would wait 5 minutes for its callback; check's
# exit 2 after --login-timeout is a cargo test.
all="clean $("$server" --list | grep -vx never_redirects | tr '\n' ' ')"
switches=${CONFORMANCE_SWITCHES:-$all}
rows="$cache/rows.jsonl"; : >"$rows"
for switch in $switches; do
  port=$(free_port)
  args=(); [ "$switch" = clean ] || args=("$switch")
  "$server" "$port" "${args[@]}" >"$cache/$switch.server.log" 2>&1 & pids+=($!)
  wait_port "$port"
  issuer="http://127.0.0.1:$port"
  rm -rf "$cache/out-$switch"
  # The test server hands out codes to any client_id it registered: its
  # registration always answers test-client-1.
  timeout 120 python3 "$here/conformance_run.py" "$node" "$suite" "$issuer" test-client-1 "$issuer/mcp" \
    "$cache/out-$switch" >"$cache/$switch.suite.json"
  status=0
  timeout 120 "$bin" check --json --login --register --login-timeout 30 --browser "python3 $here/browser.py" \
    "$issuer/mcp" >"$cache/$switch.check.json" 2>"$cache/$switch.check.err" || status=$?
  python3 "$here/conformance_parity.py" row "$switch" "$cache/$switch.suite.json" "$cache/$switch.check.json" "$status" >>"$rows"
  cleanup; pids=()
done
python3 "$here/conformance_parity.py" table "$rows" | tee "$cache/table.md"
