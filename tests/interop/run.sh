#!/usr/bin/env bash
# Interop matrix: real MCP servers with the bug, real MCP clients, each pair
# straight to the server and through the oauth-metadata-repair binary.
#
#   servers: mcp 1.27.1 and 2.3.0 (the SDK's own auth routes), FastMCP 3.3.1
#            and 4.2.3 (InMemoryOAuthProvider); each with one tool, `add`,
#            over Streamable HTTP, each recording what it registers
#   clients: strict (public_client.py), python-sdk (the MCP Python SDK 1.27.1
#            client), ts-sdk (the TypeScript SDK), mcp-remote (its stdio
#            proxy, as desktop clients run it), claude-code (Claude Code:
#            `claude mcp add/login/list` and a tool call through `claude -p`),
#            inspector (the MCP Inspector CLI), fastmcp (FastMCP 4.2.3's
#            Client + OAuth), python-sdk-2.3.0 (the Python SDK 2.3.0 client),
#            rmcp (the Rust SDK's OAuth client, tests/interop/rmcp_client),
#            gemini-cli (Gemini CLI: `gemini -p` on a pseudo-terminal, which
#            logs in when it starts and calls the tool), codex (Codex CLI:
#            `codex mcp add/login/list`, a tool call through `codex exec`),
#            opencode (`opencode mcp auth/list`, `opencode run`), fast-agent
#            (`fast-agent auth mcp login`, its passthrough model calling the
#            tool); every model API a loopback stand-in
#   versions: tests/interop/versions.sh, the one place they are pinned
#   in-process: mcp-remote and Gemini CLI against mcp 1.27.1 and FastMCP
#            4.2.3 wrapped by the ASGI middleware (asgi/, the README's one
#            line, its defaults: iss on), a third route asserted as
#            "through the proxy" is; INTEROP_ASGI_SITE names a folder
#            holding the installed package (else scripts/asgi_build.sh
#            builds one)
#
# Asserted, not just printed: through the proxy every client registers as a
# public client (no secret issued or stored), logs in and calls the tool, and
# the document on that route lists "none"; straight to the server mcp-remote
# registers as a confidential client and stores a secret (the bug), the strict
# client fails at discovery, Gemini CLI registers as a public client and its
# callback rejects the redirect for want of RFC 9207's "iss" (`OAuth callback
# rejected: Missing required "iss" parameter ...`), every other client logs
# in as a public client.
# fast-agent asks for no method at registration on either route, so the
# server makes it a confidential client (client_secret_post, a secret it
# keeps in its keyring) either way: asserted as such, and that it logs in
# and calls the tool on both routes.
# A failure names the pair, the route and the step. Prints the matrix as a
# Markdown table.
#
#   bash tests/interop/run.sh
#   INTEROP_SERVERS="mcp-1.27.1" bash tests/interop/run.sh   # a subset
#   INTEROP_CLIENTS="mcp-remote strict" bash tests/interop/run.sh
#   INTEROP_PROXY_BIN=/path/to/oauth-metadata-repair bash tests/interop/run.sh
#                                  # an installed binary; nothing is built
#
# opencode's OAuth callback port is fixed (19876), fast-agent's nearly so
# (3030, then a few fallbacks): run one matrix at a time on a machine.
#   INTEROP_WITHOUT_PROXY=1 bash tests/interop/run.sh         # must fail
#
# With INTEROP_WITHOUT_PROXY=1 the "through the proxy" rows reach the bare
# server: each fails at "step route" (its document lacks "none"); strict,
# mcp-remote and Gemini CLI, whose outcome the proxy changes, fail at their
# registration or login step too; the others must not (they work both ways).
# .ci/run checks it.
#
# Installs only what the chosen clients and servers need, pinned, from PyPI,
# npm and crates.io into target/interop/ (cached); loopback only; every wait
# and every client run has a time limit; every process started is stopped on
# exit, also on failure or Ctrl-C.
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
. "$here/install.sh" # with scripts/lib.sh, versions.sh and $cache

all_servers="mcp-$MCP_1 mcp-$MCP_2 fastmcp-$FASTMCP_3 fastmcp-$FASTMCP_4"
all_clients="strict python-sdk ts-sdk mcp-remote claude-code inspector fastmcp python-sdk-$MCP_2 rmcp gemini-cli codex opencode fast-agent"
servers=${INTEROP_SERVERS:-$all_servers}
clients=${INTEROP_CLIENTS:-$all_clients}
for server in $servers; do
  [[ " $all_servers " == *" $server "* ]] || { echo "unknown server in INTEROP_SERVERS: $server (known: $all_servers)" >&2; exit 2; }
