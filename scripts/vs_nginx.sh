#!/usr/bin/env bash
# The oauth-metadata-repair binary against the nginx recipe it replaces, side
# by side in one run, both in front of the same static upstream (the
# load_server example without the layer), driven by wrk on loopback.
#
# nginx gets the usual recipe: proxy_pass to a keepalive upstream with
# proxy_http_version 1.1, Accept-Encoding cleared and sub_filter adding
# "none" on the discovery location; both proxies set X-Forwarded-*.
# Two comparisons: first one worker each on the same core (wrk and the
# upstream share the other), then both at their default settings (all
# workers, nothing pinned), since that is what an operator runs.
#
#   bash scripts/vs_nginx.sh            # 3 rounds x 5 s per route and proxy, about 4 minutes
#   ROUNDS=5 DURATION=10 bash scripts/vs_nginx.sh
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
UP_PORT=${UP_PORT:-18090}
NGINX_PORT=${NGINX_PORT:-18091}
OMR_PORT=${OMR_PORT:-18092}

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} from Debian's packages" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release --quiet --example load_server
if [ -z "${OMR_BIN:-}" ]; then
  cargo build --release --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
  OMR_BIN=target/release/oauth-metadata-repair
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

proxy_cpu=(); client_cpu=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  proxy_cpu=(taskset -c 1); client_cpu=(taskset -c 0)
fi

# nginx.conf with $1 worker processes.
nginx_conf() {
cat >"$work/nginx.conf" <<EOF
worker_processes $1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  upstream backend { server 127.0.0.1:$UP_PORT; keepalive 64; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host \$proxy_host;
  proxy_set_header X-Forwarded-For \$remote_addr;
  proxy_set_header X-Forwarded-Host \$http_host;
  proxy_set_header X-Forwarded-Proto \$scheme;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { proxy_pass http://backend; }
    location = /.well-known/oauth-authorization-server {
      proxy_pass http://backend;
      proxy_set_header Accept-Encoding "";
      sub_filter_types application/json;
      sub_filter '"client_secret_basic"]' '"client_secret_basic", "none"]';
    }
  }
}
EOF
}

# Starts the upstream and both proxies: "pinned" (one worker each on core 1,
# the upstream on core 0) or "defaults" (nginx auto, the proxy's own
# default, nothing pinned). Stops those of the previous call.
started=()
start_all() {
  for p in "${started[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  started=()
  local up_cpu=() px_cpu=() workers=()
  if [ "$1" = pinned ]; then
    up_cpu=("${client_cpu[@]}"); px_cpu=("${proxy_cpu[@]}"); workers=(--workers 1); nginx_conf 1
  else
    nginx_conf auto
  fi
  "${up_cpu[@]}" target/release/examples/load_server --listen "127.0.0.1:$UP_PORT" >/dev/null & started+=($!)
  "${px_cpu[@]}" "$nginx_bin" -c "$work/nginx.conf" -e "$work/error.log" & started+=($!)
  RUST_LOG=warn "${px_cpu[@]}" "$OMR_BIN" "${workers[@]}" \
    --listen "127.0.0.1:$OMR_PORT" --upstream "http://127.0.0.1:$UP_PORT" & started+=($!)
  pids=("${started[@]}")
  wait_port "$UP_PORT"; wait_port "$NGINX_PORT"; wait_port "$OMR_PORT"

  # Both must actually repair before their speed means anything.
  for port in "$NGINX_PORT" "$OMR_PORT"; do
    body=$(curl -sf "http://127.0.0.1:$port/.well-known/oauth-authorization-server" 2>/dev/null \
      || python3 -c "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).read().decode())" \
           "http://127.0.0.1:$port/.well-known/oauth-authorization-server")
    grep -q '"none"' <<<"$body" || { echo "port $port did not repair: $body" >&2; exit 1; }
  done
}

routes=(/.well-known/oauth-authorization-server /api/items /download)
echo "## one worker each, pinned${proxy_cpu:+ (both proxies on core 1; wrk and the upstream on core 0)}"
start_all pinned
compare nginx "$NGINX_PORT" oauth-metadata-repair "$OMR_PORT" "${routes[@]}"
echo
echo "## both at their defaults: all workers, nothing pinned"
pinned_client=("${client_cpu[@]}"); client_cpu=()
start_all defaults
compare nginx "$NGINX_PORT" oauth-metadata-repair "$OMR_PORT" "${routes[@]}"
client_cpu=("${pinned_client[@]}")
echo
echo "medians of $ROUNDS rounds x ${DURATION}s per route and proxy, wrk -t1 -c$CONNECTIONS, $(nproc) cores; $("$nginx_bin" -v 2>&1); $OMR_BIN"
