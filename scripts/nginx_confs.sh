# The two nginx configurations the comparisons with nginx use (sourced, not
# run): nginx serving the documents as static files (an operator's file
# server, or the nginx in front of an app), and the nginx recipe the proxy
# replaces. Both write into $work; MASTER (default "on") may be set to
# "off" to run one nginx process under valgrind or strace.

# The static upstream: nginx at its defaults (keepalive_requests 1000
# included), $1 worker processes.
static_conf() {
cat >"$work/static.conf" <<EOF
worker_processes $1;
daemon off;
master_process ${MASTER:-on};
pid $work/static.pid;
error_log $work/static-error.log warn;
events { worker_connections 4096; }
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
}

# The nginx proxy: $1 worker processes, in front of port $2.
nginx_conf() {
cat >"$work/nginx.conf" <<EOF
worker_processes $1;
daemon off;
master_process ${MASTER:-on};
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
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
}
