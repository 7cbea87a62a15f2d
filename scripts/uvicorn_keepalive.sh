#!/usr/bin/env bash
# The proxy in front of a real uvicorn whose keep-alive is short
# (--timeout-keep-alive 1), with requests spaced at that interval so the
# proxy's kept upstream connections are reused just as uvicorn closes them.
# Asserts 0 errors in 1,000 requests, twice: with the proxy's defaults, and
# with --upstream-idle-timeout 60 (so only the retry of idempotent requests
# stands between a closed connection and a 502).
#
#   bash scripts/uvicorn_keepalive.sh      # about 2 minutes (the installs cached)
#
# uvicorn comes from PyPI into target/edge/venv; everything listens on
# 127.0.0.1 and is stopped on exit. OMR_BIN picks another proxy binary.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

UP_PORT=${UP_PORT:-18093}
OMR_PORT=${OMR_PORT:-18094}
UVICORN=${UVICORN:-uvicorn==0.54.0}
venv=target/edge/venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import uvicorn" 2>/dev/null; then
  python3 -m venv "$venv"
  timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check "$UVICORN"
fi
if [ -z "${OMR_BIN:-}" ]; then
  cargo build --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
  OMR_BIN=target/debug/oauth-metadata-repair
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$venv/bin/python" -m uvicorn keepalive:app --app-dir scripts --host 127.0.0.1 --port "$UP_PORT" \
  --timeout-keep-alive 1 --no-access-log --log-level warning & pids+=($!)
wait_port "$UP_PORT"

status=0
phase() { # NAME FLAGS...
  local name=$1 pid; shift
  RUST_LOG=error "$OMR_BIN" --listen "127.0.0.1:$OMR_PORT" --upstream "http://127.0.0.1:$UP_PORT" "$@" & pid=$!
  pids+=($pid)
  wait_port "$OMR_PORT"
  echo "-- $name"
  timeout 600 "$venv/bin/python" scripts/keepalive.py "$OMR_PORT" || status=1
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
phase "proxy defaults, uvicorn --timeout-keep-alive 1"
[ -n "${DEFAULTS_ONLY:-}" ] || phase "--upstream-idle-timeout 60 (only the retry helps)" --upstream-idle-timeout 60
if [ "$status" -eq 0 ]; then echo "uvicorn keep-alive: 1 passed, 0 failed"; else echo "FAIL: errors through the proxy with a closing uvicorn upstream" >&2; fi
exit "$status"
