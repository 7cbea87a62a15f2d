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
# Shares run.sh's venvs (install.sh's venv helper, pins of versions.sh);
# loopback only; every wait has a time limit; every process started is
# stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
. "$here/install.sh" # with scripts/lib.sh, versions.sh and $cache

servers=${CHECK_SERVERS:-"mcp-$MCP_1 mcp-$MCP_2 fastmcp-$FASTMCP_3 fastmcp-$FASTMCP_4"}
server_venvs $servers
py=python3

proxy_bin=$(proxy_binary)
stop_on_exit

failures=0
for server in $servers; do
  spy=${server_py[$server]}; script=$here/${server_script[$server]}
  serve_pair "$server" "$spy" "$script" "$proxy_bin" "$cache/check-$server" "${CHECK_WITHOUT_PROXY:-}"
  for route in straight proxied; do
    port=$direct_port; [ "$route" = proxied ] && port=$proxy_port
    status=0
    timeout 120 "$proxy_bin" check --json --register --login --login-timeout 60 --browser "$py $here/browser.py" \
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
