"""An mcp server's app mounted under /api in a parent Starlette app, the
parent wrapped with Starlette's add_middleware (the manual's lines for a
mounted app and for plain Starlette, docs/src/asgi.md). Run in an mcp venv.

    python mounted_app.py PORT ISSUER_URL
"""

import os
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "interop"))
from as_server import MemoryProvider  # noqa: E402
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions  # noqa: E402
from mcp.server.fastmcp import FastMCP  # noqa: E402
from oauth_metadata_repair_asgi import RepairMetadataMiddleware  # noqa: E402


def main():
    port, issuer = int(sys.argv[1]), sys.argv[2].rstrip("/")
    auth = AuthSettings(
        issuer_url=issuer,
        resource_server_url=f"{issuer}/mcp",
        client_registration_options=ClientRegistrationOptions(enabled=True),
    )
    mcp = FastMCP("mounted", auth_server_provider=MemoryProvider(), auth=auth)
    parent = Starlette(routes=[Mount("/api", app=mcp.streamable_http_app())])
    # Wrap the outermost app; the mounted app serves its document under the
    # mount prefix, which is no standard placement, so name it.
    parent.add_middleware(RepairMetadataMiddleware, paths=["/api/.well-known/oauth-authorization-server"])
    uvicorn.run(parent, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
