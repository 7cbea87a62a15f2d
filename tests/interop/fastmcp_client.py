"""FastMCP's own client as an application uses it: `fastmcp.Client` with
`fastmcp.client.auth.OAuth` (dynamic registration, PKCE, FastMCP's own
callback server on 127.0.0.1), then a tool call over Streamable HTTP.

    python fastmcp_client.py MCP_URL

The browser step: FastMCP opens the authorization URL with Python's
`webbrowser`, which would wait for a $BROWSER command while the callback
server it is to reach runs on the same event loop; so `webbrowser.open` is
pointed at browser.py started in the background, the way a desktop browser
opens. Prints one JSON line: the registered method, whether a secret was
issued or stored, whether the login finished and whether the tool call
worked.
"""

import asyncio
import json
import os
import subprocess
import sys
import warnings
import webbrowser

from fastmcp import Client
from fastmcp.client.auth import OAuth

BROWSER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser.py")
opened = []


def open_in_background(url, *args, **kwargs):
    opened.append(subprocess.Popen([sys.executable, BROWSER, url]))
    return True


async def main(url):
    webbrowser.open = open_in_background
    warnings.simplefilter("ignore")  # the in-memory token store warns, as it should
    auth = OAuth(scopes=["user"], client_name="interop fastmcp client", callback_host="127.0.0.1",
                 callback_timeout=60)
    result = {"method": None, "secret": False, "login": False, "tool": False}
    try:
        async with Client(url, auth=auth, timeout=30) as client:
            result["login"] = await auth.token_storage_adapter.get_tokens() is not None
            tools = await client.list_tools()
            out = await client.call_tool("add", {"a": 2, "b": 3})
            text = "".join(getattr(c, "text", "") for c in out.content)
            result["tool"] = "add" in [t.name for t in tools] and text.strip() == "5"
    except BaseException as e:  # noqa: BLE001 - reported, not raised
        result["error"] = f"{type(e).__name__}: {e}"[:300]
    info = await auth.token_storage_adapter.get_client_info()
    if info is not None:
        result["method"] = info.token_endpoint_auth_method
        result["secret"] = bool(info.client_secret)
    for p in opened:
        p.wait(timeout=30)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
