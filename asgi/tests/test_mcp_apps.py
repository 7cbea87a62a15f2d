"""The middleware in front of real MCP apps (mcp 1.27.1 and 2.3.0, FastMCP
3.3.1 and 4.2.3, from tests/interop's venvs), with the README's one line
for each: the discovery document gains "none" and nothing else changes,
and every other route answers byte for byte as without the middleware."""

import http.client
import json
import urllib.parse
import os
import sys

import pytest
from conftest import ROOT, Processes, free_port

SERVERS = {
    "mcp-1.27.1": "sdk_server.py",
    "mcp-2.3.0": "sdk_server.py",
    "fastmcp-3.3.1": "fastmcp_server.py",
    "fastmcp-4.2.3": "fastmcp_server.py",
}
# The one line each case tests (INTEROP_ASGI_MIDDLEWARE in the scripts).
LINES = [(server, "1") for server in SERVERS] + [("fastmcp-4.2.3", "http_app")]
AS = "/.well-known/oauth-authorization-server"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSONH = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
# Every route but the document itself, with deterministic answers.
OTHER_ROUTES = [
    ("GET", "/.well-known/oauth-protected-resource", {}, b""),
    ("GET", "/.well-known/oauth-protected-resource/mcp", {}, b""),
    ("GET", "/.well-known/openid-configuration", {}, b""),
    ("OPTIONS", AS, {"Origin": "http://example.test", "Access-Control-Request-Method": "GET"}, b""),
    ("POST", AS, {}, b""),
    ("GET", AS + "/../x", {}, b""),
    ("GET", "/authorize", {}, b""),
    ("GET", "/authorize?client_id=nobody&response_type=code&redirect_uri=http://127.0.0.1:1/cb", {}, b""),
    ("POST", "/token", FORM, b"grant_type=authorization_code&code=x&client_id=nobody"),
    ("POST", "/register", {"Content-Type": "application/json"}, b"{}"),
    ("POST", "/revoke", FORM, b"token=x"),
    ("POST", "/mcp", JSONH, b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}'),
    ("GET", "/mcp", {}, b""),
    ("GET", "/no-such-route", {}, b""),
]


def site():
    """Where the runner installed the package for the servers' venvs."""
    path = os.environ.get("OMR_ASGI_SITE")
    if not path:
        raise RuntimeError("set OMR_ASGI_SITE to a folder holding the installed package (scripts/asgi_test.sh does)")
    return path


def fetch(port, method, target, headers, body=b""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, target, body=body or None, headers=headers)
        res = conn.getresponse()
        got = sorted((n.lower(), v) for n, v in res.getheaders() if n.lower() not in ("date", "server"))
        return res.status, got, res.read()
    finally:
        conn.close()


def start(procs, python, script, port, issuer, line):
    # One hash seed for both: Starlette lists `Allow` from a set.
    env = {"PYTHONPATH": site(), "INTEROP_REGISTRATIONS": os.devnull, "PYTHONHASHSEED": "0"}
    if line:
        env["INTEROP_ASGI_MIDDLEWARE"] = line
    procs.start([python, script, str(port), issuer], port, env=env, stdout=sys.stderr, stderr=sys.stderr)


@pytest.mark.parametrize("server,line", LINES)
def test_the_one_line_repairs_the_document_and_changes_nothing_else(server, line):
    python = os.path.join(ROOT, "target", "interop", f"venv-{server}", "bin", "python")
    script = os.path.join(ROOT, "tests", "interop", SERVERS[server])
    procs = Processes()
    try:
        bare, wrapped = free_port(), free_port()
        issuer = f"http://127.0.0.1:{bare}"  # the same for both: same bytes
        start(procs, python, script, bare, issuer, "")
        start(procs, python, script, wrapped, issuer, line)
        b, w = fetch(bare, "GET", AS, {}), fetch(wrapped, "GET", AS, {})
        assert b[0] == w[0] == 200
        assert b'"none"' not in b[2], "the server has the bug this test needs"
        # The wrapped document is the bare one plus ',"none"' in the array
        # and the iss advertisement (on by default) as its last member.
        advertised = b',"authorization_response_iss_parameter_supported":true}'
        assert w[2].endswith(advertised)
        doc = w[2][: -len(advertised)] + b"}"
        field = b'"token_endpoint_auth_methods_supported":['
        at = doc.index(field)
        end = doc.index(b"]", at)
        assert doc[end - 7:end] == b',"none"' and doc[: end - 7] + doc[end:] == b[2]
        length = dict(w[1])["content-length"]
        assert length == str(len(w[2]))
        assert [h for h in w[1] if h[0] != "content-length"] == [h for h in b[1] if h[0] != "content-length"]
        head = fetch(wrapped, "HEAD", AS, {})
        assert head[0] == 200 and head[2] == b"" and dict(head[1])["content-length"] == length
        for method, target, headers, body in OTHER_ROUTES:
            got_bare = fetch(bare, method, target, headers, body)
            got_wrapped = fetch(wrapped, method, target, headers, body)
            assert got_wrapped == got_bare, f"{server}: {method} {target}"
    finally:
        procs.stop()


def test_a_mounted_app_under_a_wrapped_parent():
    python = os.path.join(ROOT, "target", "interop", "venv-mcp-1.27.1", "bin", "python")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mounted_app.py")
    procs = Processes()
    try:
        port = free_port()
        procs.start([python, script, str(port), f"http://127.0.0.1:{port}/api"], port,
                    env={"PYTHONPATH": site()}, stdout=sys.stderr, stderr=sys.stderr)
        status, _, body = fetch(port, "GET", "/api" + AS, {})
        assert status == 200 and b'"client_secret_basic","none"]' in body
    finally:
        procs.stop()


@pytest.mark.parametrize("server", ["mcp-1.27.1", "mcp-2.3.0"])
def test_iss_on_a_real_mcp_app(server):
    """The iss repair (on by default) on the SDK's own authorization server:
    a public client registers, is sent back with a code, and that redirect
    now names the issuer, which the metadata advertises."""
    python = os.path.join(ROOT, "target", "interop", f"venv-{server}", "bin", "python")
    script = os.path.join(ROOT, "tests", "interop", SERVERS[server])
    procs = Processes()
    try:
        port = free_port()
        issuer = f"http://127.0.0.1:{port}"
        env = {"PYTHONPATH": site(), "INTEROP_REGISTRATIONS": os.devnull, "INTEROP_ASGI_MIDDLEWARE": "1"}
        procs.start([python, script, str(port), issuer], port, env=env, stdout=sys.stderr, stderr=sys.stderr)
        callback = "http://127.0.0.1:9/cb"
        client = json.dumps({"redirect_uris": [callback], "token_endpoint_auth_method": "none",
                             "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]})
        status, _, body = fetch(port, "POST", "/register", {"Content-Type": "application/json"}, client.encode())
        assert status == 201, body
        client_id = json.loads(body)["client_id"]
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": client_id, "redirect_uri": callback, "state": "s1",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256", "scope": "user",
        })
        status, headers, _ = fetch(port, "GET", f"/authorize?{query}", {})
        location = dict(headers)["location"]
        assert status == 302 and location.startswith(callback + "?code=")
        # The issuer as the metadata states it (mcp 1.x adds a slash, 2.x not).
        _, _, doc = fetch(port, "GET", AS, {})
        meta = json.loads(doc)
        assert location.endswith("&state=s1&iss=" + urllib.parse.quote(meta["issuer"], safe=""))
        assert meta["issuer"].rstrip("/") == issuer
        assert meta["authorization_response_iss_parameter_supported"] is True
    finally:
        procs.stop()
