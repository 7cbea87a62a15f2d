"""The RFC 9207 iss repair through direct ASGI calls: redirects that are
authorization responses get iss, the metadata advertises it, as the layer
does (the decisions are the library's: oauth_metadata_repair::plain)."""

import asyncio

import pytest
from oauth_metadata_repair_asgi import RepairMetadataMiddleware

AS = "/.well-known/oauth-authorization-server"
OIDC = "/.well-known/openid-configuration"
DOC = b'{"issuer":"http://127.0.0.1:8000/","token_endpoint_auth_methods_supported":["client_secret_post"]}'
CALLBACK = b"http://127.0.0.1:9/cb?code=c1&state=s1"
WITH_ISS = CALLBACK + b"&iss=http%3A%2F%2F127.0.0.1%3A8000%2F"


class Server:
    """Metadata at AS (or nowhere), /authorize redirecting to the client."""

    def __init__(self, metadata=True, location=CALLBACK):
        self.metadata, self.location = metadata, location
        self.seen = []

    async def __call__(self, scope, receive, send):
        self.seen.append((scope["method"], scope["path"], list(scope["headers"])))
        if scope["path"] == AS and self.metadata:
            status, headers, body = 200, [(b"content-type", b"application/json")], DOC
        elif scope["path"] == "/authorize":
            status, headers, body = 302, [(b"location", self.location), (b"x-a", b"1")], b""
        else:
            status, headers, body = 404, [], b"no"
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def get(middleware, path):
    sent = []

    async def receive():
        return {"type": "http.request"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"host", b"127.0.0.1:8000"), (b"cookie", b"secret")]}
    asyncio.run(middleware(scope, receive, send))
    return sent


def test_the_first_redirect_learns_the_issuer_from_the_apps_own_metadata():
    app = Server()
    mw = RepairMetadataMiddleware(app, iss=True)
    sent = get(mw, "/authorize")
    assert sent[0]["headers"] == [(b"location", WITH_ISS), (b"x-a", b"1")]
    # The layer's fetch: GET of the metadata, identity, no client cookie.
    assert app.seen[1] == ("GET", AS, [(b"accept-encoding", b"identity"), (b"host", b"127.0.0.1:8000")])
    # Learned once: the next redirect fetches nothing.
    get(mw, "/authorize")
    assert [s[1] for s in app.seen] == ["/authorize", AS, "/authorize"]


def test_the_metadata_advertises_iss_and_teaches_the_issuer():
    app = Server()
    mw = RepairMetadataMiddleware(app, iss=True)
    body = get(mw, AS)[1]["body"]
    assert body == DOC[:-1].replace(b'"]', b'","none"]') + b',"authorization_response_iss_parameter_supported":true}'
    assert get(mw, "/authorize")[0]["headers"][0] == (b"location", WITH_ISS)
    assert [s[1] for s in app.seen] == [AS, "/authorize"]


def test_a_configured_issuer_is_used_without_fetching():
    app = Server()
    sent = get(RepairMetadataMiddleware(app, iss="https://as.example"), "/authorize")
    assert sent[0]["headers"][0] == (b"location", CALLBACK + b"&iss=https%3A%2F%2Fas.example")
    assert [s[1] for s in app.seen] == ["/authorize"]


@pytest.mark.parametrize("location", [b"/login?state=s1", b"/cb?code=1&state=2&iss=x", b"/cb"])
def test_other_redirects_are_left_alone(location):
    app = Server(location=location)
    sent = get(RepairMetadataMiddleware(app, iss=True), "/authorize")
    assert sent[0]["headers"][0] == (b"location", location)
    assert [s[1] for s in app.seen] == ["/authorize"]


def test_on_by_default_as_in_the_proxy_and_off_with_false():
    assert get(RepairMetadataMiddleware(Server()), "/authorize")[0]["headers"][0] == (b"location", WITH_ISS)
    app = Server()
    assert get(RepairMetadataMiddleware(app, iss=False), "/authorize")[0]["headers"][0] == (b"location", CALLBACK)
    assert b"authorization_response_iss_parameter_supported" not in get(RepairMetadataMiddleware(app, iss=False), AS)[1]["body"]


def test_no_metadata_sends_the_redirect_as_it_came_and_stops_fetching():
    app = Server(metadata=False)
    mw = RepairMetadataMiddleware(app, iss=True)
    assert get(mw, "/authorize")[0]["headers"][0] == (b"location", CALLBACK)
    assert [s[1] for s in app.seen] == ["/authorize", AS, OIDC]
    get(mw, "/authorize")
    assert [s[1] for s in app.seen] == ["/authorize", AS, OIDC, "/authorize"]


def test_an_empty_issuer_is_refused():
    with pytest.raises(ValueError, match="iss"):
        RepairMetadataMiddleware(Server(), iss="")