done
for client in $clients; do
  [[ " $all_clients " == *" $client "* ]] || { echo "unknown client in INTEROP_CLIENTS: $client (known: $all_clients)" >&2; exit 2; }
done
if [ -n "${INTEROP_PROXY_BIN:-}" ] && [ ! -x "$INTEROP_PROXY_BIN" ]; then
  echo "INTEROP_PROXY_BIN is not an executable file: $INTEROP_PROXY_BIN" >&2; exit 2
fi
wants() { [[ " $clients " == *" $1 "* ]]; }

# What the chosen servers and clients need, installed once (install.sh).
server_venvs $servers
client_py=$(venv "mcp-$MCP_1" "mcp==$MCP_1") # strict, python-sdk and the drivers
if wants ts-sdk || wants mcp-remote || wants claude-code || wants inspector || wants gemini-cli || wants codex || wants opencode; then
  need_node
fi
if wants ts-sdk || wants mcp-remote; then
  sdk_npm=$(npm_dir sdk "mcp-remote@$MCP_REMOTE" "@modelcontextprotocol/sdk@$TS_SDK")
  cp "$here/ts_client.mjs" "$sdk_npm/ts_client.mjs" # ESM resolves packages from the script's own folder
fi
wants claude-code && claude_bin=$(claude_code "$CLAUDE_CODE")
wants inspector && inspector_npm=$(npm_dir inspector "@modelcontextprotocol/inspector@$INSPECTOR")
wants fastmcp && fastmcp_py=$(venv "fastmcp-$FASTMCP_4" "fastmcp==$FASTMCP_4")
wants "python-sdk-$MCP_2" && sdk2_py=$(venv "mcp-$MCP_2" "mcp==$MCP_2")
wants rmcp && rmcp_bin=$(rmcp_client "$RMCP")
wants gemini-cli && gemini_js=$(gemini_cli "$GEMINI_CLI")
wants codex && codex_bin=$(codex "$CODEX")
wants opencode && opencode_bin=$(opencode "$OPENCODE")
wants fast-agent && fast_agent_bin=$(fast_agent "$FAST_AGENT" "$KEYRINGS_ALT")

if [ -n "${INTEROP_PROXY_BIN:-}" ]; then
  proxy_bin=$INTEROP_PROXY_BIN
else
  proxy_bin=$(proxy_binary)
fi

# The in-process route's servers and clients, and the middleware they load.
inproc_servers="mcp-$MCP_1 fastmcp-$FASTMCP_4"; inproc_clients="mcp-remote gemini-cli"
inproc() { [[ " $inproc_servers " == *" $1 "* ]] && { [ -z "${2:-}" ] || [[ " $inproc_clients " == *" $2 "* ]]; }; }
asgi_site=${INTEROP_ASGI_SITE:-}
for server in $servers; do for client in $clients; do
  if inproc "$server" "$client" && [ -z "$asgi_site" ]; then asgi_site=$(bash scripts/asgi_build.sh); fi
done; done


stop_on_exit

# One client run: prints its JSON line ({"method","secret","login","tool"}).
run_client() { # CLIENT BASE_URL
  local client=$1 base=$2 out work
  work=$(mktemp -d "$root/$cache/run-$client.XXXXXX")
  case $client in
    strict)
      if out=$(timeout 60 "$client_py" "$here/public_client.py" "$base" --mcp "$base/mcp" 2>&1); then
        echo '{"method": "none", "secret": false, "login": true, "tool": true}'
      else
        local step; step=$(grep -o 'FAIL step [0-9] [a-z ]*' <<<"$out" | head -1 | sed 's/FAIL //')
        echo "{\"method\": null, \"secret\": false, \"login\": false, \"tool\": false, \"failed\": \"${step:-unknown}\"}"
      fi ;;
    python-sdk) timeout 90 "$client_py" "$here/sdk_client.py" "$base/mcp" 2>/dev/null | tail -1 ;;
    "python-sdk-$MCP_2") timeout 90 "$sdk2_py" "$here/sdk_client.py" "$base/mcp" 2>/dev/null | tail -1 ;;
    ts-sdk) (cd "$sdk_npm" && timeout 90 node ts_client.mjs "$base/mcp" 2>/dev/null | tail -1) ;;
    mcp-remote) timeout 120 "$client_py" "$here/remote_client.py" "$sdk_npm/node_modules" "$base/mcp" "$work" 2>/dev/null | tail -1 ;;
    claude-code) timeout 300 "$client_py" "$here/claude_client.py" "$claude_bin" "$base/mcp" "$work" 2>/dev/null | tail -1 ;;
    inspector) timeout 120 "$client_py" "$here/inspector_client.py" "$inspector_npm/node_modules" "$base/mcp" "$work" 2>/dev/null | tail -1 ;;
    fastmcp) timeout 120 "$fastmcp_py" "$here/fastmcp_client.py" "$base/mcp" 2>/dev/null | tail -1 ;;
    rmcp) timeout 90 "$rmcp_bin" "$base/mcp" 2>/dev/null | tail -1 ;;
    gemini-cli) timeout 240 "$client_py" "$here/gemini_client.py" "$gemini_js" "$base/mcp" "$work" 2>/dev/null | tail -1 ;;
    codex) timeout 300 "$client_py" "$here/codex_client.py" "$codex_bin" "$base/mcp" "$work" 2>/dev/null | tail -1 ;;
    opencode) timeout 300 "$client_py" "$here/opencode_client.py" "$opencode_bin" "$base/mcp" "$work" 2>/dev/null | tail -1 ;;
    fast-agent) timeout 300 "$client_py" "$here/fastagent_client.py" "$fast_agent_bin" "$base/mcp" "$work" 2>/dev/null | tail -1 ;;
  esac
  rm -rf "$work"
}

