#!/usr/bin/env bash
# The PyPI packages as a release builds them, then installed and run the way
# an operator of a Python MCP server would:
#
#   bash scripts/wheel.sh
#
# 1. a throwaway venv with maturin[zig], twine and uv (pinned, from PyPI);
# 2. the wheel: maturin --release --zig --compatibility manylinux2014, which
#    must carry a manylinux_2_17 (glibc 2.17) or older tag; the sdist;
# 3. `twine check` on both;
# 4. the wheel into a fresh venv with `pip install --no-index`: the command's
#    `--version` and `python -m oauth_metadata_repair --version` print the
#    Cargo version;
# 5. `uvx` offline from the wheel;
# 6. the sdist builds from source with pip (what happens where no wheel fits;
#    a dev profile here, to keep CI short);
# 7. one interop row through the installed binary: mcp-remote against the
#    buggy mcp 1.27.1 server (tests/interop/run.sh with INTEROP_PROXY_BIN).
# Times and sizes are printed. Everything lives under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(cargo pkgid -p oauth-metadata-repair-cli | sed 's/.*[#@]//')
. scripts/lib.sh # pkg_tools, now, secs
pkg_tools

dist=target/wheels; rm -rf "$dist"; mkdir -p "$dist"
t0=$(now)
maturin build --quiet --release --locked --zig --compatibility manylinux2014 \
  --target x86_64-unknown-linux-gnu -o "$dist" 2>&1 | grep -v '^\s*$' | tail -n 3
t1=$(now)
maturin sdist -o "$dist" >/dev/null 2>&1
wheel=$(ls "$dist"/*.whl); sdist=$(ls "$dist"/*.tar.gz)
echo "ok   wheel $(basename "$wheel"): $(du -k "$wheel" | cut -f1) KiB, built in $(secs "$t0" "$t1") s"

# Installable on glibc 2.17: some platform tag is manylinux_2_M with M <= 17
# (or an alias of one).
python3 - "$wheel" <<'PY'
import re, sys
name = sys.argv[1].rsplit("/", 1)[-1][:-len(".whl")]
platforms = name.split("-")[-1].split(".")
alias = {"manylinux1_x86_64": 5, "manylinux2010_x86_64": 12, "manylinux2014_x86_64": 17}
minors = [int(m.group(1)) for p in platforms if (m := re.fullmatch(r"manylinux_2_(\d+)_x86_64", p))]
minors += [alias[p] for p in platforms if p in alias]
if not minors or min(minors) > 17:
    sys.exit(f"FAIL: {platforms} needs a glibc newer than 2.17")
print(f"ok   wheel tags {platforms}: installs on glibc 2.{min(minors)} and newer")
PY
NO_COLOR=1 twine check --strict "$wheel" "$sdist" | sed "s/\x1b\[[0-9;]*m//g; s/^/     /"
python3 - "$wheel" "$sdist" <<'PY'
import sys, tarfile, zipfile
wheel = zipfile.ZipFile(sys.argv[1]).namelist()
sdist = tarfile.open(sys.argv[2]).getnames()
for what, names in (("wheel", wheel), ("sdist", sdist)):
    for lic in ("LICENSE-MIT", "LICENSE-APACHE"):
        if not any(n.endswith("/" + lic) for n in names):
            sys.exit(f"FAIL: the {what} lacks {lic}")
print("ok   both licences are in the wheel and the sdist")
PY

# A fresh venv, no index: what `pip install oauth-metadata-repair` gives.
venv=target/wheel-venv; rm -rf "$venv"; python3 -m venv "$venv"
t0=$(now)
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
t1=$(now)
echo "ok   pip install --no-index of the wheel: $(secs "$t0" "$t1") s"
expect="oauth-metadata-repair $version"
for cmd in "$venv/bin/oauth-metadata-repair --version" "$venv/bin/python -m oauth_metadata_repair --version"; do
  got=$($cmd)
  [ "$got" = "$expect" ] || { echo "FAIL: '$cmd' printed '$got', expected '$expect'" >&2; exit 1; }
  echo "ok   $cmd -> $got"
done

# uvx, offline, from the wheel (its own cache under target/).
export UV_CACHE_DIR="$PWD/target/uv-cache"
got=$(uvx --offline --quiet --from "$wheel" oauth-metadata-repair --version)
[ "$got" = "$expect" ] || { echo "FAIL: uvx printed '$got', expected '$expect'" >&2; exit 1; }
echo "ok   uvx --offline --from WHEEL oauth-metadata-repair --version -> $got"

# The sdist builds from source: pip runs maturin on it, as it would where no
# wheel fits. The dev profile and the shared target/ keep this short in CI.
built=target/sdist-build; rm -rf "$built"
t0=$(now)
MATURIN_PEP517_ARGS="--profile dev" CARGO_TARGET_DIR="$PWD/target" \
  "$tools/bin/pip" wheel --quiet --disable-pip-version-check --no-index --no-deps \
  --no-build-isolation -w "$built" "$sdist"
t1=$(now)
src_venv=target/sdist-venv; rm -rf "$src_venv"; python3 -m venv "$src_venv"
"$src_venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$built"/*.whl
got=$("$src_venv/bin/oauth-metadata-repair" --version)
[ "$got" = "$expect" ] || { echo "FAIL: the sdist's build printed '$got', expected '$expect'" >&2; exit 1; }
echo "ok   pip built the sdist from source ($(secs "$t0" "$t1") s) -> $got"

# One interop row through the installed binary, not target/'s: mcp-remote
# registers as a public client and logs in to the buggy mcp 1.27.1 server.
INTEROP_PROXY_BIN="$PWD/$venv/bin/oauth-metadata-repair" INTEROP_SERVERS=mcp-1.27.1 \
  INTEROP_CLIENTS=mcp-remote bash tests/interop/run.sh
