# Helpers shared by the load scripts and the interop scripts (sourced, not run).

# The processes a script starts in the background: stop_on_exit [DIR...]
# starts an empty list, pids, that each `... & pids+=($!)` adds to, and has
# cleanup, which stops them all and removes the DIRs, run on exit and on
# Ctrl-C.
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "${cleanup_dirs+x}" ] || rm -rf "${cleanup_dirs[@]}"
}
stop_on_exit() {
  pids=()
  cleanup_dirs=("$@")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

# A port free on 127.0.0.1 right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Waits up to 30 s for something to listen on 127.0.0.1:PORT.
wait_port() {
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1 after 30 s" >&2; exit 1
}

# wrk's "99%  1.23ms" line, in microseconds.
p99_us() {
  awk '$1 == "99%" {
    v = $2; unit = v; gsub(/[0-9.]/, "", unit); sub(/[a-z]+$/, "", v);
    if (unit == "us") f = 1; else if (unit == "ms") f = 1000; else if (unit == "s") f = 1000000; else f = 1;
    printf "%.0f", v * f }'
}
rps() { awk '$1 == "Requests/sec:" { printf "%.0f", $2 }'; }

# One bounded wrk run on 127.0.0.1:PORT/PATH -> "rps p99us". Uses DURATION,
# CONNECTIONS and the client_cpu array (taskset prefix, may be empty).
run() {
  local out
  out=$(timeout $((DURATION + 20)) "${client_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$1$2")
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then echo "wrk reported errors:" >&2; echo "$out" >&2; exit 1; fi
  echo "$(rps <<<"$out") $(p99_us <<<"$out")"
}

# The median of whitespace-separated numbers on stdin.
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# compare A_NAME A_PORT B_NAME B_PORT PATH...: a Markdown table of median
# requests/s and p99 over ROUNDS rounds per path, B relative to A. The order
# alternates so neither side always runs on a warmer machine; medians keep
# one disturbed round from moving the result. A wrk error stops the script.
compare() {
  local an=$1 ap=$2 bn=$3 bp=$4 path round side res r p
  shift 4
  echo "| route | $an req/s | $bn req/s | ratio | $an p99 | $bn p99 | p99 ratio |"
  echo "|---|---|---|---|---|---|---|"
  for path in "$@"; do
    local a_rps="" b_rps="" a_p99="" b_p99=""
    for round in $(seq 1 "$ROUNDS"); do
      for side in $( (( round % 2 )) && echo "a b" || echo "b a"); do
        if [ "$side" = a ]; then
          res=$(run "$ap" "$path"); read -r r p <<<"$res"; a_rps+=" $r"; a_p99+=" $p"
        else
          res=$(run "$bp" "$path"); read -r r p <<<"$res"; b_rps+=" $r"; b_p99+=" $p"
        fi
      done
    done
    awk -v path="$path" -v ar="$(median <<<"$a_rps")" -v br="$(median <<<"$b_rps")" \
        -v ap="$(median <<<"$a_p99")" -v bp="$(median <<<"$b_p99")" 'BEGIN {
      printf "| `%s` | %.0f | %.0f | %.3f | %.0f µs | %.0f µs | %.2f |\n", path, ar, br, br/ar, ap, bp, bp/ap }'
  done
}

# The pinned release tools (maturin with zig, twine, uv) in one venv under
# target/, installed once, put first on PATH; shared by the two PyPI builds.
pkg_tools() {
  tools=target/pkg-tools # the venv, for callers that run its pip
  if [ ! -f "$tools/.installed" ]; then
    rm -rf "$tools"; python3 -m venv "$tools"
    timeout 600 "$tools/bin/pip" install --quiet --disable-pip-version-check \
      "maturin[zig]==1.16.0" "twine==7.0.0" "uv==0.13.8"
    touch "$tools/.installed"
  fi
  export PATH="$PWD/$tools/bin:$PATH"
}

# Seconds between two `now` readings, to one decimal.
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }
