#!/usr/bin/env bash
# The ASGI middleware's test suites (asgi/tests/), as CI runs them:
#
#   bash scripts/asgi_test.sh            # every suite
#   bash scripts/asgi_test.sh -k direct  # pytest arguments pass through
#
# 1. the extension, built by maturin (pinned, in target/pkg-tools, shared
#    with scripts/wheel.sh) as a dev-profile wheel;
# 2. a test venv (target/asgi-venv: pytest, uvicorn with h11 and httptools,
#    hypercorn, pinned) with that wheel; the same wheel unpacked into
#    target/asgi-site for the MCP servers' venvs (PYTHONPATH);
# 3. the proxy binary, for the differential test; the MCP servers' venvs
#    (tests/interop/install.sh, the interop matrix's pins);
# 4. pytest: direct ASGI calls, real servers against the proxy, real MCP apps.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/interop/versions.sh
. tests/interop/install.sh
tools=target/pkg-tools
if [ ! -f "$tools/.installed" ]; then
  rm -rf "$tools"; python3 -m venv "$tools"
  timeout 600 "$tools/bin/pip" install --quiet --disable-pip-version-check \
    "maturin[zig]==1.16.0" "twine==7.0.0" "uv==0.13.8"
  touch "$tools/.installed"
fi
pins="pytest==9.2.0 uvicorn==0.55.0 httptools==0.9.0 hypercorn==0.18.0"
venv_dir=target/asgi-venv
if [ "$(cat "$venv_dir/.installed" 2>/dev/null)" != "$pins" ]; then
  rm -rf "$venv_dir"; python3 -m venv "$venv_dir"
  # shellcheck disable=SC2086
  timeout 600 "$venv_dir/bin/pip" install --quiet --disable-pip-version-check $pins
  echo "$pins" >"$venv_dir/.installed"
fi

dev=target/asgi-dev; rm -rf "$dev"
(cd asgi && "../$tools/bin/maturin" build --quiet --profile dev --locked -i python3 -o "../$dev") 2>&1 | grep -v '^\s*$' | tail -n 2
"$venv_dir/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$dev"/*.whl
rm -rf target/asgi-site
"$venv_dir/bin/pip" install --quiet --disable-pip-version-check --no-deps --target target/asgi-site "$dev"/*.whl

cargo build --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
for pair in "mcp-$MCP_1 mcp==$MCP_1" "mcp-$MCP_2 mcp==$MCP_2" "fastmcp-$FASTMCP_3 fastmcp==$FASTMCP_3" "fastmcp-$FASTMCP_4 fastmcp==$FASTMCP_4"; do
  # shellcheck disable=SC2086
  venv $pair >/dev/null
done

export OMR_PROXY_BIN="$PWD/target/debug/oauth-metadata-repair" OMR_ASGI_SITE="$PWD/target/asgi-site"
cd asgi
exec timeout 900 "../$venv_dir/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
