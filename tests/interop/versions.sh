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

# Client (crates.io): tests/interop/rmcp_client.
RMCP=3.11.0
