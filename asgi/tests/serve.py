"""Serves tests/upstream.py's application, bare or wrapped by the
middleware, on one of the servers under test, on loopback.

    python serve.py bare|wrapped uvicorn-h11|uvicorn-httptools|hypercorn PORT [MAX_BODY_BYTES]
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oauth_metadata_repair_asgi import DEFAULT_MAX_BODY_BYTES, RepairMetadataMiddleware  # noqa: E402
from upstream import app as upstream  # noqa: E402


def main():
    mode, server, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else DEFAULT_MAX_BODY_BYTES
    app = RepairMetadataMiddleware(upstream, max_body_bytes=limit) if mode == "wrapped" else upstream
    if server.startswith("uvicorn-"):
        import uvicorn

        uvicorn.run(app, host="127.0.0.1", port=port, http=server[len("uvicorn-"):], log_level="warning", lifespan="off")
    elif server == "hypercorn":
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        config = Config()
        config.bind = [f"127.0.0.1:{port}"]
        config.loglevel = "WARNING"
        asyncio.run(serve(app, config))
    else:
        sys.exit(f"unknown server {server}")


if __name__ == "__main__":
    main()
