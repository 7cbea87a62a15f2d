#!/usr/bin/env bash
# The ASGI middleware's overhead, side by side under uvicorn: a real mcp
# 1.27.1 app (tests/interop/sdk_server.py) bare and wrapped by the
# middleware (release build, INTEROP_ASGI_MIDDLEWARE=1), driven by wrk for
# the discovery document (repaired) and another JSON route (passthrough).
# Prints requests/s, p99 and their ratios as a Markdown table, then the CPU
# time the middleware adds per request (scripts/asgi_cost.py, in-process).
#
#   bash scripts/asgi_load.sh                 # 3 rounds x 5 s per route and variant
#   ROUNDS=5 DURATION=10 bash scripts/asgi_load.sh
#
# Bounded: every wrk run lasts DURATION seconds (plus a hard timeout), the
# servers listen on 127.0.0.1 only and are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. tests/interop/versions.sh
. tests/interop/install.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from Debian's packages" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi
py=$(venv "mcp-$MCP_1" "mcp==$MCP_1")
site=$(ASGI_PROFILE=release bash scripts/asgi_build.sh)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# With two or more cores, wrk gets core 0 and the servers core 1.
server_cpu=(); client_cpu=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  server_cpu=(taskset -c 1); client_cpu=(taskset -c 0)
fi
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
bare=$(free_port); wrapped=$(free_port)
export INTEROP_REGISTRATIONS=/dev/null PYTHONPATH=$site
INTEROP_ASGI_MIDDLEWARE='' "${server_cpu[@]}" "$py" tests/interop/sdk_server.py "$bare" "http://127.0.0.1:$bare" >/dev/null 2>&1 & pids+=($!)
INTEROP_ASGI_MIDDLEWARE=1 "${server_cpu[@]}" "$py" tests/interop/sdk_server.py "$wrapped" "http://127.0.0.1:$wrapped" >/dev/null 2>&1 & pids+=($!)
wait_port "$bare"; wait_port "$wrapped"
grep -q '"none"' <(curl -s "http://127.0.0.1:$wrapped/.well-known/oauth-authorization-server") \
  || { echo "FAIL: the wrapped app's document lists no \"none\"" >&2; exit 1; }

compare bare "$bare" middleware "$wrapped" /.well-known/oauth-authorization-server /.well-known/oauth-protected-resource/mcp
echo
echo "medians of $ROUNDS rounds x ${DURATION}s per route and variant, wrk -t1 -c$CONNECTIONS, uvicorn $("$py" -c 'import uvicorn; print(uvicorn.__version__)') (one worker), mcp $MCP_1, $(nproc) cores${client_cpu:+ (wrk and servers pinned to separate cores)}"

# The server's own CPU time per request under the same load: what a busy
# single worker pays, and far less moved by other load on the machine than
# requests/s. /proc/PID/stat fields 14 and 15 (utime, stime), in ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
cpu_per_request() { # PID PORT PATH -> microseconds of server CPU per request
  local before after out n
  before=$(cpu_ticks "$1")
  out=$(timeout $((DURATION + 20)) "${client_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$2$3")
  after=$(cpu_ticks "$1")
  n=$(awk '/requests in/ { print $1 }' <<<"$out")
  awk -v t=$((after - before)) -v hz="$hz" -v n="$n" 'BEGIN { printf "%.0f", t / hz / n * 1e6 }'
}
echo
echo "| route | bare server CPU µs/request | middleware server CPU µs/request | ratio |"
echo "|---|---|---|---|"
for path in /.well-known/oauth-authorization-server /.well-known/oauth-protected-resource/mcp; do
  a=$(cpu_per_request "${pids[0]}" "$bare" "$path"); b=$(cpu_per_request "${pids[1]}" "$wrapped" "$path")
  awk -v p="$path" -v a="$a" -v b="$b" 'BEGIN { printf "| `%s` | %d | %d | %.3f |\n", p, a, b, a / b }'
done
echo
echo "one wrk run of ${DURATION}s per route and variant; the ratio is bare/middleware, the requests/s a saturated worker keeps"

# The CPU the middleware adds per request, in-process (robust to other load).
echo
"$py" scripts/asgi_cost.py 20000
