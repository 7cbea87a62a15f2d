#!/usr/bin/env bash
# A fully static x86_64 Linux build of the oauth-metadata-repair binary (glibc
# linked in, static-pie), for a FROM scratch image or any Linux machine:
#
#   bash scripts/static.sh        # -> target/static/oauth-metadata-repair
#
# Also lays out target/static/ as the container build context (the binary
# and the /etc files its resolver reads) and checks that the binary is static
# and runs with nothing beside it (in an empty chroot when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
# crt-static links glibc statically; --target keeps these flags off build
# scripts and proc macros, which must stay dynamic.
RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release --locked --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair --target "$target"
out=target/static
rm -rf "$out"; mkdir -p "$out/etc"
cp "target/$target/release/oauth-metadata-repair" "$out/"
strip "$out/oauth-metadata-repair" 2>/dev/null || true
printf '127.0.0.1 localhost\n::1 localhost\n' > "$out/etc/hosts"
printf 'hosts: files dns\n' > "$out/etc/nsswitch.conf"
bin="$out/oauth-metadata-repair"

# ldd says so for a static binary; `file` names it too where installed.
ldd_out=$(ldd "$bin" 2>&1 || true)
case $ldd_out in
  *"not a dynamic executable"*|*"statically linked"*) ;;
  *) echo "FAIL: $bin is dynamically linked: $ldd_out" >&2; exit 1 ;;
esac
if readelf -d "$bin" 2>/dev/null | grep -q NEEDED; then
  echo "FAIL: $bin needs shared libraries:" >&2; readelf -d "$bin" | grep NEEDED >&2; exit 1
fi
echo "ok   $bin is static ($(du -h "$bin" | cut -f1), ldd: $(echo "$ldd_out" | tr -s ' \t' ' ' | sed 's/^ //'))"

# Runs with nothing beside it: an empty root holding only the binary.
if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null; then
  root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
  cp "$bin" "$root/"
  version=$(chroot "$root" /oauth-metadata-repair --version)
  echo "ok   runs in an empty chroot: $version"
else
  echo "ok   runs: $("$bin" --version) (not root: the empty-chroot check is skipped)"
fi