field() { "$client_py" -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else str(v).lower())' "$1" "$2"; }

# The client's result joined with what the server recorded registering
# during its run (lines after SKIP of REG_FILE): the method from the server
# when the client keeps none (Claude Code), a secret if either side has one,
# and a mismatch between the two reported as "conflict".
merge() { # RESULT REG_FILE SKIP
  "$client_py" - "$@" <<'EOF'
import json, sys
result = json.loads(sys.argv[1] or "{}")
try:
    with open(sys.argv[2]) as f:
        records = [json.loads(line) for line in f.readlines()[int(sys.argv[3]):]]
except OSError:
    records = []
if records:
    last = records[-1]
    if result.get("method") is None:
        result["method"] = last["method"]
    elif result["method"] != last["method"]:
        result["conflict"] = f"the client says {result['method']}, the server registered {last['method']}"
    result["secret"] = bool(result.get("secret")) or last["secret"]
print(json.dumps(result))
EOF
}

failures=0; passed=0; pair_failed=0
fail() { echo "FAIL $1" >&2; pair_failed=1; }
table=()

# fast-agent sends no token_endpoint_auth_method, so both servers register
# it with their default, client_secret_post, and issue a secret it keeps.
confidential_either_way() { # PAIR METHOD SECRET
  [ "$2" = client_secret_post ] && [ "$3" = true ] \
    || fail "$1: step registration: expected the server's default (client_secret_post, a secret stored), got ${2:-nothing}, secret $3"
}

check() { # SERVER CLIENT ROUTE BASE_URL RESULT
  local server=$1 client=$2 route=$3 base=$4 r=$5 pair="$1 × $2 $3"
  local method secret login tool
  pair_failed=0
  method=$(field "$r" method); secret=$(field "$r" secret); login=$(field "$r" login); tool=$(field "$r" tool)
  [ -z "$(field "$r" conflict)" ] || fail "$pair: step registration: $(field "$r" conflict)"
  if [ "$route" != "straight" ]; then
    local doc; doc=$("$client_py" -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
      "$base/.well-known/oauth-authorization-server" 2>/dev/null || true)
    grep -q '"none"' <<<"$doc" || fail "$pair: step route: the document on this route lists no \"none\" (is the proxy bypassed?)"
    if [ "$client" = fast-agent ]; then
      confidential_either_way "$pair" "$method" "$secret"
    else
      [ "$method" = none ] || fail "$pair: step registration: registered as ${method:-nothing} (expected none)"
      [ "$secret" = false ] || fail "$pair: step registration: a client secret was issued or stored"
    fi
    [ "$login" = true ] || fail "$pair: step login: did not finish ($(field "$r" error)$(field "$r" failed))"
    [ "$tool" = true ] || fail "$pair: step tool call: failed ($(field "$r" error))"
  else
    case $client in
      strict) [ "$(field "$r" failed)" = "step 2 discovery" ] || fail "$pair: expected the strict client to fail at step 2 discovery, got $r" ;;
      mcp-remote)
        [ -n "$method" ] && [ "$method" != none ] || fail "$pair: step registration: expected a confidential registration (the bug), got ${method:-nothing}"
        [ "$secret" = true ] || fail "$pair: step registration: expected a stored client secret (the bug)" ;;
      gemini-cli)
        [ "$method" = none ] && [ "$secret" = false ] || fail "$pair: step registration: expected a public registration, got $r"
        [ "$login" = false ] && [[ "$(field "$r" rejected)" == *'missing required "iss" parameter'* ]] \
          || fail "$pair: step login: expected the callback to reject the redirect for want of \"iss\", got $r" ;;
      fast-agent)
        confidential_either_way "$pair" "$method" "$secret"
        [ "$login" = true ] && [ "$tool" = true ] || fail "$pair: step login/tool call: $r" ;;
      *)
        [ "$method" = none ] && [ "$secret" = false ] || fail "$pair: step registration: expected a public registration, got $r"
        [ "$login" = true ] && [ "$tool" = true ] || fail "$pair: step login/tool call: $r" ;;
    esac
  fi
  if [ "$pair_failed" = 1 ]; then failures=$((failures + 1)); else passed=$((passed + 1)); fi
  local shown_method=${method:-—}; [ -z "$method" ] && [ -n "$(field "$r" failed)" ] && shown_method="— (fails at $(field "$r" failed))"
  local shown_login; shown_login=$([ "$login" = true ] && echo yes || echo no)
  [[ "$(field "$r" rejected)" == *'"iss"'* ]] && shown_login='no (the callback rejects the redirect: no `iss`)'
  table+=("| $server | $client | $route | $shown_method | $([ "$secret" = true ] && echo yes || echo no) | $shown_login | $([ "$tool" = true ] && echo yes || echo no) |")
}

