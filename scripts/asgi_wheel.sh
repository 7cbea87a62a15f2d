#!/usr/bin/env bash
# The ASGI middleware's PyPI package as a release builds it, then installed
# and used the way an operator of a Python MCP server would:
#
#   bash scripts/asgi_wheel.sh
#
# 1. the pinned tools of scripts/wheel.sh (maturin[zig], twine, uv);
# 2. the versions agree: the asgi crate, the tool, and the binary wheel's
#    extra `asgi = ["oauth-metadata-repair-asgi==<version>"]`;
# 3. the wheel: maturin --release --zig --compatibility manylinux2014, which
#    must be tagged cp39-abi3 and manylinux_2_17 (glibc 2.17) or older; the
#    sdist; `twine check` on both; licences, py.typed and the stubs inside,
#    and no runtime dependency;
# 4. the wheel into a fresh venv with `pip install --no-index`: it imports
#    and repairs a document through a direct ASGI call;
# 5. the sdist builds from source with pip (dev profile, to keep CI short);
# 6. the installed wheel in front of a real mcp 1.27.1 app (its venv from
#    tests/interop/install.sh): the interop row mcp-remote × mcp 1.27.1,
#    in-process, logs in as a public client.
# Times and sizes are printed. Everything lives under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(cargo pkgid -p oauth-metadata-repair-asgi | sed 's/.*[#@]//')
tool_version=$(cargo pkgid -p oauth-metadata-repair-cli | sed 's/.*[#@]//')
[ "$version" = "$tool_version" ] || { echo "FAIL: the asgi crate is $version, the tool $tool_version" >&2; exit 1; }
grep -qx "asgi = \[\"oauth-metadata-repair-asgi==$version\"\]" pyproject.toml \
  || { echo "FAIL: pyproject.toml's extra asgi does not pin oauth-metadata-repair-asgi==$version" >&2; exit 1; }
echo "ok   version $version: the asgi crate, the tool and the extra [asgi] agree"
. scripts/lib.sh # pkg_tools, now, secs
pkg_tools

dist=$PWD/target/asgi-wheels; rm -rf "$dist"; mkdir -p "$dist"
t0=$(now)
(cd asgi && maturin build --quiet --release --locked --zig --compatibility manylinux2014 \
  --target x86_64-unknown-linux-gnu -i python3 -o "$dist" 2>&1 | grep -v '^\s*$' | tail -n 1)
t1=$(now)
(cd asgi && maturin sdist -o "$dist" >/dev/null 2>&1)
wheel=$(ls "$dist"/*.whl); sdist=$(ls "$dist"/*.tar.gz)
echo "ok   wheel $(basename "$wheel"): $(du -k "$wheel" | cut -f1) KiB, built in $(secs "$t0" "$t1") s"

python3 - "$wheel" "$sdist" <<'PY'
import re, sys, tarfile, zipfile
path = sys.argv[1]
name = path.rsplit("/", 1)[-1][:-len(".whl")]
_, _, py, abi, plat = name.split("-")
if (py, abi) != ("cp39", "abi3"):
    sys.exit(f"FAIL: tagged {py}-{abi}, expected cp39-abi3 (one wheel for CPython 3.9 and newer)")
alias = {"manylinux1_x86_64": 5, "manylinux2010_x86_64": 12, "manylinux2014_x86_64": 17}
minors = [int(m.group(1)) for p in plat.split(".") if (m := re.fullmatch(r"manylinux_2_(\d+)_x86_64", p))]
minors += [alias[p] for p in plat.split(".") if p in alias]
if not minors or min(minors) > 17:
    sys.exit(f"FAIL: {plat} needs a glibc newer than 2.17")
print(f"ok   wheel tags {py}-{abi}-{plat}: CPython 3.9+, glibc 2.{min(minors)} and newer")
wheel = zipfile.ZipFile(path)
names = wheel.namelist()
sdist = tarfile.open(sys.argv[2]).getnames()
for what, listed in (("wheel", names), ("sdist", sdist)):
    for lic in ("LICENSE-MIT", "LICENSE-APACHE"):
        if not any(n.endswith("/" + lic) for n in listed):
            sys.exit(f"FAIL: the {what} lacks {lic}")
for need in ("oauth_metadata_repair_asgi/py.typed", "oauth_metadata_repair_asgi/__init__.pyi", "oauth_metadata_repair_asgi/_native.pyi"):
    if need not in names:
        sys.exit(f"FAIL: the wheel lacks {need}")
meta = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
if any(line.startswith("Requires-Dist:") for line in meta.splitlines()):
    sys.exit("FAIL: the wheel declares a runtime dependency")
print("ok   licences in both; py.typed and the stubs in the wheel; no runtime dependency")
PY
NO_COLOR=1 twine check --strict "$wheel" "$sdist" | sed "s/\x1b\[[0-9;]*m//g; s/^/     /"

# A fresh venv, no index: what `pip install oauth-metadata-repair-asgi` gives.
venv=target/asgi-wheel-venv; rm -rf "$venv"; python3 -m venv "$venv"
t0=$(now)
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
t1=$(now)
echo "ok   pip install --no-index of the wheel: $(secs "$t0" "$t1") s"
smoke='
import asyncio, sys
from oauth_metadata_repair_asgi import RepairMetadataMiddleware, __version__
doc = b"{\"token_endpoint_auth_methods_supported\":[\"client_secret_post\"]}"
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": doc})
sent = []
async def send(m): sent.append(m)
async def receive(): return {"type": "http.request"}
scope = {"type": "http", "method": "GET", "path": "/.well-known/oauth-authorization-server", "headers": []}
asyncio.run(RepairMetadataMiddleware(app)(scope, receive, send))
assert sent[1]["body"] == doc.replace(b"]", b",\"none\"]"), sent
print(__version__)
'
got=$("$venv/bin/python" -c "$smoke")
[ "$got" = "$version" ] || { echo "FAIL: the installed wheel printed '$got', expected $version" >&2; exit 1; }
echo "ok   the installed wheel imports (version $got) and repairs through a direct ASGI call"

# The sdist builds from source: pip runs maturin on it, as it would where no
# wheel fits. The dev profile and the shared target/ keep this short in CI.
built=target/asgi-sdist-build; rm -rf "$built"
t0=$(now)
MATURIN_PEP517_ARGS="--profile dev" CARGO_TARGET_DIR="$PWD/target" \
  "$tools/bin/pip" wheel --quiet --disable-pip-version-check --no-index --no-deps \
  --no-build-isolation -w "$built" "$sdist"
t1=$(now)
src_venv=target/asgi-sdist-venv; rm -rf "$src_venv"; python3 -m venv "$src_venv"
"$src_venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$built"/*.whl
got=$("$src_venv/bin/python" -c "$smoke")
[ "$got" = "$version" ] || { echo "FAIL: the sdist's build printed '$got', expected $version" >&2; exit 1; }
echo "ok   pip built the sdist from source ($(secs "$t0" "$t1") s); it imports and repairs"

# The installed wheel in front of a real mcp 1.27.1 app: one interop row.
site=target/asgi-wheel-site; rm -rf "$site"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-index --no-deps --target "$site" "$wheel"
INTEROP_ASGI_SITE="$PWD/$site" INTEROP_SERVERS=mcp-1.27.1 INTEROP_CLIENTS=mcp-remote bash tests/interop/run.sh
