"""The middleware through direct ASGI calls: a case per behaviour (the
manual's "The ASGI middleware", docs/src/asgi.md). Every message the
middleware sends is recorded."""

import asyncio
import copy

import pytest
from oauth_metadata_repair_asgi import DEFAULT_MAX_BODY_BYTES, RepairMetadataMiddleware
from oauth_metadata_repair_asgi._native import Rules

AS = "/.well-known/oauth-authorization-server"
DOC = b'{"issuer":"https://as.example","token_endpoint_auth_methods_supported":["client_secret_post"]}'
FIXED = b'{"issuer":"https://as.example","token_endpoint_auth_methods_supported":["client_secret_post","none"]}'
JSON = (b"content-type", b"application/json")


class App:
    """A configurable application: records the scope it got, then sends a
    start, the body in chunks, optional trailers or extra messages, and
    optionally raises after some chunks."""

    def __init__(self, status=200, headers=(JSON,), chunks=(DOC,), trailers=None, extra=(), raise_after=None):
        self.status, self.headers, self.chunks = status, list(headers), list(chunks)
        self.trailers, self.extra, self.raise_after = trailers, list(extra), raise_after
        self.scope = None

    async def __call__(self, scope, receive, send):
        self.scope = scope
        start = {"type": "http.response.start", "status": self.status, "headers": list(self.headers)}
        if self.trailers is not None:
            start["trailers"] = True
        await send(start)
        for i, chunk in enumerate(self.chunks):
            if self.raise_after == i:
                raise RuntimeError("boom")
            last = i == len(self.chunks) - 1 and not self.extra
            await send({"type": "http.response.body", "body": chunk, "more_body": not last})
        for message in self.extra:
            await send(message)
        if self.trailers is not None:
            await send({"type": "http.response.trailers", "headers": list(self.trailers), "more_trailers": False})


def scope_for(method="GET", path=AS, headers=(), query=b""):
    raw = path.encode() + (b"?" + query if query else b"")
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": raw, "query_string": query, "root_path": "",
        "headers": [(n.encode(), v.encode()) for n, v in headers], "server": ("127.0.0.1", 80),
    }


def call(app, scope=None, **options):
    """Runs one request; returns (messages sent, the scope the app saw). The
    iss repair (on by default) is off here: test_iss.py tests it."""
    options.setdefault("iss", False)
    scope = scope or scope_for()
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(RepairMetadataMiddleware(app, **options)(scope, receive, send))
    return sent, app.scope


def headers_of(messages):
    return dict(messages[0]["headers"])


def body_of(messages):
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


def test_repairs_a_get_and_sets_content_length():
    sent, _ = call(App(headers=[JSON, (b"content-length", str(len(DOC)).encode())]))
    assert body_of(sent) == FIXED
    assert headers_of(sent)[b"content-length"] == str(len(FIXED)).encode()
    assert sent[-1]["more_body"] is False


def test_a_document_in_many_chunks_is_repaired_whole():
    sent, _ = call(App(chunks=[DOC[:10], b"", DOC[10:30], DOC[30:]]))
    assert body_of(sent) == FIXED
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


def test_head_is_sent_as_get_and_answered_with_the_get_head_and_no_body():
    sent, seen = call(App(), scope_for("HEAD"))
    assert seen["method"] == "GET"
    assert headers_of(sent)[b"content-length"] == str(len(FIXED)).encode()
    assert body_of(sent) == b""


def test_the_path_is_matched_raw_without_the_query():
    sent, _ = call(App(), scope_for(query=b"x=1"))
    assert body_of(sent) == FIXED
    # The decoded path is ignored when the raw path is there.
    scope = scope_for(path="/.well-known/oauth-authorization-server/../api")
    scope["path"] = AS
    sent, seen = call(App(), scope)
    assert body_of(sent) == DOC and seen is scope


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", AS),
        ("GET", AS + "-evil"),
        ("GET", AS + "/"),
        ("GET", "/.WELL-KNOWN/OAUTH-AUTHORIZATION-SERVER"),
        ("GET", AS + "/../../api/me.json"),
        ("GET", AS + "/%2e%2e/x"),
        ("GET", "/a//.well-known/openid-configuration"),
        ("GET", "/.well-known/oauth-protected-resource"),
    ],
)
def test_other_requests_reach_the_app_as_they_came_and_come_back_untouched(method, path):
    app = App(headers=[JSON, (b"etag", b'"v1"')])
    scope = scope_for(method, path, [("accept-encoding", "gzip")])
    sent, seen = call(app, scope)
    assert seen is scope
    assert body_of(sent) == DOC and headers_of(sent) == {b"content-type": b"application/json", b"etag": b'"v1"'}


