#!/usr/bin/env bash
# The ASGI middleware's test suites (asgi/tests/), as CI runs them:
#
#   bash scripts/asgi_test.sh            # every suite
#   bash scripts/asgi_test.sh -k direct  # pytest arguments pass through
#
# 1. the extension, built by scripts/asgi_build.sh as a dev-profile wheel
#    and unpacked into target/asgi-site for the MCP servers' venvs;
# 2. a test venv (target/asgi-venv: pytest, uvicorn with h11 and httptools,
#    hypercorn, pinned) with that wheel;
# 3. the proxy binary, for the differential test; the MCP servers' venvs
#    (tests/interop/install.sh, the interop matrix's pins);
# 4. pytest: direct ASGI calls, real servers against the proxy, real MCP apps.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/interop/versions.sh
. tests/interop/install.sh
pins="pytest==9.2.0 uvicorn==0.55.0 httptools==0.9.0 hypercorn==0.18.0"
venv_dir=target/asgi-venv
if [ "$(cat "$venv_dir/.installed" 2>/dev/null)" != "$pins" ]; then
  rm -rf "$venv_dir"; python3 -m venv "$venv_dir"
  # shellcheck disable=SC2086
  timeout 600 "$venv_dir/bin/pip" install --quiet --disable-pip-version-check $pins
  echo "$pins" >"$venv_dir/.installed"
fi

site=$(bash scripts/asgi_build.sh)
"$venv_dir/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall target/asgi-dev/*.whl

cargo build --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair
for pair in "mcp-$MCP_1 mcp==$MCP_1" "mcp-$MCP_2 mcp==$MCP_2" "fastmcp-$FASTMCP_3 fastmcp==$FASTMCP_3" "fastmcp-$FASTMCP_4 fastmcp==$FASTMCP_4"; do
  # shellcheck disable=SC2086
  venv $pair >/dev/null
done

export OMR_PROXY_BIN="$PWD/target/debug/oauth-metadata-repair" OMR_ASGI_SITE="$site"
cd asgi
exec timeout 900 "../$venv_dir/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
