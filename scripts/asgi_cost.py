"""CPU cost the ASGI middleware adds per request, without a server or a
network: a Starlette app (a JSON discovery document like mcp's, and another
JSON route) called directly through ASGI, bare and wrapped, a bounded number
of times each, in one process; CPU time (process_time) per request, so other
load on the machine hardly moves it. Run in an environment with starlette and
the middleware (scripts/asgi_load.sh runs it in the mcp 1.27.1 venv).

    python scripts/asgi_cost.py [N]
"""

import asyncio
import sys
import time

from oauth_metadata_repair_asgi import RepairMetadataMiddleware
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

DOC = (
    b'{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize",'
    b'"token_endpoint":"http://127.0.0.1:8000/token","registration_endpoint":"http://127.0.0.1:8000/register",'
    b'"scopes_supported":["user"],"response_types_supported":["code"],'
    b'"grant_types_supported":["authorization_code","refresh_token"],'
    b'"token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"],'
    b'"code_challenge_methods_supported":["S256"]}'
)


async def doc(request):
    return Response(DOC, media_type="application/json")


async def other(request):
    return Response(b'{"resource":"http://127.0.0.1:8000/mcp"}', media_type="application/json")


def scope(path):
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"*/*"), (b"user-agent", b"cost")],
            "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000)}


async def per_request(app, path, n):
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        pass

    s = scope(path)
    for _ in range(200):  # warm up (and learn)
        await app(dict(s), receive, send)
    t0 = time.process_time()
    for _ in range(n):
        await app(dict(s), receive, send)
    return (time.process_time() - t0) / n * 1e6


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    bare = Starlette(routes=[Route("/.well-known/oauth-authorization-server", doc), Route("/other", other)])
    variants = [("bare", bare), ("middleware", RepairMetadataMiddleware(bare)),
                ("middleware, iss=False", RepairMetadataMiddleware(bare, iss=False))]
    print("| route | " + " | ".join(f"{name} µs/request" for name, _ in variants) + " |")
    print("|---|" + "---|" * len(variants))
    for label, path in (("discovery (repaired)", "/.well-known/oauth-authorization-server"), ("other route (passthrough)", "/other")):
        cells = [asyncio.run(per_request(app, path, n)) for _, app in variants]
        base = cells[0]
        print(f"| {label} | " + " | ".join(f"{c:.1f}" + ("" if i == 0 else f" (+{c - base:.1f})") for i, c in enumerate(cells)) + " |")
    print(f"\nCPU time per request over {n} direct ASGI calls each, one process, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
