#!/usr/bin/env bash
# Two builds of the proxy side by side in one run, in front of the same
# upstream (the load_server example without the layer), driven by wrk on
# loopback: the check that a change made no route slower.
#
#   bash scripts/ab.sh OLD_BINARY NEW_BINARY       # 5 rounds x 5 s per route and build
#   ROUNDS=7 DURATION=10 bash scripts/ab.sh A B
#
# Each proxy runs one worker on core 1, wrk and the upstream share core 0;
# the order alternates every round and medians are reported. Bounded: every
# wrk run lasts DURATION seconds (plus a hard timeout), everything listens on
# 127.0.0.1 only and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
[ $# = 2 ] || { echo "usage: bash scripts/ab.sh BINARY_A BINARY_B" >&2; exit 2; }
a_bin=$1 b_bin=$2
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-32}
UP_PORT=${UP_PORT:-18190} A_PORT=${A_PORT:-18191} B_PORT=${B_PORT:-18192}
command -v wrk >/dev/null 2>&1 || {
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --example load_server

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
proxy_cpu=(); client_cpu=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  proxy_cpu=(taskset -c 1); client_cpu=(taskset -c 0)
fi
"${client_cpu[@]}" target/release/examples/load_server --listen "127.0.0.1:$UP_PORT" >/dev/null & pids+=($!)
RUST_LOG=warn "${proxy_cpu[@]}" "$a_bin" --workers 1 --listen "127.0.0.1:$A_PORT" --upstream "http://127.0.0.1:$UP_PORT" & pids+=($!)
RUST_LOG=warn "${proxy_cpu[@]}" "$b_bin" --workers 1 --listen "127.0.0.1:$B_PORT" --upstream "http://127.0.0.1:$UP_PORT" & pids+=($!)
wait_port "$UP_PORT"; wait_port "$A_PORT"; wait_port "$B_PORT"
compare A "$A_PORT" B "$B_PORT" /.well-known/oauth-authorization-server /api/items /download
echo
echo "medians of $ROUNDS rounds x ${DURATION}s per route and build, wrk -t1 -c$CONNECTIONS, load average $(cut -d' ' -f1-3 /proc/loadavg); A = $a_bin, B = $b_bin"
