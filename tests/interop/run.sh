#!/usr/bin/env bash
# Interop test: the real, unmodified MCP Python SDK authorization server
# (mcp==1.27.1) behind the oauth-metadata-repair binary, and a strict public client doing a
# complete secretless login through it. Then the same client pointed straight
# at the server must fail at discovery, proving the check can fail.
#
#   bash tests/interop/run.sh
#
# Installs Python packages into target/interop-venv (PyPI); loopback only;
# every wait is bounded; both servers are stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

venv=target/interop-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import importlib.metadata as m; assert m.version("mcp") == "1.27.1"' 2>/dev/null; then
  echo "== installing mcp==1.27.1 into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "mcp==1.27.1"
fi
py="$venv/bin/python"

cargo build --quiet --features proxy --bin oauth-metadata-repair
proxy_bin=target/debug/oauth-metadata-repair

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
up_port=$(free_port)
proxy_port=$(free_port)
while [ "$proxy_port" = "$up_port" ]; do proxy_port=$(free_port); done

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# The issuer is the proxy's address: that is where clients find the server.
"$py" "$here/as_server.py" "$up_port" "http://127.0.0.1:$proxy_port" & pids+=($!)
"$proxy_bin" --listen "127.0.0.1:$proxy_port" --upstream "http://127.0.0.1:$up_port" & pids+=($!)

wait_port() {
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "FAIL: nothing listens on 127.0.0.1:$1 after 20 s" >&2; exit 1
}
wait_port "$up_port"; wait_port "$proxy_port"

echo "== public-client flow through the proxy"
timeout 60 "$py" "$here/public_client.py" "http://127.0.0.1:$proxy_port" "http://127.0.0.1:$up_port"

echo "== the same client straight at the server must fail at discovery"
if out=$(timeout 60 "$py" "$here/public_client.py" "http://127.0.0.1:$up_port" 2>&1); then
  echo "$out"; echo "FAIL: the client logged in without the proxy: the check cannot fail" >&2; exit 1
fi
grep -q "FAIL step 2 discovery" <<<"$out" || { echo "$out"; echo "FAIL: expected a discovery failure" >&2; exit 1; }
echo "ok   bypassing the proxy fails at step 2 discovery, as it must"
echo "interop: 2 passed, 0 failed"
