#!/usr/bin/env bash
# What one request costs each proxy, measured where wall-clock noise does not
# reach: user-space instructions (valgrind's callgrind), system calls
# (strace -c) and context switches (/proc), one worker each at 32
# connections of wrk, in front of nginx serving the documents statically.
# The nginx recipe is measured beside the builds, in the same run.
#
#   bash scripts/cost.sh                        # this build and the nginx recipe
#   bash scripts/cost.sh OLD_BINARY NEW_BINARY  # two builds and the nginx recipe
#   TOP=12 bash scripts/cost.sh                 # and each one's top symbols
#
# Instructions per request are the difference between a run with load and
# one without (start-up and shutdown cancel out), divided by the requests
# served. Bounded: every wrk run lasts DURATION seconds (plus a hard
# timeout), everything listens on 127.0.0.1 only and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
DURATION=${DURATION:-3}
TOP=${TOP:-0}
UP_PORT=${UP_PORT:-18290} NGINX_PORT=${NGINX_PORT:-18291} OMR_PORT=${OMR_PORT:-18292} STATIC_PORT=${STATIC_PORT:-18293}
routes=(/.well-known/oauth-authorization-server /api/items)

. scripts/nginx_confs.sh
nginx_tools valgrind strace

cargo build --release --quiet --example load_server
bins=("$@")
if [ ${#bins[@]} = 0 ]; then
  cargo build --release --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
  bins=(target/release/oauth-metadata-repair)
fi

work=$(mktemp -d)
chmod 755 "$work" # nginx workers (not root) read the static files
stop_on_exit "$work"

# The static upstream, serving the load server's own bytes.
target/release/examples/load_server --listen "127.0.0.1:$UP_PORT" >/dev/null & pids+=($!)
wait_port "$UP_PORT"
mkdir -p "$work/static"
for r in "${routes[@]}" /download; do
  curl -sf "http://127.0.0.1:$UP_PORT$r" -o "$work/static/$(basename "$r")"
done
static_conf 1
"$nginx_bin" -c "$work/static.conf" -e "$work/static-error.log" & pids+=($!)
wait_port "$STATIC_PORT"

# start WRAPPER... : the proxy under test (one process, one worker) on its
# port, behind WRAPPER (valgrind, or nothing); sets pid and port.
start() {
  if [ "$target" = nginx ]; then
    MASTER=off nginx_conf 1 "$STATIC_PORT"
    "$@" "$nginx_bin" -c "$work/nginx.conf" -e "$work/error.log" 2>>"$work/wrap.log" & pid=$!
    port=$NGINX_PORT
  else
    RUST_LOG=warn "$@" "$target" --workers 1 --listen "127.0.0.1:$OMR_PORT" \
      --upstream "http://127.0.0.1:$STATIC_PORT" 2>>"$work/wrap.log" & pid=$!
    port=$OMR_PORT
  fi
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/api/items" && return 0
    sleep 0.1
  done
  echo "$target did not start" >&2; exit 1
}
halt() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
# load PATH: one bounded wrk run; prints the requests served.
load() {
  timeout $((DURATION + 20)) wrk -t1 -c32 -d"${DURATION}s" "http://127.0.0.1:$port$1" |
    awk '/requests in/ { print $1 }'
}
ctx() { cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { n += $2 } END { print v + 0, n + 0 }'; }

echo "| proxy | route | instructions / request | system calls / request | context switches / request (voluntary, involuntary) |"
echo "|---|---|---|---|---|"
for target in nginx "${bins[@]}"; do
  for path in "${routes[@]}"; do
    # Instructions: a run with load minus a run without.
    declare -A ir=() served=()
    for n in idle loaded; do
      start valgrind --tool=callgrind --callgrind-out-file="$work/cg.$n" --dump-instr=no
      served[$n]=1 # the warm-up request of start
      [ $n = loaded ] && served[$n]=$(( $(load "$path") + 1 ))
      halt
      ir[$n]=$(awk '/^summary:|^totals:/ { print $2; exit }' "$work/cg.$n")
    done
    instr=$(( (ir[loaded] - ir[idle]) / (served[loaded] - served[idle]) ))
    # System calls (strace attached to the running process).
    start
    strace -c -f -p "$pid" -o "$work/strace.txt" 2>/dev/null & tracer=$!
    sleep 0.5
    reqs=$(load "$path")
    kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
    calls=$(awk '$NF == "total" { print $(NF-2) }' "$work/strace.txt")
    halt
    # Context switches, with nothing attached.
    start
    read -r v0 n0 < <(ctx)
    reqs2=$(load "$path")
    read -r v1 n1 < <(ctx)
    halt
    awk -v t="$(basename "$target")" -v p="$path" -v i="$instr" -v c="$calls" -v r="$reqs" \
        -v v=$((v1 - v0)) -v n=$((n1 - n0)) -v r2="$reqs2" 'BEGIN {
      printf "| %s | `%s` | %d | %.2f | %.3f, %.3f |\n", t, p, i, c / r, v / r2, n / r2 }'
    if [ "$TOP" -gt 0 ]; then
      callgrind_annotate --inclusive=no "$work/cg.loaded" 2>/dev/null |
        awk -v top="$TOP" '/^ *[0-9,]+ +\(/ && !/PROGRAM TOTALS/ && n++ < top { print "    " $0 }' >&2
    fi
    unset ir served
  done
done
echo
echo "one worker each, wrk -t1 -c32 -d${DURATION}s, in front of nginx serving the documents statically; $("$nginx_bin" -v 2>&1); load average $(cut -d' ' -f1-3 /proc/loadavg)"
