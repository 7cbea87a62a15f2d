# Every pinned version of the interop matrix, in one place (sourced by
# run.sh, which installs exactly these into target/interop/ and reinstalls a
# cache whose pins changed). The rmcp client's Cargo.toml and Cargo.lock pin
# the same rmcp version; run.sh checks that they agree with RMCP.

# Servers (PyPI). Their venvs also hold the Python clients: the Python SDK
# client runs in the mcp venvs, FastMCP's client in the FastMCP 4 venv.
MCP_1=1.27.1
MCP_2=2.3.0
FASTMCP_3=3.3.1
FASTMCP_4=4.2.3

# Clients (npm).
MCP_REMOTE=0.15.1
TS_SDK=1.32.2
CLAUDE_CODE=2.1.328
INSPECTOR=2.12.0
GEMINI_CLI=0.61.0 # @google/gemini-cli
CODEX=0.171.0     # @openai/codex (its native binary: @openai/codex-linux-*)
OPENCODE=1.18.33  # opencode-ai (its native binary: opencode-linux-*)

# Client (PyPI), on Python 3.13 or newer: fast-agent-mcp, with keyrings.alt
# for a file keyring on a machine without a desktop one.
FAST_AGENT=0.10.48
KEYRINGS_ALT=5.0.2
# That Python: Debian 13's python3.13, unpacked beside the matrix (Debian
# 12 has 3.11; no other registry ships a 3.13 that installs without a
# download of its own). The archive keeps only the suite's current build,
# so the suite is pinned and the build installed is stamped in the cache.
PYTHON_313_SUITE=trixie

# Client (crates.io): tests/interop/rmcp_client.
RMCP=3.11.0
