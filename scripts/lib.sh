# Helpers shared by the load scripts (sourced, not run).

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
