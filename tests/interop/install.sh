# Installers of the interop matrix (sourced by run.sh, after versions.sh).
# Each installs pinned packages into target/interop/ once and prints the path
# the matrix uses; a cache is reused while its stamp (.installed, holding
# what was installed) matches, and installed anew when a pin changes. All
# output but the path goes to stderr; every install has a time limit.

# A venv holding REQUIREMENT -> its python.
venv() { # NAME REQUIREMENT
  local dir="target/interop/venv-$1"
  if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$2" ]; then
    echo "== installing $2 into $dir" >&2
    rm -rf "$dir"
    python3 -m venv "$dir"
    timeout 600 "$dir/bin/pip" install --quiet --disable-pip-version-check "$2" >&2
    echo "$2" >"$dir/.installed"
  fi
  echo "$dir/bin/python"
}

# Node.js and npm, from Debian's packages when the machine has none.
need_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "== installing Node.js and npm from Debian's packages" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
}

# An npm folder holding PACKAGE@VERSION... -> the folder. Install scripts are
# not run: none of these packages needs one (Claude Code's only copies its
# native binary, found by claude_code below; the Inspector's is for a source
# checkout), and skipping them keeps npm 9 and npm 11 alike.
npm_dir() { # NAME PACKAGE@VERSION...
  local dir="target/interop/npm-$1"; shift
  if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$*" ]; then
    echo "== installing $* into $dir" >&2
    rm -rf "$dir"; mkdir -p "$dir"
    echo '{"private": true}' >"$dir/package.json"
    (cd "$dir" && timeout 900 npm install --silent --no-audit --no-fund --ignore-scripts "$@" >&2)
    echo "$*" >"$dir/.installed"
  fi
  echo "$dir"
}

# Claude Code VERSION -> its native binary, which the npm package ships in a
# per-platform optional dependency.
claude_code() { # VERSION
  local dir arch bin
  dir=$(npm_dir claude-code "@anthropic-ai/claude-code@$1")
  case $(uname -m) in x86_64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  bin="$dir/node_modules/@anthropic-ai/claude-code-linux-$arch/claude"
  [ -x "$bin" ] || { echo "Claude Code's native binary is missing: $bin" >&2; return 1; }
  echo "$bin"
}

# The rmcp client (tests/interop/rmcp_client, rmcp VERSION) -> its binary,
# built with its own Cargo.lock into target/interop/rmcp (cargo caches it).
rmcp_client() { # VERSION
  local manifest=tests/interop/rmcp_client/Cargo.toml
  grep -q "^rmcp = { version = \"=$1\"" "$manifest" \
    || { echo "$manifest does not pin rmcp $1 (tests/interop/versions.sh)" >&2; return 1; }
  echo "== building the rmcp $1 client (cached in target/interop/rmcp)" >&2
  timeout 1800 cargo build --quiet --locked --manifest-path "$manifest" --target-dir target/interop/rmcp >&2
  echo "target/interop/rmcp/debug/interop-rmcp-client"
}
