"""An MCP server on FastMCP (3.x or 4.x) with its built-in in-memory OAuth
provider (whose metadata omits "none"), registration on, and one tool.
Registrations are recorded as in as_server.py.

    python fastmcp_server.py PORT ISSUER_URL

With INTEROP_ASGI_MIDDLEWARE=1 the app is wrapped in-process by the
oauth-metadata-repair-asgi middleware, the README's one line for FastMCP
(=http_app: the same list to http_app(), served by uvicorn).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from as_server import record_registration  # noqa: E402
from fastmcp import FastMCP  # noqa: E402
from fastmcp.server.auth.providers.in_memory import InMemoryOAuthProvider  # noqa: E402
from mcp.server.auth.settings import ClientRegistrationOptions  # noqa: E402


class RecordingProvider(InMemoryOAuthProvider):
    async def register_client(self, client_info):
        await super().register_client(client_info)
        record_registration(client_info)


def main():
    port, base = int(sys.argv[1]), sys.argv[2].rstrip("/")
    auth = RecordingProvider(
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

    middleware = []
    if os.environ.get("INTEROP_ASGI_MIDDLEWARE"):
        from oauth_metadata_repair_asgi import RepairMetadataMiddleware
        from starlette.middleware import Middleware

        middleware = [Middleware(RepairMetadataMiddleware)]
    if os.environ.get("INTEROP_ASGI_MIDDLEWARE") == "http_app":
        # The other documented line: the same list to http_app(), served by
        # uvicorn.
        import uvicorn

        app = server.http_app(path="/mcp", middleware=middleware)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
        return
    server.run(
        transport="http",
        host="127.0.0.1",
        port=port,
        path="/mcp",
        log_level="warning",
        show_banner=False,
        middleware=middleware,
    )


if __name__ == "__main__":
    main()
