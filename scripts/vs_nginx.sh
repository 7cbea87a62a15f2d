#!/usr/bin/env bash
# The oauth-metadata-repair binary against the nginx recipe it replaces, side
# by side in one run, driven by wrk on loopback, in front of two upstreams:
#
#   rust   the load_server example without the layer (hyper, very fast);
#   nginx  nginx serving the same documents as static files, as an operator's
#          file server or the nginx in front of an app would.
#
# nginx gets the usual recipe: proxy_pass to a keepalive upstream with
# proxy_http_version 1.1, Accept-Encoding cleared and sub_filter adding
# "none" on the discovery location; both proxies set X-Forwarded-*. The
# discovery location repeats the proxy_set_header lines: a location that
# sets one inherits none, and nginx would then close its upstream
# connection after every discovery request.
#
# For each upstream: "defaults" (both at their defaults: nginx
# worker_processes auto, the proxy's default workers, nothing pinned; what
# an operator runs), "pinned" (one worker each on core 1, wrk and the
# upstream on core 0), and the latency one connection adds (wrk -c1, p50 and
# p99, the upstream directly and through each proxy, in the same run).
#
#   bash scripts/vs_nginx.sh            # 3 rounds x 5 s per route and proxy, about 12 minutes
#   ROUNDS=5 DURATION=10 bash scripts/vs_nginx.sh
#   UPSTREAMS=nginx MODES=defaults bash scripts/vs_nginx.sh
#   OMR_BIN=path/to/another/build bash scripts/vs_nginx.sh
#
# Bounded: every wrk run lasts DURATION seconds (plus a hard timeout), all
# servers listen on 127.0.0.1 only and are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-32}
UPSTREAMS=${UPSTREAMS:-rust nginx}
MODES=${MODES:-defaults pinned}
LATENCY=${LATENCY:-1}
UP_PORT=${UP_PORT:-18090}
NGINX_PORT=${NGINX_PORT:-18091}
OMR_PORT=${OMR_PORT:-18092}
STATIC_PORT=${STATIC_PORT:-18093}

. scripts/nginx_confs.sh
nginx_tools

cargo build --release --quiet --example load_server
if [ -z "${OMR_BIN:-}" ]; then
  cargo build --release --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
  OMR_BIN=target/release/oauth-metadata-repair
fi

work=$(mktemp -d)
chmod 755 "$work" # nginx workers (not root) read the static files
stop_on_exit "$work"

proxy_cpu=(); client_cpu=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  proxy_cpu=(taskset -c 1); client_cpu=(taskset -c 0)
fi
routes=(/.well-known/oauth-authorization-server /api/items /download)

# The documents the static upstream serves: the load server's own bytes.
target/release/examples/load_server --listen "127.0.0.1:$UP_PORT" >/dev/null & pids+=($!)
wait_port "$UP_PORT"
mkdir -p "$work/static"
for r in "${routes[@]}"; do
  curl -sf "http://127.0.0.1:$UP_PORT$r" -o "$work/static/$(basename "$r")"
done

# start_all MODE UPSTREAM: the upstream (rust or nginx) and
# both proxies, "pinned" (one worker each on core 1, the upstream on core 0)
# or "defaults" (nginx auto, the proxy's own default, nothing pinned). Stops
# those of the previous call. Sets up_port.
start_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
  local up_cpu=() px_cpu=() workers=() n=auto
  if [ "$1" = pinned ]; then
    up_cpu=("${client_cpu[@]}"); px_cpu=("${proxy_cpu[@]}"); workers=(--workers 1); n=1
  fi
  up_port=$UP_PORT
  if [ "$2" = rust ]; then
    "${up_cpu[@]}" target/release/examples/load_server --listen "127.0.0.1:$UP_PORT" >/dev/null & pids+=($!)
  else
    up_port=$STATIC_PORT
    static_conf "$n"
    "${up_cpu[@]}" "$nginx_bin" -c "$work/static.conf" -e "$work/static-error.log" & pids+=($!)
  fi
  nginx_conf "$n" "$up_port"
  "${px_cpu[@]}" "$nginx_bin" -c "$work/nginx.conf" -e "$work/error.log" & pids+=($!)
  RUST_LOG=warn "${px_cpu[@]}" "$OMR_BIN" "${workers[@]}" \
    --listen "127.0.0.1:$OMR_PORT" --upstream "http://127.0.0.1:$up_port" & pids+=($!)
  wait_port "$up_port"; wait_port "$NGINX_PORT"; wait_port "$OMR_PORT"

  # Both must actually repair before their speed means anything.
  for port in "$NGINX_PORT" "$OMR_PORT"; do
    body=$(curl -sf "http://127.0.0.1:$port/.well-known/oauth-authorization-server" || true)
    grep -q '"none"' <<<"$body" || { echo "port $port did not repair: $body" >&2; exit 1; }
  done
}