def test_the_request_asks_for_an_editable_document_and_the_server_scope_is_not_mutated():
    scope = scope_for(headers=[("accept-encoding", "gzip, br"), ("range", "bytes=0-9"), ("if-range", '"v1"'),
                               ("if-modified-since", "Tue, 01 Sep 2026 00:00:00 GMT"), ("x-keep", "1")])
    before = copy.deepcopy(scope)
    _, seen = call(App(), scope)
    assert scope == before
    assert seen is not scope
    assert seen["headers"] == [(b"accept-encoding", b"identity"), (b"x-keep", b"1")]


@pytest.mark.parametrize(
    "status,headers",
    [
        (404, [JSON]),
        (206, [JSON]),
        (200, [JSON, (b"content-encoding", b"gzip")]),
        (200, [(b"content-type", b"text/html")]),
        (200, [JSON, (b"cache-control", b"max-age=60, no-transform")]),
        (200, [JSON, (b"content-length", b"999999")]),
    ],
)
def test_responses_that_are_not_eligible_pass_through_untouched(status, headers):
    app = App(status=status, headers=headers)
    sent, _ = call(app)
    assert sent[0] == {"type": "http.response.start", "status": status, "headers": headers}
    assert body_of(sent) == DOC


def test_untyped_and_plus_json_documents_are_repaired():
    assert body_of(call(App(headers=[]))[0]) == FIXED
    assert body_of(call(App(headers=[(b"content-type", b"application/jrd+json; charset=utf-8")]))[0]) == FIXED


def test_no_transform_is_repaired_when_asked():
    sent, _ = call(App(headers=[JSON, (b"cache-control", b"no-transform")]), repair_no_transform=True)
    assert body_of(sent) == FIXED


def test_a_body_over_the_limit_is_replayed_then_streamed():
    chunks = [DOC[:40], DOC[40:80], DOC[80:]]
    sent, _ = call(App(chunks=chunks), max_body_bytes=50)
    assert sent[0]["headers"] == [JSON]
    assert [m.get("body") for m in sent[1:]] == [DOC[:80], DOC[80:]]
    assert [m.get("more_body") for m in sent[1:]] == [True, False]


def test_the_limit_admits_a_document_of_exactly_that_size():
    assert body_of(call(App(), max_body_bytes=len(DOC))[0]) == FIXED
    assert body_of(call(App(), max_body_bytes=len(DOC) - 1)[0]) == DOC


def test_etag_is_derived_and_digests_are_dropped():
    headers = [JSON, (b"etag", b'W/"v1"'), (b"content-digest", b"sha-256=:x=:"), (b"repr-digest", b"x"),
               (b"content-md5", b"x"), (b"digest", b"x"), (b"transfer-encoding", b"chunked"), (b"vary", b"Origin")]
    sent, _ = call(App(headers=headers))
    suffix = Rules(iss=False).etag_suffix
    assert headers_of(sent) == {
        b"content-type": b"application/json", b"etag": b'W/"v1' + suffix.encode() + b'"',
        b"vary": b"Origin", b"content-length": str(len(FIXED)).encode(),
    }


def test_if_none_match_is_mapped_back_and_a_304_is_relabelled():
    suffix = Rules(iss=False).etag_suffix
    ours = f'"v1{suffix}", "cached-before"'
    app = App(status=304, headers=[(b"etag", b'"v1"')], chunks=[b""])
    sent, seen = call(app, scope_for(headers=[("if-none-match", ours)]))
    assert dict(seen["headers"])[b"if-none-match"] == b'"v1"'
    assert sent[0]["status"] == 304
    assert headers_of(sent)[b"etag"] == f'"v1{suffix}"'.encode()
    # A tag the middleware did not issue is not forwarded: it may label an
    # unrepaired copy.
    _, seen = call(App(), scope_for(headers=[("if-none-match", '"v1"')]))
    assert b"if-none-match" not in dict(seen["headers"])


def test_an_already_compliant_document_keeps_its_headers_and_bytes():
    headers = [JSON, (b"etag", b'"v1"'), (b"content-digest", b"x")]
    sent, _ = call(App(headers=headers, chunks=[FIXED]))
    assert sent[0]["headers"] == headers and body_of(sent) == FIXED


