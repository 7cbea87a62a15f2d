#!/usr/bin/env bash
# Soak test: the oauth-metadata-repair binary in front of a small upstream (the load_server
# example, without the layer), 200k mixed requests over 64 connections on
# loopback, bounded in count (SOAK_REQUESTS) and time (SOAK_SECONDS).
# Reports errors (must be 0) and the proxy's RSS at start, middle and end
# (must stay within 10% of the start).
#
#   bash scripts/soak.sh
#   OMR_BIN=path/to/another/build bash scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export SOAK_REQUESTS=${SOAK_REQUESTS:-200000}
SOAK_SECONDS=${SOAK_SECONDS:-300}
UP_PORT=${UP_PORT:-18091}
PROXY_PORT=${PROXY_PORT:-18090}

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from Debian's packages" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet -p oauth-metadata-repair-cli -p oauth-metadata-repair --bin oauth-metadata-repair --example load_server
OMR_BIN=${OMR_BIN:-target/release/oauth-metadata-repair}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

target/release/examples/load_server --listen "127.0.0.1:$UP_PORT" >/dev/null & pids+=($!)
RUST_LOG=warn "$OMR_BIN" --listen "127.0.0.1:$PROXY_PORT" --upstream "http://127.0.0.1:$UP_PORT" >/dev/null &
proxy_pid=$!; pids+=($proxy_pid)

for port in "$UP_PORT" "$PROXY_PORT"; do
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$proxy_pid/status"; }

# Warm up with the same load (64 connections, their buffers, the upstream
# pool, allocator arenas); the start sample is taken after it. Then sample
# RSS every second while the soak runs.
SOAK_REQUESTS=${SOAK_WARMUP:-20000} timeout 120 wrk -t1 -c64 -d60s -s scripts/soak.lua "http://127.0.0.1:$PROXY_PORT" >/dev/null
samples=$(mktemp)
rss_kb > "$samples"
( while kill -0 "$proxy_pid" 2>/dev/null; do sleep 0.2; rss_kb >> "$samples"; done ) & pids+=($!)
started=$(date +%s)

out=$(timeout $((SOAK_SECONDS + 30)) wrk -t1 -c64 -d"${SOAK_SECONDS}s" --latency -s scripts/soak.lua "http://127.0.0.1:$PROXY_PORT")
rss_kb >> "$samples"
elapsed=$(( $(date +%s) - started ))
echo "$out" | grep -E "SOAK"

line=$(grep '^SOAK' <<<"$out")
responses=$(sed -E 's/.*responses=([0-9]+).*/\1/' <<<"$line")
errors=$(sed -E 's/.*errors=([0-9]+) .*/\1/' <<<"$line")
# RSS moves with the data in flight (64 connections, 64 KiB downloads), so
# each point is the mean of a fifth of the samples: the first, the middle and
# the last fifth of the run.
read -r start middle end peak < <(awk '{ v[NR] = $1 } END {
  w = int(NR / 5); if (w < 1) w = 1
  for (i = 1; i <= w; i++) { s += v[i]; e += v[NR - w + i]; m += v[int((NR - w) / 2) + i] }
  for (i = 1; i <= NR; i++) if (v[i] > p) p = v[i]
  printf "%.0f %.0f %.0f %d\n", s / w, m / w, e / w, p }' "$samples")
echo "$responses responses in ${elapsed}s (about $(( responses / (elapsed > 0 ? elapsed : 1) )) requests/s through the proxy)"
echo "proxy RSS (means of the first, middle and last fifth of $(wc -l < "$samples") samples): start ${start} kB, middle ${middle} kB, end ${end} kB; highest sample ${peak} kB"
awk -v s="$start" -v m="$middle" -v e="$end" 'BEGIN { printf "RSS drift: middle %+.1f%%, end %+.1f%%\n", (m-s)*100/s, (e-s)*100/s }'

status=0
[ "$responses" -ge "$SOAK_REQUESTS" ] || { echo "FAIL: only $responses of $SOAK_REQUESTS responses within ${SOAK_SECONDS}s" >&2; status=1; }
[ "$errors" -eq 0 ] || { echo "FAIL: $errors errors" >&2; status=1; }
awk -v s="$start" -v m="$middle" -v e="$end" 'BEGIN { exit !(m <= s * 1.10 && e <= s * 1.10) }' \
  || { echo "FAIL: RSS grew more than 10%" >&2; status=1; }
[ "$status" -eq 0 ] && echo "soak: 1 passed, 0 failed"
exit "$status"
