"""The upstream of the differential test: one ASGI application that serves
every shape of the layer's test table by path (query ignored), and the
requests to send to it. Both the proxy and the middleware front it."""

import gzip
import os

AS = "/.well-known/oauth-authorization-server"
OIDC = "/.well-known/openid-configuration"
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "discovery")

MCP_SDK = (
    b'{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize",'
    b'"token_endpoint":"http://127.0.0.1:8000/token","registration_endpoint":"http://127.0.0.1:8000/register",'
    b'"scopes_supported":["user"],"response_types_supported":["code"],'
    b'"grant_types_supported":["authorization_code","refresh_token"],'
    b'"token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"],'
    b'"code_challenge_methods_supported":["S256"]}'
)
SHAPES = {
    "absent": b'{"issuer":"https://as.example"}',
    "string": b'{"token_endpoint_auth_methods_supported":"client_secret_basic"}',
    "empty": b'{"token_endpoint_auth_methods_supported":[]}',
    "pretty": b'{\n  "issuer": "https://as.example",\n  "token_endpoint_auth_methods_supported": [\n    "client_secret_post"\n  ]\n}\n',
    "escaped": b'{"token_endpoint_auth_methods_supported":["\\u006eone"]}',
    "nested": b'{"x":{"token_endpoint_auth_methods_supported":["a"]},"token_endpoint_auth_methods_supported":["a"]}',
    "compliant": b'{"token_endpoint_auth_methods_supported":["none"]}',
    "not-json": b'{"token_endpoint_auth_methods_supported":["a"],',
    "not-object": b'["token_endpoint_auth_methods_supported"]',
    "duplicate": b'{"token_endpoint_auth_methods_supported":["a"],"token_endpoint_auth_methods_supported":["b"]}',
    "number": b'{"token_endpoint_auth_methods_supported":1}',
    "signed": b'{"token_endpoint_auth_methods_supported":["a"],"signed_metadata":"e30.e30.c2ln"}',
    "utf8": '{"issuer":"https://as.example/ü","token_endpoint_auth_methods_supported":["a"]}'.encode(),
}
JSON = (b"content-type", b"application/json")


def documents():
    """Path -> (status, headers, body chunks) for every case."""
    docs = {AS: (200, [JSON, (b"etag", b'"v1"'), (b"cache-control", b"public, max-age=60"), (b"vary", b"Origin")], [MCP_SDK])}
    for name, body in SHAPES.items():
        docs[f"{AS}/{name}"] = (200, [JSON], [body])
    for name in sorted(os.listdir(DATA)):
        if name.endswith(".json"):
            with open(os.path.join(DATA, name), "rb") as f:
                docs[f"{OIDC}/{name[:-5]}"] = (200, [(b"content-type", b"application/json; charset=utf-8")], [f.read()])
    docs[f"/tenant{OIDC}"] = (200, [], [MCP_SDK[:100], MCP_SDK[100:]])
    docs[f"{AS}/gzip"] = (200, [JSON, (b"content-encoding", b"gzip")], [gzip.compress(MCP_SDK, mtime=0)])
    docs[f"{AS}/no-transform"] = (200, [JSON, (b"cache-control", b"no-transform")], [MCP_SDK])
    docs[f"{AS}/html"] = (200, [(b"content-type", b"text/html")], [MCP_SDK])
    docs[f"{AS}/missing"] = (404, [JSON], [b'{"error":"not_found"}'])
    docs[f"{AS}/digest"] = (200, [JSON, (b"content-digest", b"sha-256=:x=:"), (b"etag", b'W/"w1"')], [MCP_SDK])
    # Redirects: an authorization response and another (the iss repair's).
    docs["/authorize"] = (302, [(b"location", b"http://127.0.0.1:9/cb?code=c1&state=s1")], [b""])
    docs["/login"] = (303, [(b"location", b"/login/form?state=s1")], [b""])
    big = MCP_SDK[:-1] + b',"pad":"' + b"x" * (70 * 1024) + b'"}'
    docs[f"{AS}/big"] = (200, [JSON, (b"content-length", str(len(big)).encode())], [big])
    docs[f"{AS}/big-streamed"] = (200, [JSON], [big[i:i + 8192] for i in range(0, len(big), 8192)])
    return docs


DOCS = documents()
# Sent without Content-Length, in several chunks.
NO_LENGTH = {f"/tenant{OIDC}", f"{AS}/big-streamed"}


async def app(scope, receive, send):
    """Serves DOCS; any other path gets the MCP SDK's document too, so that a
    path wrongly matched would show. Honours If-None-Match on AS."""
    if scope["type"] != "http":
        return
    path = scope["raw_path"].split(b"?", 1)[0].decode("latin-1") if scope.get("raw_path") else scope["path"]
    status, headers, chunks = DOCS.get(path, (200, [JSON], [MCP_SDK]))
    inm = dict(scope["headers"]).get(b"if-none-match")
    if path == AS and inm is not None and b'"v1"' in inm:
        status, chunks = 304, [b""]
        headers = [(b"etag", b'"v1"'), (b"cache-control", b"public, max-age=60")]
    headers = list(headers)
    if path not in NO_LENGTH and status != 304 and not any(n == b"content-length" for n, _ in headers):
        headers.append((b"content-length", str(sum(map(len, chunks))).encode()))
    seen = b",".join(n + b"=" + v for n, v in scope["headers"] if n in (b"accept-encoding", b"range", b"if-none-match", b"if-modified-since"))
    headers.append((b"x-seen", seen or b"-"))
    headers.append((b"x-method", scope["method"].encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    for i, chunk in enumerate(chunks):
        await send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1})


def requests(suffix):
    """(method, raw target, headers) for every case; `suffix` is the
    middleware's ETag suffix (the proxy's is the same: same rules)."""
    # First a redirect, to fresh instances: both learn the issuer from the
    # upstream's own metadata (later documents name other issuers, and then
    # both stop adding iss: more than one issuer behind one repair).
    out = [("GET", "/authorize", {}), ("GET", "/login", {})]
    for path in DOCS:
        out.append(("GET", path, {}))
        out.append(("HEAD", path, {}))
    out += [
        ("GET", AS + "?x=1", {}),
        ("GET", AS, {"Accept-Encoding": "gzip", "Range": "bytes=0-9", "If-Modified-Since": "Tue, 01 Sep 2026 00:00:00 GMT"}),
        ("GET", AS, {"If-None-Match": f'"v1{suffix}"'}),
        ("HEAD", AS, {"If-None-Match": f'"v1{suffix}"'}),
        ("GET", AS, {"If-None-Match": '"v1"'}),
        ("GET", AS, {"If-None-Match": "*"}),
        ("POST", AS, {"Content-Length": "0"}),
        ("GET", AS + "-evil", {}),
        ("GET", AS + "/", {}),
        ("GET", "/.WELL-KNOWN/OAUTH-AUTHORIZATION-SERVER", {}),
        ("GET", AS + "/../../api/me.json", {}),
        ("GET", AS + "/%2e%2e/x", {}),
        ("GET", "/tenant/%2E%2E" + OIDC, {}),
        ("GET", "/a//b" + OIDC, {}),
        ("GET", AS + "/a%2fb", {}),
        ("GET", "/.well-known/oauth-protected-resource", {}),
        ("GET", "/api/other", {"Accept-Encoding": "gzip"}),
    ]
    return out
