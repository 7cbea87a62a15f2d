"""A strict OAuth 2.1 public client (as MCP clients are): discovery, dynamic
registration with token_endpoint_auth_method "none", authorization code with
PKCE S256, token exchange and refresh, all without a client secret. Every step
is asserted; a failure names its step and exits 1.

    python public_client.py AS_URL [DIRECT_AS_URL] [--mcp MCP_URL]

AS_URL is where the client discovers the server (the proxy). DIRECT_AS_URL,
if given, is the unproxied server: the script first checks that its document
really lacks "none", proving the pinned SDK still has the bug. With --mcp,
the access token then calls the `add` tool over Streamable HTTP (step 7).
"""

import base64
import hashlib
import json
import secrets
import sys
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

WELL_KNOWN = "/.well-known/oauth-authorization-server"
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never contacted: the redirect is read, not followed


def fail(step, why):
    print(f"FAIL step {step}: {why}", file=sys.stderr)
    sys.exit(1)


def check(step, condition, why):
    if not condition:
        fail(step, why)
    print(f"ok   step {step}")


def rpc(http, url, token, session, msg):
    """One JSON-RPC message over Streamable HTTP; the answer, JSON or SSE."""
    headers = {"authorization": f"Bearer {token}", "accept": "application/json, text/event-stream",
               "mcp-protocol-version": "2025-06-18"}
    if session:
        headers["mcp-session-id"] = session
    res = http.post(url, json=msg, headers=headers)
    if "id" not in msg:
        return res, None
    if res.headers.get("content-type", "").startswith("text/event-stream"):
        for line in res.text.splitlines():
            if line.startswith("data:"):
                data = json.loads(line[5:])
                if data.get("id") == msg["id"]:
                    return res, data
        return res, None
    return res, res.json() if res.content else None


def call_tool(http, mcp_url, token):
    res, init = rpc(http, mcp_url, token, None, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "strict", "version": "1"}}})
    check("7 tool call", res.status_code == 200 and init and "result" in init, f"initialize: {res.status_code} {res.text[:200]}")
    session = res.headers.get("mcp-session-id")
    rpc(http, mcp_url, token, session, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    res, out = rpc(http, mcp_url, token, session, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                                   "params": {"name": "add", "arguments": {"a": 2, "b": 3}}})
    text = "".join(c.get("text", "") for c in ((out or {}).get("result") or {}).get("content", []))
    check("7 tool call", text.strip() == "5", f"tools/call answered {out}")
    if session:
        http.delete(mcp_url, headers={"authorization": f"Bearer {token}", "mcp-session-id": session})


def main():
    args = sys.argv[1:]
    mcp_url = None
    if "--mcp" in args:
        i = args.index("--mcp")
        mcp_url = args[i + 1]
        del args[i:i + 2]
    as_url = args[0].rstrip("/")
    direct = args[1].rstrip("/") if len(args) > 1 else None
    http = httpx.Client(timeout=10.0, follow_redirects=False)

    if direct:
        doc = http.get(direct + WELL_KNOWN).json()
        methods = doc.get("token_endpoint_auth_methods_supported")
        check("1 discovery direct", "none" not in (methods or []),
              f"the unproxied server already lists none ({methods}): the bug is not reproduced")

    res = http.get(as_url + WELL_KNOWN)
    check("2 discovery", res.status_code == 200, f"status {res.status_code}")
    meta = res.json()
    methods = meta.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    check("2 discovery", "none" in methods,
          f"token_endpoint_auth_methods_supported is {methods}: a strict public client refuses "
          "this server (is the proxy bypassed or the layer removed?)")
    check("2 discovery", "S256" in meta.get("code_challenge_methods_supported", []), "no PKCE S256")

    res = http.post(meta["registration_endpoint"], json={
        "client_name": "oauth-metadata-repair interop",
        "redirect_uris": [REDIRECT_URI],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": "user",
    })
    check("3 registration", res.status_code in (200, 201), f"status {res.status_code}: {res.text}")
    client = res.json()
    client_id = client.get("client_id")
    check("3 registration", bool(client_id), f"no client_id in {client}")
    check("3 registration", not client.get("client_secret"), "a client secret was issued to a public client")
    check("3 registration", client.get("token_endpoint_auth_method") == "none",
          f"registered as {client.get('token_endpoint_auth_method')}")

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    res = http.get(meta["authorization_endpoint"] + "?" + urlencode({
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
        "scope": "user",
    }))
    check("4 authorization", res.status_code in (302, 303, 307), f"status {res.status_code}: {res.text}")
    location = urlparse(res.headers["location"])
    query = parse_qs(location.query)
    check("4 authorization", f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI,
          f"redirected to {res.headers['location']}")
    check("4 authorization", query.get("state") == [state], f"state came back as {query.get('state')}")
    code = (query.get("code") or [None])[0]
    check("4 authorization", bool(code), f"no code in {res.headers['location']}")

    res = http.post(meta["token_endpoint"], data={
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": client_id,
        "code_verifier": verifier,
    })
    check("5 token exchange without secret", res.status_code == 200, f"status {res.status_code}: {res.text}")
    tokens = res.json()
    check("5 token exchange without secret", bool(tokens.get("access_token")) and bool(tokens.get("refresh_token")),
          f"tokens: {tokens}")

    res = http.post(meta["token_endpoint"], data={
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": client_id,
    })
    check("6 refresh without secret", res.status_code == 200, f"status {res.status_code}: {res.text}")
    refreshed = res.json()
    check("6 refresh without secret", refreshed.get("access_token") not in (None, tokens["access_token"]),
          f"no new access token: {refreshed}")
    if mcp_url:
        call_tool(http, mcp_url, refreshed["access_token"])
    print("public-client login through the proxy: all steps passed")


if __name__ == "__main__":
    main()
