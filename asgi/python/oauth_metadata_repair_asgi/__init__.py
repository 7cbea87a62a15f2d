"""ASGI middleware that makes OAuth discovery documents admit public clients.

It adds ``"none"`` to ``token_endpoint_auth_methods_supported`` in the
discovery documents your application serves, exactly as the
``oauth-metadata-repair`` proxy and Tower layer do: the rules are the Rust
library's, called through a small extension; this module only carries ASGI
messages to them and back.

    from oauth_metadata_repair_asgi import RepairMetadataMiddleware
    app = RepairMetadataMiddleware(mcp.streamable_http_app())
"""

from ._native import DEFAULT_MAX_BODY_BYTES, Rules, __version__, drop_digests

__all__ = ["DEFAULT_MAX_BODY_BYTES", "RepairMetadataMiddleware", "__version__"]

_HTTP = "http"
_START = "http.response.start"
_BODY = "http.response.body"
_TRAILERS = "http.response.trailers"


class RepairMetadataMiddleware:
    """Wraps an ASGI application; repairs its discovery documents.

    The options are the proxy's repair flags, with the proxy's defaults:

    - ``max_body_bytes``: the largest document buffered for repair (64 KiB);
      a larger one is streamed unchanged (``--max-body-bytes``);
    - ``rules``: extra repairs, any of ``"revocation"``, ``"introspection"``,
      ``"s256"`` (``--rule``);
    - ``prepend``: put ``"none"`` first instead of last (``--prepend``);
    - ``paths``: more exact paths that serve a discovery document, besides
      the RFC 8414 and OpenID placements (``--path``);
    - ``repair_no_transform``: repair documents marked
      ``Cache-Control: no-transform`` too (``--repair-no-transform``);
    - ``skip_signed_metadata``: leave documents with ``signed_metadata``
      alone (``--skip-signed-metadata``);
    - ``iss``: the RFC 9207 ``iss`` repair, on as in the proxy: ``True``
      learns the issuer from the application's own metadata, a string sets
      it (``--iss-issuer``), ``False`` turns it off (``--no-iss``);
      redirects that are authorization responses get ``iss`` and the
      metadata advertises ``authorization_response_iss_parameter_supported``.
    """

    def __init__(
        self,
        app,
        *,
        max_body_bytes=DEFAULT_MAX_BODY_BYTES,
        rules=(),
        prepend=False,
        paths=(),
        repair_no_transform=False,
        skip_signed_metadata=False,
        iss=True,
    ):
        self.app = app
        self._rules = Rules(
            max_body_bytes=max_body_bytes,
            rules=list(rules),
            prepend=prepend,
            paths=list(paths),
            repair_no_transform=repair_no_transform,
            skip_signed_metadata=skip_signed_metadata,
            iss=iss,
        )
        self._iss = self._rules.iss

    async def __call__(self, scope, receive, send):
        if scope["type"] != _HTTP:
            # lifespan, websocket and anything newer: not ours.
            return await self.app(scope, receive, send)
        raw = scope.get("raw_path")
        # The raw path, as received, without the query; servers that give no
        # raw path give the decoded one, which the application routes on.
        path = raw.split(b"?", 1)[0] if raw else scope["path"].encode("utf-8", "surrogateescape")
        planned = self._rules.plan_request(scope["method"], path, scope.get("headers", ()))
        if planned is None:
            if self._iss:
                return await self.app(scope, receive, _Redirects(self, scope, send).send)
            return await self.app(scope, receive, send)
        plan, headers = planned
        # The server's scope is copied, never mutated.
        inner = dict(scope)
        inner["headers"] = headers
        if plan.head:
            inner["method"] = "GET"
        response = _Response(self._rules, plan, send)
        try:
            await self.app(inner, receive, response.send)
        except BaseException:
            # What was read goes out, then the error: never a short document
            # that looks complete. A failure to send that must not hide it.
            try:
                await response.release(more_body=True)
            except Exception:
                pass
            raise
        # An application that returned without finishing its body: what was
        # read goes out, and the response stays unfinished, as it was.
        await response.release(more_body=True)

    async def _learn_issuer(self, scope):
        """Fetches the application's own metadata until the issuer is known,
        as the layer does on the first redirect that needs it."""
        rules = self._rules
        for path in rules.metadata_paths:
            status, headers, body = await self._fetch(scope, path)
            if status is not None and rules.learn(status, headers, body):
                return
        rules.metadata_unavailable()

    async def _fetch(self, scope, path):
        """One GET of PATH from the application: (status, headers, body), or
        (None, ...) when it failed or its body passed the limit."""
        host = [(n, v) for n, v in scope.get("headers", ()) if n.lower() == b"host"][:1]
        sub = dict(scope)
        sub.update(method="GET", path=path, raw_path=path.encode(), query_string=b"",
                   headers=[(b"accept-encoding", b"identity")] + host)
        got = {"status": None, "headers": (), "size": 0}
        chunks = []
        asked = []
        limit = self._rules.max_body_bytes

        async def receive():
            if asked:
                return {"type": "http.disconnect"}
            asked.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == _START:
                got["status"], got["headers"] = message["status"], message.get("headers", ())
            elif message["type"] == _BODY:
                got["size"] += len(message.get("body", b""))
                if got["size"] <= limit:
                    chunks.append(message.get("body", b""))

        try:
            await self.app(sub, receive, send)
        except Exception:
            return None, (), b""
        if got["size"] > limit:
            return None, (), b""
        return got["status"], got["headers"], b"".join(chunks)


