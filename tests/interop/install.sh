# Installers of the interop matrix and the start-up of its servers, sourced
# from the repository's root by run.sh, iss.sh and check.sh. Brings
# scripts/lib.sh (wait_port, free_port, pids, cleanup), the pins of
# versions.sh and the cache folder, $cache.
#
# Each installer installs pinned packages into target/interop/ once and prints the path
# the matrix uses; a cache is reused while its stamp (.installed, holding
# what was installed) matches, and installed anew when a pin changes. All
# output but the path goes to stderr; every install has a time limit.

. scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/versions.sh"
cache=target/interop
mkdir -p "$cache"

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

# A native binary shipped in an npm package's per-platform optional
# dependency: NAME PACKAGE@VERSION RELATIVE_PATH -> the binary.
npm_binary() { # NAME PACKAGE@VERSION PATH_IN_NODE_MODULES
  local dir
  dir=$(npm_dir "$1" "$2")
  [ -x "$dir/node_modules/$3" ] || { echo "$1's native binary is missing: $dir/node_modules/$3" >&2; return 1; }
  echo "$dir/node_modules/$3"
}

# Gemini CLI VERSION -> its bundled script (run with node). Its optional
# native modules (node-pty, keytar) are not needed: the driver brings the
# terminal, and without keytar it keeps tokens in a file.
gemini_cli() { # VERSION
  local dir
  dir=$(npm_dir gemini-cli "@google/gemini-cli@$1")
  echo "$dir/node_modules/@google/gemini-cli/bundle/gemini.js"
}

# Codex CLI VERSION -> its native binary (the npm package's launcher only
# finds and starts it).
codex() { # VERSION
  local arch
  case $(uname -m) in x86_64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  npm_binary codex "@openai/codex@$1" "@openai/codex-linux-$arch/vendor/$(uname -m)-unknown-linux-musl/bin/codex"
}

# opencode VERSION -> its native binary; the "baseline" build on an x86-64
# processor without AVX2 (the choice its postinstall script makes).
opencode() { # VERSION
  local arch
  case $(uname -m) in x86_64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  [ "$arch" = x64 ] && ! grep -qw avx2 /proc/cpuinfo && arch=x64-baseline
  npm_binary opencode "opencode-ai@$1" "opencode-linux-$arch/bin/opencode"
}

# The Debian archive this machine installs from (its own apt sources).
debian_mirror() {
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v c="$codename" '
    /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == c) found = uri }
    /^$/ { uri = "" } END { if (found) print found }' | grep . \
    || awk -v c="$codename" '$1 == "deb" && $3 == c { print $2; exit }' /etc/apt/sources.list 2>/dev/null | grep .
}

# A Python 3.13: the machine's own when it has one, or else Debian SUITE's
# python3.13 packages, downloaded with apt and unpacked into
# target/interop/python3.13 (nothing is installed system-wide but
# patchelf). That build needs a newer C library than Debian 12's, so the
# suite's libc6 comes along and patchelf points the binary at its loader:
# the venvs made from it, and the processes they start, then run like any
# Python. -> the interpreter.
PYTHON_313_DEBS="python3.13-minimal libpython3.13-minimal libpython3.13-stdlib python3.13-venv python3-pip-whl
  libc6 libexpat1 zlib1g libssl3t64 libffi8 libsqlite3-0 libbz2-1.0 liblzma5 libzstd1 libuuid1 libmpdec4 libtinfo6
  libncursesw6 libreadline8t64"
