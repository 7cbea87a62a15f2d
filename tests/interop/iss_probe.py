"""One RFC 9207 probe of a running MCP authorization server, as a browser and
a client would see it, printed as JSON.

    python iss_probe.py BASE_URL

In this order, so that a proxy in front has seen no metadata yet: register a
public client (POST /register), send /authorize (success: PKCE, state) and
/authorize with an unknown scope (an error response, when the server
redirects one), each without following the redirect; then read
/.well-known/oauth-authorization-server. Prints the metadata's issuer,
whether it advertises authorization_response_iss_parameter_supported, and
each redirect's Location and its iss. Standard library only; loopback only,
no proxy from the environment.
"""

import base64
import hashlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

REDIRECT_URI = "http://127.0.0.1:33418/oauth/callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# No proxy from the environment, no redirect followed.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)


def send(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(req, timeout=20) as res:
            return res.status, dict(res.headers), res.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def authorize(base, client_id, scope):
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "state": "state-" + scope,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": scope,
            "resource": base + "/mcp",
        }
    )
    status, headers, _ = send(f"{base}/authorize?{query}")
    location = headers.get("Location") or headers.get("location")
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(location or "").query)
    return {
        "status": status,
        "location": location,
        "iss": params.get("iss", [None])[0],
        "has_code": "code" in params,
        "has_error": "error" in params,
    }


def main():
    base = sys.argv[1].rstrip("/")
    registration = {
        "redirect_uris": [REDIRECT_URI],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "client_name": "iss probe",
        "scope": "user",
    }
    status, _, body = send(
        f"{base}/register",
        json.dumps(registration).encode(),
        {"Content-Type": "application/json"},
    )
    if status not in (200, 201):
        print(json.dumps({"error": f"registration answered {status}: {body[:200]!r}"}))
        return
    client_id = json.loads(body)["client_id"]
    success = authorize(base, client_id, "user")
    error = authorize(base, client_id, "no-such-scope")
    status, _, body = send(f"{base}/.well-known/oauth-authorization-server")
    metadata = json.loads(body) if status == 200 else {}
    print(
        json.dumps(
            {
                "issuer": metadata.get("issuer"),
                "advertised": metadata.get("authorization_response_iss_parameter_supported"),
                "success": success,
                "error": error,
            }
        )
    )


if __name__ == "__main__":
    main()
