#!/usr/bin/env bash
# Builds the ASGI middleware's extension for the tests (dev profile) with
# the pinned maturin of target/pkg-tools (shared with scripts/wheel.sh), and
# installs it into target/asgi-site, a folder to put on PYTHONPATH. Prints
# that folder's absolute path; everything else goes to stderr.
#
#   site=$(bash scripts/asgi_build.sh)
#   site=$(ASGI_PROFILE=release bash scripts/asgi_build.sh)  # target/asgi-site-release
set -euo pipefail
cd "$(dirname "$0")/.."
tools=target/pkg-tools
if [ ! -f "$tools/.installed" ]; then
  echo "== installing maturin, twine and uv into $tools" >&2
  rm -rf "$tools"; python3 -m venv "$tools"
  timeout 600 "$tools/bin/pip" install --quiet --disable-pip-version-check \
    "maturin[zig]==1.16.0" "twine==7.0.0" "uv==0.13.8" >&2
  touch "$tools/.installed"
fi
profile=${ASGI_PROFILE:-dev}
case $profile in
  dev) out=target/asgi-dev; site=target/asgi-site ;;
  release) out=target/asgi-release; site=target/asgi-site-release ;;
  *) echo "ASGI_PROFILE is dev or release, not $profile" >&2; exit 2 ;;
esac
rm -rf "$out"
echo "== building the ASGI middleware's extension ($profile profile)" >&2
(cd asgi && timeout 900 "../$tools/bin/maturin" build --quiet --profile "$profile" --locked -i python3 -o "../$out") 2>&1 \
  | grep -v '^\s*$' | tail -n 1 >&2
rm -rf "$site"
"$tools/bin/pip" install --quiet --disable-pip-version-check --no-deps --target "$site" "$out"/*.whl >&2
echo "$PWD/$site"