def test_trailers_pass_through_and_lose_their_digests_once_repaired():
    app = App(trailers=[(b"content-digest", b"x"), (b"x-t", b"1")])
    sent, _ = call(app)
    assert sent[0]["trailers"] is True and body_of(sent) == FIXED
    assert sent[-1] == {"type": "http.response.trailers", "headers": [(b"x-t", b"1")], "more_trailers": False}
    untouched, _ = call(App(headers=[(b"content-type", b"text/plain")], trailers=[(b"content-digest", b"x")]))
    assert untouched[-1]["headers"] == [(b"content-digest", b"x")]


def test_pathsend_and_other_messages_pass_through_in_order():
    pathsend = {"type": "http.response.pathsend", "path": "/srv/doc.json"}
    sent, _ = call(App(chunks=[], extra=[pathsend]))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
    assert sent[1] is pathsend


@pytest.mark.parametrize("kind", ["lifespan", "websocket"])
def test_lifespan_and_websocket_pass_through_in_order(kind):
    got = []

    async def app(scope, receive, send):
        got.append(scope)
        got.append(await receive())
        await send({"type": f"{kind}.one"})
        await send({"type": f"{kind}.two"})

    scope = {"type": kind, "path": AS, "raw_path": AS.encode(), "headers": []}
    sent = []

    async def receive():
        return {"type": f"{kind}.in"}

    async def send(message):
        sent.append(message)

    asyncio.run(RepairMetadataMiddleware(app)(scope, receive, send))
    assert got == [scope, {"type": f"{kind}.in"}] and got[0] is scope
    assert sent == [{"type": f"{kind}.one"}, {"type": f"{kind}.two"}]


def test_an_app_raising_mid_body_gets_what_was_read_sent_then_the_error_raised():
    with pytest.raises(RuntimeError, match="boom"):
        call(App(chunks=[DOC[:20], DOC[20:]], raise_after=1))
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    app = App(chunks=[DOC[:20], DOC[20:]], raise_after=1)
    with pytest.raises(RuntimeError):
        asyncio.run(RepairMetadataMiddleware(app)(scope_for(), receive, send))
    assert sent[0]["headers"] == [JSON]
    assert sent[1] == {"type": "http.response.body", "body": DOC[:20], "more_body": True}
    assert len(sent) == 2


def test_an_app_raising_before_its_start_sends_nothing():
    async def app(scope, receive, send):
        raise ValueError("early")

    with pytest.raises(ValueError):
        call(app)


def test_options_are_the_proxys_repair_flags():
    sent, _ = call(App(), prepend=True)
    assert body_of(sent) == DOC.replace(b'["client_secret_post"]', b'["none","client_secret_post"]')
    sent, _ = call(App(), rules=["s256"])
    assert body_of(sent).endswith(b',"code_challenge_methods_supported":["S256"]}')
    sent, _ = call(App(), scope_for(path="/meta/as.json"), paths=["/meta/as.json"])
    assert body_of(sent) == FIXED
    signed = DOC[:-1] + b',"signed_metadata":"e30.e30.sig"}'
    assert body_of(call(App(chunks=[signed]))[0]) != signed
    assert body_of(call(App(chunks=[signed]), skip_signed_metadata=True)[0]) == signed
    assert DEFAULT_MAX_BODY_BYTES == 64 * 1024 == Rules().max_body_bytes


@pytest.mark.parametrize(
    "options,message",
    [
        ({"rules": ["nope"]}, "unknown rule"),
        ({"paths": ["meta"]}, "starts with /"),
        ({"paths": ["/a/../b"]}, "not a clean path"),
    ],
)
def test_bad_options_are_refused_at_construction(options, message):
    with pytest.raises(ValueError, match=message):
        RepairMetadataMiddleware(App(), **options)


def test_bad_response_headers_from_the_app_are_an_error_not_a_crash():
    with pytest.raises(TypeError):
        call(App(headers=[(b"content-type",)]))


def test_the_apps_error_wins_over_a_failed_send_of_what_was_read():
    async def send(message):
        raise OSError("client gone")

    async def receive():
        return {"type": "http.request"}

    app = App(chunks=[DOC[:20], DOC[20:]], raise_after=1)
    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(RepairMetadataMiddleware(app)(scope_for(), receive, send))
