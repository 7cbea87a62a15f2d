#!/usr/bin/env bash
# The container image from the Containerfile, with buildah (Debian's package;
# installed here if missing), no container engine and no registry:
#
#   bash scripts/static.sh && bash scripts/image.sh
#
# Builds FROM scratch with the static binary in target/static/, checks the
# image's user, entrypoint and size, then runs the binary inside the image's
# root file system with `buildah run` (chroot isolation, no engine needed).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/static/oauth-metadata-repair ] || { echo "run scripts/static.sh first" >&2; exit 1; }
if ! command -v buildah >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing buildah from Debian's packages" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq buildah) >/dev/null 2>&1 || true
  fi
  command -v buildah >/dev/null || { echo "skip buildah could not be installed here: no image built"; exit 0; }
fi
# vfs storage and chroot isolation need no kernel overlay or user namespaces;
# the store lives under target/ so nothing outside the repository changes.
store=$PWD/target/image-store
b() { buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs "$@"; }
tag=localhost/oauth-metadata-repair:ci
b bud --quiet --isolation chroot -f Containerfile -t "$tag" target/static >/dev/null
user=$(b inspect --type image --format '{{.OCIv1.Config.User}}' "$tag")
entry=$(b inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' "$tag")
[ "$user" = "65532:65532" ] || { echo "FAIL: the image runs as '$user'" >&2; exit 1; }
[ "$entry" = '[/oauth-metadata-repair]' ] || { echo "FAIL: entrypoint $entry" >&2; exit 1; }
size=$(b images --format '{{.Size}}' "$tag" | head -1)
echo "ok   image $tag built FROM scratch: $size, user $user, entrypoint $entry"
ctr=$(b from --quiet "$tag")
trap 'b rm "$ctr" >/dev/null 2>&1 || true' EXIT
version=$(b run --isolation chroot "$ctr" -- /oauth-metadata-repair --version)
echo "ok   the image's binary runs inside its own root: $version"

# The image serving: its proxy (configured by OMR_* variables only, as a
# container is) in front of a loopback upstream that has the bug.
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; b rm "$ctr" >/dev/null 2>&1 || true' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up=$(port); listen=$(port)
# The document the MCP Python SDK serves: no "none".
python3 - "$up" >/dev/null 2>&1 <<'PY' & pids+=($!)
import http.server, sys
DOC = b'{"issuer":"http://127.0.0.1/","token_endpoint":"http://127.0.0.1/token","token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"]}'
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(DOC)))
        self.end_headers()
        self.wfile.write(DOC)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
timeout 60 buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs run --isolation chroot \
  --env OMR_LISTEN="127.0.0.1:$listen" --env OMR_UPSTREAM="http://localhost:$up" "$ctr" \
  -- /oauth-metadata-repair >/dev/null 2>&1 & pids+=($!)
. scripts/lib.sh; wait_port "$up"; wait_port "$listen"
got=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
  "http://127.0.0.1:$listen/.well-known/oauth-authorization-server")
grep -q '"none"' <<<"$got" || { echo "FAIL: the image's proxy did not repair the document: $got" >&2; exit 1; }
echo "ok   the image's proxy, set up by OMR_* variables alone, serves the repaired document"
