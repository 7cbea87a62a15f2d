#!/usr/bin/env bash
# The real output the manual shows, produced by running it, never pasted:
#
#   docs/src/generated/demo.txt          cargo run --example demo (also the
#                                        README's block between its markers)
#   docs/src/generated/help.txt          oauth-metadata-repair --help
#   docs/src/generated/help-check.txt    oauth-metadata-repair check --help
#   docs/src/generated/check-*.txt/json  check --register --login against a
#                                        real mcp 1.27.1 server, straight and
#                                        through the proxy, with
#                                        tests/interop/browser.py as the
#                                        person at the browser
#   docs/src/generated/proxy-log.txt     what that proxy logged meanwhile
#   docs/src/generated/matrix.md         the table tests/interop/run.sh
#                                        prints, taken from its saved output
#                                        target/interop/matrix.out (.ci/run
#                                        saves it) when that file exists
#   docs/src/generated/conformance.md    the table tests/interop/conformance.sh
#                                        writes to target/conformance/table.md
#                                        (.ci/run runs it), when that file
#                                        exists
#
#   bash scripts/docs_output.sh          # rewrite them (and the README block)
#   bash scripts/docs_output.sh --check  # fail if a fresh run differs
#
# What varies from run to run is written the same way every time: the demo's
# ephemeral ports as PORT; the proxy's log without timestamps; the check servers run on free 4-digit ports written
# as 8000 (the server) and 8080 (the proxy), so byte offsets and sizes are
# those of a server on :8000; --login's callback, on an ephemeral (5-digit)
# port, as 50000; the throwaway client ids as a fixed UUID; the conformance
# table's test servers' ports as PORT.
# Uses the mcp 1.27.1 venv of tests/interop (target/interop/venv-mcp-1.27.1,
# made here when missing); loopback only; every wait is bounded; every
# process started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh # wait_port, stop_on_exit
mode=write
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  *) echo "usage: bash scripts/docs_output.sh [--check]" >&2; exit 2 ;;
esac
gen=docs/src/generated
out=$(mktemp -d)
stop_on_exit "$out"

# As `cargo test` selects packages (the default members), so CI reuses its build.
cargo build --quiet --example demo
cargo build --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
bin=target/debug/oauth-metadata-repair
# No OMR_* variable of the caller's may show up in --help or change a run.
unset "${!OMR_@}"

# The demo.
timeout 60 target/debug/examples/demo | sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g' >"$out/demo.txt"

# --help, as clap prints it off a terminal.
"$bin" --help >"$out/help.txt"
"$bin" check --help >"$out/help-check.txt"

# check against a real mcp 1.27.1 server, straight and through the proxy.
venv=target/interop/venv-mcp-1.27.1
if [ ! -f "$venv/.installed" ]; then
  echo "== installing mcp==1.27.1 into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check "mcp==1.27.1" >&2
  touch "$venv/.installed"
fi
ports=$(python3 - <<'EOF'
import random, socket
found = []
for port in random.sample(range(1024, 10000), 8976):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    found.append(port)
    if len(found) == 3:
        break
print(*found)
EOF
)
read -r server_port proxy_port upstream_port <<<"$ports"
server=tests/interop/sdk_server.py
"$venv/bin/python" "$server" "$server_port" "http://127.0.0.1:$server_port" >"$out/server.log" 2>&1 & pids+=($!)
"$venv/bin/python" "$server" "$upstream_port" "http://127.0.0.1:$proxy_port" >"$out/upstream.log" 2>&1 & pids+=($!)
wait_port "$upstream_port"
env -u RUST_LOG "$bin" --listen "127.0.0.1:$proxy_port" --upstream "http://127.0.0.1:$upstream_port" --workers 2 >"$out/proxy.log" 2>&1 & pids+=($!)
wait_port "$server_port"; wait_port "$proxy_port"