# wrk's "50%  1.23ms" (or 99%) line, in microseconds.
pct_us() {
  awk -v p="$1%" '$1 == p {
    v = $2; unit = v; gsub(/[0-9.]/, "", unit); sub(/[a-z]+$/, "", v);
    if (unit == "us") f = 1; else if (unit == "ms") f = 1000; else if (unit == "s") f = 1000000; else f = 1;
    printf "%.0f", v * f }'
}

# latency PATH...: p50 and p99 at one connection, the upstream directly and
# through each proxy, alternated every round; medians, and what each proxy
# adds to the upstream's own figure.
latency() {
  echo "| route | upstream p50 | nginx p50 (added) | proxy p50 (added) | upstream p99 | nginx p99 (added) | proxy p99 (added) |"
  echo "|---|---|---|---|---|---|---|"
  local path round target out
  for path in "$@"; do
    declare -A p50=() p99=()
    for round in $(seq 1 "$ROUNDS"); do
      local order="up nginx omr"
      (( round % 2 )) || order="omr nginx up"
      for target in $order; do
        local port=$up_port
        [ "$target" = nginx ] && port=$NGINX_PORT
        [ "$target" = omr ] && port=$OMR_PORT
        out=$(timeout $((DURATION + 20)) wrk -t1 -c1 -d"${DURATION}s" --latency "http://127.0.0.1:$port$path")
        if grep -q "Non-2xx\|Socket errors" <<<"$out"; then echo "wrk reported errors:" >&2; echo "$out" >&2; exit 1; fi
        p50[$target]+=" $(pct_us 50 <<<"$out")"; p99[$target]+=" $(pct_us 99 <<<"$out")"
      done
    done
    awk -v path="$path" \
        -v u50="$(median <<<"${p50[up]}")" -v n50="$(median <<<"${p50[nginx]}")" -v o50="$(median <<<"${p50[omr]}")" \
        -v u99="$(median <<<"${p99[up]}")" -v n99="$(median <<<"${p99[nginx]}")" -v o99="$(median <<<"${p99[omr]}")" 'BEGIN {
      printf "| `%s` | %.0f µs | %.0f µs (%+.0f) | %.0f µs (%+.0f) | %.0f µs | %.0f µs (%+.0f) | %.0f µs (%+.0f) |\n",
        path, u50, n50, n50 - u50, o50, o50 - u50, u99, n99, n99 - u99, o99, o99 - u99 }'
    unset p50 p99
  done
}

for upstream in $UPSTREAMS; do
  what="the load server (hyper)"
  [ "$upstream" = nginx ] && what="nginx serving the documents as static files"
  for mode in $MODES; do
    if [ "$mode" = pinned ]; then
      echo "## upstream: $what; one worker each, pinned${proxy_cpu:+ (both proxies on core 1; wrk and the upstream on core 0)}"
      start_all pinned "$upstream"
      compare nginx "$NGINX_PORT" oauth-metadata-repair "$OMR_PORT" "${routes[@]}"
    else
      echo "## upstream: $what; both at their defaults: all workers, nothing pinned"
      pinned_client=("${client_cpu[@]}"); client_cpu=()
      start_all defaults "$upstream"
      compare nginx "$NGINX_PORT" oauth-metadata-repair "$OMR_PORT" "${routes[@]}"
      if [ "$LATENCY" = 1 ]; then
        echo
        echo "latency at one connection (wrk -t1 -c1), same run:"
        echo
        latency /.well-known/oauth-authorization-server /api/items
      fi
      client_cpu=("${pinned_client[@]}")
    fi
    echo
  done
done
echo "medians of $ROUNDS rounds x ${DURATION}s per route and proxy, wrk -t1 -c$CONNECTIONS, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $("$nginx_bin" -v 2>&1); $OMR_BIN"
