#!/usr/bin/env bash
# RFC 9207 `iss` against real MCP servers (mcp 1.27.1, FastMCP 4.2.3), each
# started twice: straight, and behind the proxy at its defaults. A freshly
# started proxy's first authorization response must carry `iss` equal to the
# metadata's `issuer`, and the metadata must advertise
# authorization_response_iss_parameter_supported; straight, neither
# (iss_probe.py registers, sends /authorize before any metadata is read,
# then reads the metadata). A third instance, in-process, is wrapped by the
# ASGI middleware (asgi/, its defaults; INTEROP_ASGI_SITE names a folder
# holding the installed package, else scripts/asgi_build.sh builds one) and
# must show what the proxy shows.
#
#   bash tests/interop/iss.sh
#   ISS_SERVERS="mcp-1.27.1" bash tests/interop/iss.sh   # a subset
#   ISS_WITHOUT_PROXY=1 bash tests/interop/iss.sh        # must fail
#
# Shares run.sh's venvs (install.sh's venv helper, pins of versions.sh);
# loopback only; every wait has a time limit; every process started is
# stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
. scripts/lib.sh # wait_port
. "$here/versions.sh"
. "$here/install.sh"
cache=target/interop
mkdir -p "$cache"

declare -A server_py server_script
server_py[mcp-$MCP_1]=$(venv "mcp-$MCP_1" "mcp==$MCP_1"); server_script[mcp-$MCP_1]=sdk_server.py
server_py[fastmcp-$FASTMCP_4]=$(venv "fastmcp-$FASTMCP_4" "fastmcp==$FASTMCP_4"); server_script[fastmcp-$FASTMCP_4]=fastmcp_server.py

cargo build --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
bin=target/debug/oauth-metadata-repair
asgi_site=${INTEROP_ASGI_SITE:-$(bash scripts/asgi_build.sh)}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# ROUTE FILE: the probe's findings against what that route must show.
verdict() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
route, path = sys.argv[1], sys.argv[2]
p = json.load(open(path))
problems = []
if "error" in p and isinstance(p["error"], str):
    problems.append(p["error"])
else:
    issuer, s, e = p["issuer"], p["success"], p["error"]
    if not issuer:
        problems.append("no issuer in the metadata")
    if not s["has_code"]:
        problems.append(f"/authorize did not redirect with a code: {s['status']} {s['location']}")
    if route != "straight":
        if p["advertised"] is not True:
            problems.append(f"metadata advertises {p['advertised']!r}, not true")
        if s["iss"] != issuer:
            problems.append(f"success redirect iss {s['iss']!r} != issuer {issuer!r}")
        if e["has_error"] and e["iss"] != issuer:
            problems.append(f"error redirect iss {e['iss']!r} != issuer {issuer!r}")
    else:
        if p["advertised"] is not None:
            problems.append(f"straight metadata advertises {p['advertised']!r}")
        if s["iss"] is not None or e["iss"] is not None:
            problems.append("straight redirects carry iss")
    kinds = "success and error" if e["has_error"] else "success"
    print(f"   {route}: issuer {issuer!r}, advertised {p['advertised']!r}, {kinds} redirect iss {s['iss']!r}")
for problem in problems:
    print(f"   {route}: {problem}")
sys.exit(1 if problems else 0)
EOF
}

failures=0
servers=${ISS_SERVERS:-"mcp-$MCP_1 fastmcp-$FASTMCP_4"}
for server in $servers; do
  spy=${server_py[$server]}; script=$here/${server_script[$server]}
  direct_port=$(free_port); up_port=$(free_port); proxy_port=$(free_port)
  echo "== $server: straight on :$direct_port, behind the proxy on :$proxy_port" >&2
  "$spy" "$script" "$direct_port" "http://127.0.0.1:$direct_port" >"$cache/iss-$server-direct.log" 2>&1 & pids+=($!)
  if [ -n "${ISS_WITHOUT_PROXY:-}" ]; then
    "$spy" "$script" "$proxy_port" "http://127.0.0.1:$proxy_port" >"$cache/iss-$server-proxied.log" 2>&1 & pids+=($!)
  else
    "$spy" "$script" "$up_port" "http://127.0.0.1:$proxy_port" >"$cache/iss-$server-proxied.log" 2>&1 & pids+=($!)
    RUST_LOG=info "$bin" --listen "127.0.0.1:$proxy_port" --upstream "http://127.0.0.1:$up_port" >"$cache/iss-$server-proxy.log" 2>&1 & pids+=($!)
    wait_port "$up_port"
  fi
  inproc_port=$(free_port) # the middleware off when bypassing
  PYTHONPATH=$asgi_site INTEROP_ASGI_MIDDLEWARE=$([ -n "${ISS_WITHOUT_PROXY:-}" ] || echo 1) \
    "$spy" "$script" "$inproc_port" "http://127.0.0.1:$inproc_port" >"$cache/iss-$server-in-process.log" 2>&1 & pids+=($!)
  wait_port "$direct_port"; wait_port "$proxy_port"; wait_port "$inproc_port"
  ok=1
  for route in straight proxied in-process; do
    port=$direct_port; [ "$route" = proxied ] && port=$proxy_port; [ "$route" = in-process ] && port=$inproc_port
    timeout 60 "$spy" "$here/iss_probe.py" "http://127.0.0.1:$port" >"$cache/iss-$server-$route.json" || true
    verdict "$route" "$cache/iss-$server-$route.json" || ok=0
  done
  if [ "$ok" = 1 ]; then
    echo "ok   $server: through the proxy and in-process the first authorization response carries the metadata's issuer as iss and the metadata advertises it; straight, neither"
  else
    echo "FAIL $server: see above and $cache/iss-$server-*"
    failures=$((failures + 1))
  fi
  cleanup; pids=()
done
echo "iss: $failures of $(wc -w <<<"$servers") servers failed"
[ "$failures" = 0 ]