run_pair() { # SERVER CLIENT ROUTE BASE_URL REG_FILE
  local skip; skip=$( (wc -l <"$5") 2>/dev/null || echo 0)
  check "$1" "$2" "$3" "$4" "$(merge "$(run_client "$2" "$4")" "$5" "$skip")"
}

for server in $servers; do
  py=${server_py[$server]}; script=$here/${server_script[$server]}
  direct_port=$(free_port); up_port=$(free_port); proxy_port=$(free_port)
  direct_reg=$cache/$server-direct.registrations; proxied_reg=$cache/$server-proxied.registrations
  rm -f "$direct_reg" "$proxied_reg"
  echo "== $server: straight on :$direct_port, behind the proxy on :$proxy_port" >&2
  # Each instance's issuer is the address its clients use.
  INTEROP_REGISTRATIONS=$direct_reg "$py" "$script" "$direct_port" "http://127.0.0.1:$direct_port" >"$cache/$server-direct.log" 2>&1 & pids+=($!)
  if [ -n "${INTEROP_WITHOUT_PROXY:-}" ]; then
    INTEROP_REGISTRATIONS=$proxied_reg "$py" "$script" "$proxy_port" "http://127.0.0.1:$proxy_port" >"$cache/$server-proxied.log" 2>&1 & pids+=($!)
  else
    INTEROP_REGISTRATIONS=$proxied_reg "$py" "$script" "$up_port" "http://127.0.0.1:$proxy_port" >"$cache/$server-proxied.log" 2>&1 & pids+=($!)
    RUST_LOG=warn "$proxy_bin" --listen "127.0.0.1:$proxy_port" --upstream "http://127.0.0.1:$up_port" & pids+=($!)
    wait_port "$up_port"
  fi
  wait_port "$direct_port"; wait_port "$proxy_port"
  if inproc "$server"; then # its own issuer; the middleware off when bypassing
    inproc_port=$(free_port); inproc_reg=$cache/$server-inprocess.registrations; rm -f "$inproc_reg"
    INTEROP_REGISTRATIONS=$inproc_reg PYTHONPATH=$asgi_site INTEROP_ASGI_MIDDLEWARE=$([ -n "${INTEROP_WITHOUT_PROXY:-}" ] || echo 1) \
      "$py" "$script" "$inproc_port" "http://127.0.0.1:$inproc_port" >"$cache/$server-inprocess.log" 2>&1 & pids+=($!)
    wait_port "$inproc_port"
  fi
  for client in $clients; do
    echo "   $client" >&2
    run_pair "$server" "$client" "through the proxy" "http://127.0.0.1:$proxy_port" "$proxied_reg"
    run_pair "$server" "$client" "straight" "http://127.0.0.1:$direct_port" "$direct_reg"
    if inproc "$server" "$client"; then
      run_pair "$server" "$client" "in-process" "http://127.0.0.1:$inproc_port" "$inproc_reg"
    fi
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