normalise() {
  sed -E -e "s/127\.0\.0\.1:$server_port\b/127.0.0.1:8000/g" \
    -e "s/127\.0\.0\.1:$proxy_port\b/127.0.0.1:8080/g" \
    -e "s/127\.0\.0\.1:$upstream_port\b/127.0.0.1:8000/g" \
    -e 's#127\.0\.0\.1:[0-9]{5}/callback#127.0.0.1:50000/callback#g' \
    -e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/00000000-0000-4000-8000-000000000000/g'
}
run_check() { # NAME EXPECTED_STATUS ARGS...
  local name=$1 want=$2 status=0
  shift 2
  timeout 120 "$bin" check --color never "$@" >"$out/$name.raw" || status=$?
  if [ "$status" != "$want" ]; then
    cat "$out/$name.raw" >&2
    echo "FAIL: check $* exited $status, expected $want" >&2
    exit 1
  fi
  normalise <"$out/$name.raw" >"$out/$name"
}
# tests/interop/browser.py plays the person at the browser: it opens the
# authorization URL, which the test server approves at once, and follows the
# redirect to check's loopback callback.
login=(--register --login --browser "python3 tests/interop/browser.py")
run_check check-straight.txt 1 "${login[@]}" "http://127.0.0.1:$server_port/mcp"
run_check check-proxied.txt 0 "${login[@]}" "http://127.0.0.1:$proxy_port/mcp"
run_check check-straight.json 1 --json "${login[@]}" "http://127.0.0.1:$server_port/mcp"
# What the proxy logged while check read the server through it: its startup
# line, one line per discovery document it answered, and its iss repair
# (the issuer learned, the iss added to the authorization redirect).
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
# The timestamps are dropped, and the two figures that follow the machine's
# open-file limit are written as N.
grep -E 'started|repaired|left alone|iss' "$out/proxy.log" | sed -E -e 's/\x1b\[[0-9;]*m//g' -e 's/^[0-9T:.-]+Z +//' \
  -e 's/max_connections=[0-9]+ open_files=[0-9]+/max_connections=N open_files=N/' | normalise >"$out/proxy-log.txt"

# The interop matrix, from the saved output of tests/interop/run.sh.
matrix_out=target/interop/matrix.out
if [ -f "$matrix_out" ]; then
  # The table run.sh prints last: from its header to the blank line after it.
  awk '/^\| server \| client \| route \|/ { on = 1 } on && /^$/ { on = 0 } on { print }' "$matrix_out" >"$out/matrix.md"
  if [ "$(wc -l <"$out/matrix.md")" -lt 3 ]; then echo "FAIL: no matrix in $matrix_out" >&2; exit 1; fi
else
  echo "note: $matrix_out is absent (bash tests/interop/run.sh | tee $matrix_out makes it): $gen/matrix.md left as it is" >&2
  cp "$gen/matrix.md" "$out/matrix.md"
fi

# The conformance table, from the saved output of tests/interop/conformance.sh.
conformance_out=target/conformance/table.md
if [ -f "$conformance_out" ]; then
  sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g' "$conformance_out" >"$out/conformance.md"
  if ! grep -q '^| test server switch |' "$out/conformance.md"; then echo "FAIL: no table in $conformance_out" >&2; exit 1; fi
else
  echo "note: $conformance_out is absent (bash tests/interop/conformance.sh makes it): $gen/conformance.md left as it is" >&2
  cp "$gen/conformance.md" "$out/conformance.md"
fi

# The README's copy of the demo, between its markers.
python3 - "$out/demo.txt" "$out/README.md" <<'EOF'
import sys
demo, target = sys.argv[1:3]
text = open("README.md").read()
start = text.index("<!-- generated: demo.txt")
start = text.index("\n", start) + 1
end = text.index("<!-- end generated -->", start)
block = "```console\n$ cargo run --example demo\n" + open(demo).read() + "```\n"
open(target, "w").write(text[:start] + block + text[end:])
EOF

files="demo.txt help.txt help-check.txt check-straight.txt check-proxied.txt check-straight.json proxy-log.txt matrix.md conformance.md"
if [ "$mode" = write ]; then
  mkdir -p "$gen"
  for f in $files; do cp "$out/$f" "$gen/$f"; done
  cp "$out/README.md" README.md
  echo "wrote $gen/ ($files) and the README's demo block"
else
  differ=0
  for f in $files; do
    if ! diff -u "$gen/$f" "$out/$f" >&2; then differ=1; fi
  done
  if ! diff -u README.md "$out/README.md" >&2; then differ=1; fi
  if [ "$differ" = 1 ]; then
    echo "FAIL: the output shown in the manual differs from a fresh run (above); bash scripts/docs_output.sh rewrites it" >&2
    exit 1
  fi
  echo "ok   the manual's real output ($files, the README's demo) matches a fresh run"
fi
