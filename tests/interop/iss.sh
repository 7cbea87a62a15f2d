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
. "$here/install.sh" # with scripts/lib.sh, versions.sh and $cache

servers=${ISS_SERVERS:-"mcp-$MCP_1 fastmcp-$FASTMCP_4"}
server_venvs $servers

proxy_bin=$(proxy_binary)
asgi_site=${INTEROP_ASGI_SITE:-$(bash scripts/asgi_build.sh)}
stop_on_exit

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
for server in $servers; do
  spy=${server_py[$server]}; script=$here/${server_script[$server]}
  RUST_LOG=info serve_pair "$server" "$spy" "$script" "$proxy_bin" "$cache/iss-$server" "${ISS_WITHOUT_PROXY:-}"
  inproc_port=$(free_port) # the middleware off when bypassing
  PYTHONPATH=$asgi_site INTEROP_ASGI_MIDDLEWARE=$([ -n "${ISS_WITHOUT_PROXY:-}" ] || echo 1) \
    "$spy" "$script" "$inproc_port" "http://127.0.0.1:$inproc_port" >"$cache/iss-$server-in-process.log" 2>&1 & pids+=($!)
  wait_port "$inproc_port"
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