python313() { # SUITE
  local dir=$PWD/target/interop/python3.13 mirror deb loader
  if command -v python3.13 >/dev/null 2>&1 && python3.13 -c 'import venv, ssl' 2>/dev/null; then
    command -v python3.13; return
  fi
  if [ "$(cut -d' ' -f1 "$dir/.installed" 2>/dev/null)" != "$1" ] || [ ! -x "$dir/root/usr/bin/python3.13" ]; then
    echo "== installing Debian $1's python3.13 into $dir" >&2
    mirror=$(debian_mirror) || { echo "no Debian archive in this machine's apt sources: cannot install Python 3.13" >&2; return 1; }
    command -v patchelf >/dev/null 2>&1 || need_apt patchelf
    rm -rf "$dir"; mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs" "$dir/root"
    echo "deb $mirror $1 main" >"$dir/apt/sources.list"
    local opts=(-qq -o "Dir::Etc::sourcelist=$dir/apt/sources.list" -o Dir::Etc::sourceparts=- -o APT::Sandbox::User=root
      -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache")
    timeout 300 apt-get "${opts[@]}" update >&2
    # shellcheck disable=SC2086 # a list of package names
    (cd "$dir/debs" && timeout 600 apt-get "${opts[@]}" download $PYTHON_313_DEBS >&2)
    for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
    loader=$(find "$dir/root/usr/lib" "$dir/root/usr/lib64" -name 'ld-linux*.so.*' 2>/dev/null | head -1)
    patchelf --set-interpreter "$loader" --force-rpath \
      --set-rpath "$(dirname "$(find "$dir/root/usr/lib" -name libc.so.6 | head -1)")" "$dir/root/usr/bin/python3.13"
    "$dir/root/usr/bin/python3.13" -c 'import ssl, sqlite3, ctypes, venv' >&2
    rm -rf "$dir/apt" "$dir/debs"
    echo "$1 $("$dir/root/usr/bin/python3.13" -V)" >"$dir/.installed"
  fi
  echo "$dir/root/usr/bin/python3.13"
}

# Debian packages, installed when missing.
need_apt() { # PACKAGE...
  echo "== installing $* from Debian's packages" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# fast-agent VERSION (with keyrings.alt KEYRINGS_ALT) in a venv of Python
# 3.13 -> its fast-agent command.
fast_agent() { # VERSION KEYRINGS_ALT
  local dir=target/interop/venv-fast-agent py want="fast-agent-mcp==$1 keyrings.alt==$2" pip
  py=$(python313 "$PYTHON_313_SUITE")
  if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$want" ]; then
    echo "== installing $want into $dir (Python 3.13)" >&2
    rm -rf "$dir"
    "$py" -m venv --without-pip "$dir" # Debian's ensurepip looks for its wheels under /usr
    pip=$(find "$(dirname "$py")/../share/python-wheels" "$dir" -name 'pip-*.whl' 2>/dev/null | head -1)
    if [ -n "$pip" ]; then
      timeout 600 "$dir/bin/python" "$pip/pip" install --quiet --disable-pip-version-check "fast-agent-mcp==$1" "keyrings.alt==$2" >&2
    else
      "$dir/bin/python" -m ensurepip --default-pip >&2
      timeout 600 "$dir/bin/pip" install --quiet --disable-pip-version-check "fast-agent-mcp==$1" "keyrings.alt==$2" >&2
    fi
    echo "$want" >"$dir/.installed"
  fi
  echo "$dir/bin/fast-agent"
}

# Each SERVER (mcp-VERSION or fastmcp-VERSION) installed: the venv's python
# in server_py[SERVER], the script that serves it in server_script[SERVER].
server_venvs() { # SERVER...
  declare -gA server_py server_script
  local server
  for server in "$@"; do
    case $server in
      mcp-*) server_py[$server]=$(venv "$server" "mcp==${server#mcp-}"); server_script[$server]=sdk_server.py ;;
      fastmcp-*) server_py[$server]=$(venv "$server" "fastmcp==${server#fastmcp-}"); server_script[$server]=fastmcp_server.py ;;
    esac
  done
}

# The proxy, built in debug -> its binary.
proxy_binary() {
  cargo build --quiet -p oauth-metadata-repair-cli --bin oauth-metadata-repair && echo target/debug/oauth-metadata-repair
}

# One server twice, each instance's issuer the address its clients use:
# straight on $direct_port, and behind the proxy PROXY_BIN on $proxy_port
# (the server on $up_port), or, with WITHOUT_PROXY set, bare on
# $proxy_port. Picks the three ports, logs to LOG-{direct,proxied,proxy}.log,
# adds the processes to pids and returns once all of them listen.
serve_pair() { # NAME PYTHON SCRIPT PROXY_BIN LOG [WITHOUT_PROXY]
  local name=$1 py=$2 script=$3 bin=$4 log=$5 without=${6:-}
  direct_port=$(free_port); up_port=$(free_port); proxy_port=$(free_port)
  echo "== $name: straight on :$direct_port, behind the proxy on :$proxy_port" >&2
  "$py" "$script" "$direct_port" "http://127.0.0.1:$direct_port" >"$log-direct.log" 2>&1 & pids+=($!)
  if [ -n "$without" ]; then
    "$py" "$script" "$proxy_port" "http://127.0.0.1:$proxy_port" >"$log-proxied.log" 2>&1 & pids+=($!)
  else
    "$py" "$script" "$up_port" "http://127.0.0.1:$proxy_port" >"$log-proxied.log" 2>&1 & pids+=($!)
    RUST_LOG=${RUST_LOG:-warn} "$bin" --listen "127.0.0.1:$proxy_port" --upstream "http://127.0.0.1:$up_port" \
      >"$log-proxy.log" 2>&1 & pids+=($!)
    wait_port "$up_port"
  fi
  wait_port "$direct_port"; wait_port "$proxy_port"
}
