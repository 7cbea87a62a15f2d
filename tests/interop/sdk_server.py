"""An MCP server on the MCP Python SDK with the SDK's own OAuth authorization
server (its build_metadata() omits "none"), the auto-approving in-memory
provider of as_server.py, dynamic client registration on, and one tool.
Works with mcp 1.x (FastMCP) and 2.x (MCPServer).

    python sdk_server.py PORT ISSUER_URL

With INTEROP_ASGI_MIDDLEWARE=1 the app is wrapped in-process by the
oauth-metadata-repair-asgi middleware, the README's one line for mcp 1.x/2.x.
"""

import os
import sys

import uvicorn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from as_server import MemoryProvider  # noqa: E402
from mcp.server.auth.settings import (  # noqa: E402
    AuthSettings,
    ClientRegistrationOptions,
    RevocationOptions,
)

try:
    from mcp.server.mcpserver import MCPServer as Server
except ImportError:
    from mcp.server.fastmcp import FastMCP as Server


def main():
    port, issuer = int(sys.argv[1]), sys.argv[2].rstrip("/")
    auth = AuthSettings(
        issuer_url=issuer,
        resource_server_url=f"{issuer}/mcp",
        client_registration_options=ClientRegistrationOptions(
            enabled=True, valid_scopes=["user"], default_scopes=["user"]
        ),
        revocation_options=RevocationOptions(enabled=True),
        required_scopes=["user"],
    )
    server = Server("interop", auth_server_provider=MemoryProvider(), auth=auth)

    @server.tool()
    def add(a: int, b: int) -> int:
        """Adds two numbers."""
        return a + b

    app = server.streamable_http_app()
    if os.environ.get("INTEROP_ASGI_MIDDLEWARE"):
        from oauth_metadata_repair_asgi import RepairMetadataMiddleware

        app = RepairMetadataMiddleware(app)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
