"""An MCP server on FastMCP (3.x or 4.x) with its built-in in-memory OAuth
provider (whose metadata omits "none"), registration on, and one tool.

    python fastmcp_server.py PORT ISSUER_URL
"""

import sys

from fastmcp import FastMCP
from fastmcp.server.auth.providers.in_memory import InMemoryOAuthProvider
from mcp.server.auth.settings import ClientRegistrationOptions


def main():
    port, base = int(sys.argv[1]), sys.argv[2].rstrip("/")
    auth = InMemoryOAuthProvider(
        base_url=base,
        client_registration_options=ClientRegistrationOptions(
            enabled=True, valid_scopes=["user"], default_scopes=["user"]
        ),
        required_scopes=["user"],
    )
    server = FastMCP("interop", auth=auth)

    @server.tool
    def add(a: int, b: int) -> int:
        """Adds two numbers."""
        return a + b

    server.run(transport="http", host="127.0.0.1", port=port, path="/mcp", log_level="warning", show_banner=False)


if __name__ == "__main__":
    main()
