#!/usr/bin/env bash
# `oauth-metadata-repair check --register --login` against the real buggy
# servers of the interop set (mcp 1.27.1 and 2.3.0, FastMCP 3.3.1 and
# 4.2.3), straight and through the proxy, each report asserted finding by
# finding (check_report.py); browser.py plays the person at the browser:
#
#   straight:          server.token-auth-none FAILs naming mcp-remote, the
#                      --register probe finds public clients accepted, iss is
#                      neither advertised nor sent (WARN naming Gemini CLI),
#                      every step of the login passes, exit status 1;
#   through the proxy: server.token-auth-none, server.iss-parameter and
#                      login.iss pass (the proxy's "none" and iss repairs);
#                      every other finding reads as straight, exit status 0.
#
#   bash tests/interop/check.sh
#   CHECK_SERVERS="mcp-1.27.1" bash tests/interop/check.sh   # a subset
#   CHECK_WITHOUT_PROXY=1 bash tests/interop/check.sh        # must fail
#
# Shares run.sh's venvs (target/interop/venv-NAME, marked .installed); loopback
# only; every wait has a time limit; every process started is stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
. scripts/lib.sh # wait_port
cache=target/interop
mkdir -p "$cache"

venv() { # NAME REQUIREMENT -> the venv's python (the same as run.sh's)
  local dir="$cache/venv-$1"
  if [ ! -f "$dir/.installed" ]; then
    echo "== installing $2 into $dir" >&2
    rm -rf "$dir"
    python3 -m venv "$dir"
    timeout 600 "$dir/bin/pip" install --quiet --disable-pip-version-check "$2" >&2
    touch "$dir/.installed"
  fi
  echo "$dir/bin/python"
}
declare -A server_py server_script
server_py[mcp-1.27.1]=$(venv mcp-1.27.1 "mcp==1.27.1"); server_script[mcp-1.27.1]=sdk_server.py
server_py[mcp-2.3.0]=$(venv mcp-2.3.0 "mcp==2.3.0"); server_script[mcp-2.3.0]=sdk_server.py
server_py[fastmcp-3.3.1]=$(venv fastmcp-3.3.1 "fastmcp==3.3.1"); server_script[fastmcp-3.3.1]=fastmcp_server.py
server_py[fastmcp-4.2.3]=$(venv fastmcp-4.2.3 "fastmcp==4.2.3"); server_script[fastmcp-4.2.3]=fastmcp_server.py
py=python3

cargo build --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
bin=target/debug/oauth-metadata-repair

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

failures=0
servers=${CHECK_SERVERS:-"mcp-1.27.1 mcp-2.3.0 fastmcp-3.3.1 fastmcp-4.2.3"}
for server in $servers; do
  spy=${server_py[$server]}; script=$here/${server_script[$server]}
  direct_port=$(free_port); up_port=$(free_port); proxy_port=$(free_port)
  echo "== $server: straight on :$direct_port, behind the proxy on :$proxy_port" >&2
  "$spy" "$script" "$direct_port" "http://127.0.0.1:$direct_port" >"$cache/check-$server-direct.log" 2>&1 & pids+=($!)
  if [ -n "${CHECK_WITHOUT_PROXY:-}" ]; then
    "$spy" "$script" "$proxy_port" "http://127.0.0.1:$proxy_port" >"$cache/check-$server-proxied.log" 2>&1 & pids+=($!)
  else
    "$spy" "$script" "$up_port" "http://127.0.0.1:$proxy_port" >"$cache/check-$server-proxied.log" 2>&1 & pids+=($!)
    RUST_LOG=warn "$bin" --listen "127.0.0.1:$proxy_port" --upstream "http://127.0.0.1:$up_port" & pids+=($!)
    wait_port "$up_port"
  fi
  wait_port "$direct_port"; wait_port "$proxy_port"
  for route in straight proxied; do
    port=$direct_port; [ "$route" = proxied ] && port=$proxy_port
    status=0
    timeout 120 "$bin" check --json --register --login --login-timeout 60 --browser "$py $here/browser.py" \
      "http://127.0.0.1:$port/mcp" >"$cache/check-$server-$route.json" || status=$?
    echo "$status" >"$cache/check-$server-$route.status"
  done
  if "$py" "$here/check_report.py" "$server" "$cache/check-$server-straight.json" "$(cat "$cache/check-$server-straight.status")" \
    "$cache/check-$server-proxied.json" "$(cat "$cache/check-$server-proxied.status")"; then
    echo "ok   $server: straight FAILs only server.token-auth-none (mcp-remote named, public clients accepted) and WARNs the missing iss (Gemini CLI named), the login passes every step; through the proxy all three pass and nothing else changes"
  else
    failures=$((failures + 1))
  fi
  cleanup; pids=()
done
echo "check: $failures of $(wc -w <<<"$servers") servers failed"
[ "$failures" = 0 ]
