"""The MCP Python SDK's own client as a desktop MCP client uses it: a public
client (token_endpoint_auth_method "none", PKCE) that logs in with
OAuthClientProvider, then calls a tool over Streamable HTTP. Runs on mcp
1.27.1 (httpx, `streamablehttp_client`, a (code, state) callback) and on
mcp 2.3.0 (httpx2, `streamable_http_client` taking an `http_client`, an
`AuthorizationCodeResult` callback, which hands back the redirect's RFC 9207
`iss` too: 2.3.0 rejects a response without it when the metadata advertises
it), whichever the interpreter has.

    python sdk_client.py MCP_URL

Prints one JSON line: the registered method, whether a secret was issued,
whether the login finished and whether the tool call worked.
"""

import asyncio
import json
import sys
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlparse

from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.shared.auth import OAuthClientMetadata

try:  # mcp 2.x
    import httpx2 as httpx
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared.auth import AuthorizationCodeResult

    @asynccontextmanager
    async def connect(url, provider):
        async with httpx.AsyncClient(auth=provider, timeout=30) as http:
            async with streamable_http_client(url, http_client=http) as (read, write):
                yield read, write

    def code_result(code, state, iss):
        return AuthorizationCodeResult(code=code, state=state, iss=iss)
except ImportError:  # mcp 1.x
    import httpx
    from mcp.client.streamable_http import streamablehttp_client

    @asynccontextmanager
    async def connect(url, provider):
        async with streamablehttp_client(url, auth=provider, timeout=30) as (read, write, _):
            yield read, write

    def code_result(code, state, iss):
        return code, state  # 1.x neither takes nor checks iss

REDIRECT = "http://127.0.0.1:9/callback"


class Memory(TokenStorage):
    def __init__(self):
        self.tokens = None
        self.client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info):
        self.client = client_info


async def main(url):
    storage = Memory()
    redirect = {}

    async def open_browser(authorization_url):
        # The "browser": the server approves at once and redirects with the code.
        async with httpx.AsyncClient(follow_redirects=False, timeout=30) as http:
            res = await http.get(authorization_url)
        redirect["location"] = res.headers.get("location", "")

    async def callback():
        query = parse_qs(urlparse(redirect.get("location", "")).query)
        return code_result(query["code"][0], (query.get("state") or [None])[0], (query.get("iss") or [None])[0])

    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="interop sdk client",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
            scope="user",
        ),
        storage=storage,
        redirect_handler=open_browser,
        callback_handler=callback,
    )
    result = {"method": None, "secret": False, "login": False, "tool": False}
    try:
        async with connect(url, provider) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                result["login"] = storage.tokens is not None
                tools = await session.list_tools()
                out = await session.call_tool("add", {"a": 2, "b": 3})
                text = "".join(getattr(c, "text", "") for c in out.content)
                result["tool"] = "add" in [t.name for t in tools.tools] and text.strip() == "5"
    except BaseException as e:  # noqa: BLE001 - reported, not raised
        result["error"] = f"{type(e).__name__}: {e}"[:300]
    if storage.client is not None:
        result["method"] = storage.client.token_endpoint_auth_method
        result["secret"] = bool(storage.client.client_secret)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
