#!/usr/bin/env bash
# Interop matrix: real MCP servers with the bug, real MCP clients, each pair
# straight to the server and through the oauth-metadata-repair binary.
#
#   servers: mcp==1.27.1 and mcp==2.3.0 (the SDK's own auth routes),
#            fastmcp==3.3.1 and fastmcp==4.2.3 (InMemoryOAuthProvider);
#            each with one tool, `add`, over Streamable HTTP
#   clients: a strict public client (public_client.py), the MCP Python SDK
#            client (mcp==1.27.1, OAuthClientProvider + ClientSession), the
#            TypeScript SDK 1.32.2 (auth() + Client), mcp-remote 0.15.1 (its
#            stdio proxy, as desktop clients run it, browser step headless)
#
# Asserted, not just printed: through the proxy every client registers as a
# public client (no secret issued or stored), logs in and calls the tool, and
# the document on that route lists "none"; straight to the server mcp-remote
# registers as a confidential client and stores a secret (the bug), the strict
# client fails at discovery, the SDK clients log in as public clients. A
# failure names the pair, the route and the step. Prints the matrix as a
# Markdown table.
#
#   bash tests/interop/run.sh
#   INTEROP_SERVERS="mcp-1.27.1" bash tests/interop/run.sh   # a subset
#   INTEROP_CLIENTS="mcp-remote strict" bash tests/interop/run.sh
#   INTEROP_PROXY_BIN=/path/to/oauth-metadata-repair bash tests/interop/run.sh
#                                  # an installed binary; nothing is built
#   INTEROP_WITHOUT_PROXY=1 bash tests/interop/run.sh         # must fail
#
# Installs pinned packages from PyPI and npm into target/interop/ (cached);
# loopback only; every wait and every client run has a time limit; every
# process started is stopped on exit, also on failure or Ctrl-C.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -n "${INTEROP_PROXY_BIN:-}" ]; then # resolved before the cd below
  case $INTEROP_PROXY_BIN in
    */*) INTEROP_PROXY_BIN=$(realpath -m -- "$INTEROP_PROXY_BIN") ;;
    *) INTEROP_PROXY_BIN=$(command -v -- "$INTEROP_PROXY_BIN" || echo "$INTEROP_PROXY_BIN") ;;
  esac
fi
cd "$root"
. scripts/lib.sh # wait_port
cache=target/interop
mkdir -p "$cache"

all_clients="strict python-sdk ts-sdk mcp-remote"
clients=${INTEROP_CLIENTS:-$all_clients}
for client in $clients; do
  [[ " $all_clients " == *" $client "* ]] || { echo "unknown client in INTEROP_CLIENTS: $client (known: $all_clients)" >&2; exit 2; }
done
if [ -n "${INTEROP_PROXY_BIN:-}" ] && [ ! -x "$INTEROP_PROXY_BIN" ]; then
  echo "INTEROP_PROXY_BIN is not an executable file: $INTEROP_PROXY_BIN" >&2; exit 2
fi

venv() { # NAME REQUIREMENT -> the venv's python
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
client_py=${server_py[mcp-1.27.1]}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "== installing Node.js and npm from Debian's packages" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
npm_dir="$cache/npm"
if [ ! -f "$npm_dir/.installed" ]; then
  echo "== installing mcp-remote@0.15.1 and @modelcontextprotocol/sdk@1.32.2 into $npm_dir" >&2
  rm -rf "$npm_dir"; mkdir -p "$npm_dir"
  echo '{"private": true}' > "$npm_dir/package.json"
  (cd "$npm_dir" && timeout 600 npm install --silent --no-audit --no-fund \
    mcp-remote@0.15.1 @modelcontextprotocol/sdk@1.32.2 >&2)
  touch "$npm_dir/.installed"
fi
# ESM resolves packages from the script's own folder.
cp "$here/ts_client.mjs" "$npm_dir/ts_client.mjs"

if [ -n "${INTEROP_PROXY_BIN:-}" ]; then
  proxy_bin=$INTEROP_PROXY_BIN
else
  cargo build --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
  proxy_bin=target/debug/oauth-metadata-repair
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$client_py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# One client run: prints its JSON line ({"method","secret","login","tool"}).
run_client() { # CLIENT BASE_URL
  local client=$1 base=$2 out
  case $client in
    strict)
      if out=$(timeout 60 "$client_py" "$here/public_client.py" "$base" --mcp "$base/mcp" 2>&1); then
        echo '{"method": "none", "secret": false, "login": true, "tool": true}'
      else
        local step; step=$(grep -o 'FAIL step [0-9] [a-z ]*' <<<"$out" | head -1 | sed 's/FAIL //')
        echo "{\"method\": null, \"secret\": false, \"login\": false, \"tool\": false, \"failed\": \"${step:-unknown}\"}"
      fi ;;
    python-sdk) timeout 90 "$client_py" "$here/sdk_client.py" "$base/mcp" 2>/dev/null | tail -1 ;;
    ts-sdk) (cd "$npm_dir" && timeout 90 node ts_client.mjs "$base/mcp" 2>/dev/null | tail -1) ;;
    mcp-remote)
      local config; config=$(mktemp -d "$root/$cache/mcp-remote.XXXXXX")
      timeout 120 "$client_py" "$here/remote_client.py" "$npm_dir/node_modules" "$base/mcp" "$config" 2>/dev/null | tail -1
      rm -rf "$config" ;;
  esac
}

field() { "$client_py" -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else str(v).lower())' "$1" "$2"; }

failures=0; passed=0; pair_failed=0
fail() { echo "FAIL $1" >&2; pair_failed=1; }
table=()

check() { # SERVER CLIENT ROUTE BASE_URL RESULT
  local server=$1 client=$2 route=$3 base=$4 r=$5 pair="$1 × $2 $3"
  local method secret login tool
  pair_failed=0
  method=$(field "$r" method); secret=$(field "$r" secret); login=$(field "$r" login); tool=$(field "$r" tool)
  if [ "$route" = "through the proxy" ]; then
    local doc; doc=$("$client_py" -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
      "$base/.well-known/oauth-authorization-server" 2>/dev/null || true)
    grep -q '"none"' <<<"$doc" || fail "$pair: step discovery: the document on this route lists no \"none\" (is the proxy bypassed?)"
    [ "$method" = none ] || fail "$pair: step registration: registered as ${method:-nothing} (expected none)"
    [ "$secret" = false ] || fail "$pair: step registration: a client secret was issued or stored"
    [ "$login" = true ] || fail "$pair: step login: did not finish ($(field "$r" error)$(field "$r" failed))"
    [ "$tool" = true ] || fail "$pair: step tool call: failed ($(field "$r" error))"
  else
    case $client in
      strict) [ "$(field "$r" failed)" = "step 2 discovery" ] || fail "$pair: expected the strict client to fail at step 2 discovery, got $r" ;;
      mcp-remote)
        [ -n "$method" ] && [ "$method" != none ] || fail "$pair: step registration: expected a confidential registration (the bug), got ${method:-nothing}"
        [ "$secret" = true ] || fail "$pair: step registration: expected a stored client secret (the bug)" ;;
      *)
        [ "$method" = none ] && [ "$secret" = false ] || fail "$pair: step registration: expected a public registration, got $r"
        [ "$login" = true ] && [ "$tool" = true ] || fail "$pair: step login/tool call: $r" ;;
    esac
  fi
  if [ "$pair_failed" = 1 ]; then failures=$((failures + 1)); else passed=$((passed + 1)); fi
  local shown_method=${method:-—}; [ -z "$method" ] && [ -n "$(field "$r" failed)" ] && shown_method="— (fails at $(field "$r" failed))"
  table+=("| $server | $client | $route | $shown_method | $([ "$secret" = true ] && echo yes || echo no) | $([ "$login" = true ] && echo yes || echo no) | $([ "$tool" = true ] && echo yes || echo no) |")
}

servers=${INTEROP_SERVERS:-"mcp-1.27.1 mcp-2.3.0 fastmcp-3.3.1 fastmcp-4.2.3"}
for server in $servers; do
  py=${server_py[$server]}; script=$here/${server_script[$server]}
  direct_port=$(free_port); up_port=$(free_port); proxy_port=$(free_port)
  echo "== $server: straight on :$direct_port, behind the proxy on :$proxy_port" >&2
  # Each instance's issuer is the address its clients use.
  "$py" "$script" "$direct_port" "http://127.0.0.1:$direct_port" >"$cache/$server-direct.log" 2>&1 & pids+=($!)
  if [ -n "${INTEROP_WITHOUT_PROXY:-}" ]; then
    "$py" "$script" "$proxy_port" "http://127.0.0.1:$proxy_port" >"$cache/$server-proxied.log" 2>&1 & pids+=($!)
  else
    "$py" "$script" "$up_port" "http://127.0.0.1:$proxy_port" >"$cache/$server-proxied.log" 2>&1 & pids+=($!)
    RUST_LOG=warn "$proxy_bin" --listen "127.0.0.1:$proxy_port" --upstream "http://127.0.0.1:$up_port" & pids+=($!)
    wait_port "$up_port"
  fi
  wait_port "$direct_port"; wait_port "$proxy_port"
  for client in $clients; do
    check "$server" "$client" "through the proxy" "http://127.0.0.1:$proxy_port" "$(run_client "$client" "http://127.0.0.1:$proxy_port")"
    check "$server" "$client" "straight" "http://127.0.0.1:$direct_port" "$(run_client "$client" "http://127.0.0.1:$direct_port")"
  done
  cleanup; pids=()
done

echo
echo "| server | client | route | registered as | client secret | login | tool call |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${table[@]}"
echo
echo "interop: $passed passed, $failures failed"
[ "$failures" = 0 ]
