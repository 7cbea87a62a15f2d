"""The uvicorn keep-alive check (scripts/uvicorn_keepalive.sh).

`app` is a tiny ASGI app for uvicorn: every path answers a small JSON
document. Run as a script, this is the client: LANES keep-alive connections
to the proxy send one request each per batch, all lanes at once, and the
batches are spaced around the upstream's keep-alive timeout, so that the
proxy's upstream connections are reused just as uvicorn closes them.
Prints the count of requests and errors; exits 1 on any error.
"""

import http.client
import os
import sys
import threading
import time

BODY = b'{"ok":true}'


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(BODY)).encode())],
    })
    await send({"type": "http.response.body", "body": BODY})


def main():
    port = int(sys.argv[1])
    lanes = int(os.environ.get("LANES", "25"))
    batches = int(os.environ.get("BATCHES", "40"))
    keepalive = float(os.environ.get("KEEPALIVE", "1"))
    # Spacing around the keep-alive: a little before, at, and a little after.
    offsets = [-0.10, -0.05, -0.02, 0.0, 0.02, 0.05, 0.10]
    errors, done = [], [0]
    lock = threading.Lock()
    barrier = threading.Barrier(lanes)

    def lane(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for b in range(batches):
            barrier.wait()
            try:
                conn.request("GET", f"/item/{n}/{b}")
                res = conn.getresponse()
                body = res.read()
                if res.status != 200 or body != BODY:
                    with lock:
                        errors.append(f"batch {b} lane {n}: {res.status} {body[:80]!r}")
            except Exception as e:  # a failed request is an error, then go on
                with lock:
                    errors.append(f"batch {b} lane {n}: {e!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                done[0] += 1
            if n == 0:
                time.sleep(max(0.0, keepalive + offsets[b % len(offsets)]))
            barrier.wait()
        conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=lane, args=(n,)) for n in range(lanes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    print(f"{done[0]} requests, {len(errors)} errors, {took:.0f} s "
          f"({lanes} keep-alive clients x {batches} batches spaced {keepalive:g} s "
          f"+/- 0.1 s)")
    for e in errors[:10]:
        print("  " + e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