class _Redirects:
    """A response that is no discovery document, with the iss repair on: a
    redirect may get ``iss`` in its ``Location``."""

    __slots__ = ("middleware", "scope", "downstream", "started")

    def __init__(self, middleware, scope, send):
        self.middleware, self.scope, self.downstream = middleware, scope, send
        self.started = False

    async def send(self, message):
        if not self.started and message["type"] == _START:
            self.started = True
            rules = self.middleware._rules
            if rules.may_redirect(message["status"]):
                headers = message.get("headers", ())
                fixed = rules.redirect(message["status"], headers)
                if fixed is None:
                    await self.middleware._learn_issuer(self.scope)
                    fixed = rules.redirect(message["status"], headers)
                if fixed is not None:
                    message = dict(message)
                    message["headers"] = fixed
        return await self.downstream(message)


class _Response:
    """One discovery response: its start held while it may be repaired."""

    __slots__ = ("rules", "plan", "head", "downstream", "start", "chunks", "size", "repaired", "streaming")

    def __init__(self, rules, plan, send):
        self.rules = rules
        self.plan = plan
        self.head = plan.head
        self.downstream = send
        self.start = None  # the held http.response.start
        self.chunks = []
        self.size = 0
        self.repaired = False
        self.streaming = False

    async def send(self, message):
        kind = message["type"]
        if self.start is None and not self.streaming:
            if kind != _START:
                return await self.downstream(message)
            eligible, headers = self.rules.check_response(self.plan, message["status"], message.get("headers", ()))
            start = dict(message)
            start["headers"] = headers
            if eligible:
                self.start = start
                return None
            self.streaming = True
            return await self.downstream(start)
        if self.streaming:
            return await self.passed(message)
        if kind == _BODY:
            body = message.get("body", b"")
            more = message.get("more_body", False)
            self.chunks.append(body)
            self.size += len(body)
            if self.size > self.rules.max_body_bytes:
                # Over the limit: replay what was read, stream the rest.
                return await self.release(more_body=more)
            if not more:
                return await self.finish()
            return None
        # Anything else while holding (pathsend, zero-copy send, ...): the
        # document is not in our hands; send it as it is, in order.
        await self.release(more_body=True, body_if_empty=False)
        return await self.passed(message)

    async def passed(self, message):
        kind = message["type"]
        if kind == _BODY and self.head:
            # HEAD: the GET's head, no body.
            if message.get("more_body", False):
                return None
            message = {"type": _BODY, "body": b"", "more_body": False}
        elif kind == _TRAILERS and self.repaired:
            message = dict(message)
            message["headers"] = drop_digests(message.get("headers", ()))
        return await self.downstream(message)

    async def finish(self):
        start, self.start = self.start, None
        self.streaming = True
        doc = b"".join(self.chunks)
        self.chunks = []
        repaired = self.rules.repair(doc, start["headers"])
        if repaired is not None:
            doc, start["headers"] = repaired
            self.repaired = True
        await self.downstream(start)
        await self.downstream({"type": _BODY, "body": b"" if self.head else doc, "more_body": False})

    async def release(self, more_body, body_if_empty=True):
        """Sends a held start and the bytes read, unchanged; no-op otherwise."""
        if self.start is None:
            return
        start, self.start = self.start, None
        self.streaming = True
        body = b"".join(self.chunks)
        self.chunks = []
        await self.downstream(start)
        if self.head:
            if not more_body:
                await self.downstream({"type": _BODY, "body": b"", "more_body": False})
        elif body or not more_body or body_if_empty:
            await self.downstream({"type": _BODY, "body": body, "more_body": more_body})
