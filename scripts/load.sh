#!/usr/bin/env bash
# Load comparison on loopback: the same hyper server binary with and without
# the layer, driven by wrk, for a passthrough route and the discovery route.
# Prints requests/s, p99 latency and their ratios as a Markdown table.
#
#   bash scripts/load.sh            # 3 rounds x 5 s per route and variant
#   ROUNDS=5 DURATION=10 bash scripts/load.sh
#
# Bounded: every wrk run lasts DURATION seconds (plus a hard timeout), the
# servers listen on 127.0.0.1 only and are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-64}
BARE_PORT=${BARE_PORT:-18081}
LAYER_PORT=${LAYER_PORT:-18082}

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from Debian's packages" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi

cargo build --release --quiet --example load_server
bin=target/release/examples/load_server

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# With two or more cores, wrk gets core 0 and the servers core 1, so the
# load generator and the server under test do not steal each other's time.
server_cpu=(); client_cpu=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  server_cpu=(taskset -c 1); client_cpu=(taskset -c 0)
fi

"${server_cpu[@]}" "$bin" --listen "127.0.0.1:$BARE_PORT" >/dev/null & pids+=($!)
"${server_cpu[@]}" "$bin" --listen "127.0.0.1:$LAYER_PORT" --layer >/dev/null & pids+=($!)

wait_port "$BARE_PORT"; wait_port "$LAYER_PORT"


compare bare "$BARE_PORT" layered "$LAYER_PORT" /api/items /download /.well-known/oauth-authorization-server
echo
echo "medians of $ROUNDS rounds x ${DURATION}s per route and variant, wrk -t1 -c$CONNECTIONS, $(nproc) cores${client_cpu:+ (wrk and servers pinned to separate cores)}"
