"""The middleware on real servers (uvicorn with h11 and with httptools,
hypercorn), over sockets, against the proxy binary in front of the same
upstream: every request of upstream.requests() must get the same status,
headers and body both ways, but for the server framing listed in KNOWN."""

import http.client

import pytest
from conftest import Processes, free_port, proxy_bin
from oauth_metadata_repair_asgi._native import Rules
from upstream import AS, MCP_SDK, NO_LENGTH, requests

# Headers each server sets on its own (the proxy forwards the upstream's).
IGNORED = {b"date", b"server"}
# Framing: how a server delimits the same body.
FRAMING = {b"content-length", b"transfer-encoding"}


def fetch(port, method, target, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        res = conn.getresponse()
        body = res.read()
        got = sorted((n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in res.getheaders())
        return res.status, [h for h in got if h[0] not in IGNORED], body
    finally:
        conn.close()


def known_framing_difference(method, target, p, w):
    """The known server-framing differences: the same status, headers and
    body, framed differently by hyper (the proxy) and the ASGI server:
    - a HEAD response: the ASGI servers announce the GET's framing
      (uvicorn: chunked), hyper sends none;
    - a 304: the ASGI servers add `content-length: 0` or chunked, hyper
      sends none;
    - a body the application sent without Content-Length and the proxy
      buffered but left alone: hyper counts it (Content-Length), the ASGI
      server streams it (chunked)."""
    strip = lambda r: (r[0], [h for h in r[1] if h[0] not in FRAMING], r[2])  # noqa: E731
    if strip(p) != strip(w):
        return False
    return method == "HEAD" or p[0] == 304 or target.split("?")[0] in NO_LENGTH


@pytest.mark.parametrize("server", ["uvicorn-h11", "uvicorn-httptools", "hypercorn"])
def test_the_middleware_answers_as_the_proxy_does(server):
    procs = Processes()
    try:
        bare, proxied, wrapped = free_port(), free_port(), free_port()
        procs.serve("bare", server, bare)
        procs.serve("wrapped", server, wrapped)
        procs.start([proxy_bin(), "--listen", f"127.0.0.1:{proxied}", "--upstream", f"http://127.0.0.1:{bare}"], proxied,
                    env={"RUST_LOG": "warn"})
        cases = requests(Rules().etag_suffix)
        differing, framing = [], []
        repaired = 0
        answers = []
        for method, target, headers in cases:
            p = fetch(proxied, method, target, headers)
            w = fetch(wrapped, method, target, headers)
            answers.append(w)
            if p != w:
                if known_framing_difference(method, target, p, w):
                    framing.append(f"{method} {target}")
                else:
                    differing.append((method, target, headers, p, w))
            if method == "GET" and w[2] != fetch(bare, method, target, headers)[2]:
                repaired += 1
        assert not differing, "\n".join(f"{m} {t} {h}:\n  proxy   {p}\n  wrapped {w}" for m, t, h, p, w in differing)
        print(f"{server}: {len(cases)} requests, {len(cases) - len(framing)} byte-identical, {len(framing)} differ in framing only {framing}")
        # Not vacuous: documents were repaired, and the root one as expected.
        assert repaired >= 20, repaired
        status, _, body = fetch(wrapped, "GET", AS, {})
        fixed = MCP_SDK.replace(b'"client_secret_basic"]', b'"client_secret_basic","none"]')
        assert status == 200 and body == fixed[:-1] + b',"authorization_response_iss_parameter_supported":true}'
        # The first redirect, before any document, learned the issuer.
        assert cases[0][1] == "/authorize" and answers[0][0] == 302
        assert dict(answers[0][1])[b"location"].endswith(b"&state=s1&iss=http%3A%2F%2F127.0.0.1%3A8000%2F")
    finally:
        procs.stop()
