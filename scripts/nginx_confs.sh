# The two nginx configurations the comparisons with nginx use (sourced, not
# run): nginx serving the documents as static files (an operator's file
# server, or the nginx in front of an app), and the nginx recipe the proxy
# replaces. Both write into $work; MASTER (default "on") may be set to
# "off" to run one nginx process under valgrind or strace.

# nginx_tools [PACKAGE...]: wrk, nginx and the packages named, from Debian's
# packages where missing; sets nginx_bin.
nginx_tools() {
  local need=() t
  for t in wrk "$@"; do command -v "$t" >/dev/null 2>&1 || need+=("$t"); done
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} from Debian's packages" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
}

# conf_head NAME WORKERS: the lines both configurations open with.
conf_head() {
cat <<EOF
worker_processes $2;
daemon off;
master_process ${MASTER:-on};
pid $work/$1.pid;
error_log $work/$1-error.log warn;
events { worker_connections 4096; }
EOF
}

# The static upstream: nginx at its defaults (keepalive_requests 1000
# included), $1 worker processes.
static_conf() {
{ conf_head static "$1"; cat <<EOF
http {
  access_log off;
  client_body_temp_path $work/static-body;
  server {
    listen 127.0.0.1:$STATIC_PORT;
    location = /.well-known/oauth-authorization-server {
      default_type application/json; alias $work/static/oauth-authorization-server; }
    location = /api/items { default_type application/json; alias $work/static/items; }
    location = /download { default_type application/octet-stream; alias $work/static/download; }
  }
}
EOF
} >"$work/static.conf"
}

# The nginx proxy: $1 worker processes, in front of port $2.
nginx_conf() {
{ conf_head nginx "$1"; cat <<EOF
http {
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  upstream backend { server 127.0.0.1:$2; keepalive 64; }
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
      proxy_set_header Connection "";
      proxy_set_header Host \$proxy_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Host \$http_host;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header Accept-Encoding "";
      sub_filter_types application/json;
      sub_filter '"client_secret_basic"]' '"client_secret_basic", "none"]';
    }
  }
}
EOF
} >"$work/nginx.conf"
}
