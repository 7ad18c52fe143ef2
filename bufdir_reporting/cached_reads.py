"""Repeated reads answered before the middleware stack: an ASGI layer outside every other, FastAPI's
own included (``app.Service``), so a hit costs what answering it must (bench S7), not a pass
through each layer.

- **GraphQL** (``/graphql``, GET or a JSON POST): a plain query — not a mutation or
  subscription, not an upload — is looked up under its document, variables, operation name,
  principal scope, media type, language, ``Origin`` and the versions of the data it reads
  (``read_scopes``: one organisation's and the shared part, or everything). On a miss the answer
  is kept as it left the stack if the router marked it free of errors
  (``request.state.graphql_errors``).
- **REST** (``GET /api/…``): a 200 JSON answer is kept under the path and query, the principal
  scope, language, ``Origin`` and the data version; live streams (``/watch``) and file downloads
  pass untouched.

**A hit is the answer the stack would send.** What is kept is the answer as the outermost
middleware sent it, every header the layers added included (security headers, CORS, ``Vary``,
``Content-Language``); what those headers depend on in the request — the language asked for and
the ``Origin`` — is in the key. A hit gets its own request id in ``X-Request-Id`` where the kept
one was, and leaves what every answer leaves: its latency in the metrics under the route that
computed it, and its access log line (``operations.requests.answered``). Whatever the stack
would refuse — a body over the limit or not whole, NUL characters, a body ``RequestShape``
refuses, a token the route refuses — is never a hit: it goes down the stack, uncached. A
failure of the version read or an unknown persisted query is raised or answered at the bottom of
the stack (``Deferred``), where it was before, so every layer renders it as it always did.

What decides the key and why a write is never hidden: ``response_cache``; what of a request is
read for it: ``cached_read_parts``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import response_cache
from .auth import Principal
from .cached_read_parts import header_text, language_of, query_parts, remembered_parts, replaying
from .digdir import principal_of_header
from .envelope import GRAPHQL_PATH, request_id
from .errors import Unauthenticated
from .graphql_requests import JSON, PersistedQueries, PersistedQueryProblem, problem_response
from .http_guards import REMEMBERED_BODY_BYTES, refuses
from .operations import Metrics
from .operations.requests import answered, request_id_of
from .response_cache import Cached, ResponseCache

UNCACHED_REST = ("/watch", "/file", "/export")
"""REST paths that end so are streams or files, never kept (an analytics export streams a table of
any size: keeping it would hold it whole)."""

DEFERRED = "bufdir.cached_reads.deferred"
"""Where in the scope a request carries what ``Deferred`` answers at the bottom of the stack."""

REQUEST_ID = b"x-request-id"


class Deferred:
    """The innermost layer: answers what ``CachedReads`` met before the stack ran — the version
    read's failure (raised here, so the request context renders it: 503 with Retry-After for an
    outage, with the request id) or an unknown persisted query (its problem answer) — as the
    cache answered them when it was this innermost layer itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        deferred = scope.get(DEFERRED)
        await (self.app if deferred is None else deferred)(scope, receive, send)


def _raising(exc: Exception) -> ASGIApp:
    async def raising(scope: Scope, receive: Receive, send: Send) -> None:
        raise exc

    return raising


class CachedReads:
    def __init__(
        self, app: ASGIApp, *, cache: ResponseCache, persisted: PersistedQueries, settings: Any, metrics: Metrics
    ) -> None:
        self.app, self.cache, self.persisted, self.settings, self.metrics = app, cache, persisted, settings, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.cache.enabled:
            await self.app(scope, receive, send)
        elif scope["path"] == GRAPHQL_PATH and scope["method"] in ("GET", "POST"):
            await self._graphql(scope, receive, send)
        elif scope["method"] == "GET" and scope["path"].startswith("/api/") and not scope["path"].endswith(UNCACHED_REST):
            await self._rest(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _principal(self, first: dict[bytes, bytes]) -> Principal | None:
        """The caller, or None for a token the route will refuse (never a cached answer)."""
        header = first.get(b"authorization")
        try:
            return await principal_of_header(self.settings, header_text(header))
        except Unauthenticated:
            return None

    def _refused_at_the_edge(self, scope: Scope, last: dict[bytes, bytes]) -> bool:
        """Whether a layer of the stack refuses the request before its route (``BodySizeLimit``
        by its declared length, ``RequestShape`` by its URL): it goes there, never a hit."""
        declared = last.get(b"content-length")
        too_long = declared is not None and not (declared.isdigit() and int(declared) <= self.settings.max_body_bytes)
        return too_long or refuses(scope)

    async def _rest(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        raw = scope["headers"]
        first, last = dict(reversed(raw)), dict(raw)
        principal = await self._principal(first)
        if principal is None or b"text/event-stream" in first.get(b"accept", b"") or self._refused_at_the_edge(scope, last):
            await self.app(scope, receive, send)
            return
        try:
            version, settled = await self.cache.versions.settled()
        except Exception as exc:  # the database's failure, rendered by the stack as before
            scope[DEFERRED] = _raising(exc)
            await self.app(scope, receive, send)
            return
        key = self.cache.key(
            "rest",
            scope["path"],
            scope["query_string"],
            response_cache.scope_of(principal),
            version,
            language_of(last.get(b"accept-language")),
            first.get(b"origin"),
        )
        if (hit := self.cache.get(key)) is not None:
            await self._answer(hit, scope, send, last, started)
            return
        if settled:
            send = self._keeping(key, scope, send, lambda status, media: status == 200 and media == JSON)
        await self.app(scope, receive, send)

    async def _answer(self, hit: Cached, scope: Scope, send: Send, last: dict[bytes, bytes], started: float) -> None:
        """A kept answer as the stack sent it, under a request id of its own, counted and logged
        under the route that computed it (the router names it in the scope)."""
        rid = request_id_of(last.get(REQUEST_ID))
        headers = list(hit.headers)
        headers[hit.request_id_at] = (REQUEST_ID, rid.encode())
        if hit.route is not None:
            scope["route"] = hit.route
        token = request_id.set(rid)
        try:
            await send({"type": "http.response.start", "status": hit.status, "headers": headers})
            await send({"type": "http.response.body", "body": hit.body})
        finally:
            answered(self.metrics, scope, hit.status, started)
            request_id.reset(token)

    def _keeping(self, key: bytes, scope: Scope, send: Send, worth_keeping: Callable[[int, str], bool]) -> Send:
        """``send``, keeping the whole answer under ``key`` when ``worth_keeping(status, media
        type)`` says so once it has been sent."""
        start: Message = {}
        chunks: list[bytes] = []

        async def keeping(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self._keep(key, scope, start, b"".join(chunks), worth_keeping)
            await send(message)

        return keeping

    def _keep(self, key: bytes, scope: Scope, start: Message, body: bytes, worth_keeping: Callable[[int, str], bool]) -> None:
        headers = [tuple(header) for header in start.get("headers", [])]
        names = [name.lower() for name, _ in headers]
        media = dict(zip(names, (value for _, value in headers), strict=True)).get(b"content-type", b"")
        media_type = media.decode("latin-1").split(";")[0]
        if REQUEST_ID not in names or not worth_keeping(start.get("status", 0), media_type):
            return
        entry = Cached(body, 200, media_type, tuple(headers), scope.get("route"), names.index(REQUEST_ID))
        self.cache.put(key, entry)

    async def _graphql(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        raw = scope["headers"]
        first, last = dict(reversed(raw)), dict(raw)
        post = scope["method"] == "POST"
        if (post and not first.get(b"content-type", b"").startswith(b"application/json")) or self._refused_at_the_edge(
            scope, last
        ):
            await self.app(scope, receive, send)  # an upload, a body the router refuses, a refusal at the edge
            return
        body = b""
        if post:
            read: list[Message] = []
            whole = False
            while len(body) <= self.settings.max_body_bytes:
                message = await receive()
                read.append(message)
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if not message.get("more_body"):
                    whole = True
                    break
            receive = replaying(read, receive)
            if not whole or len(body) > self.settings.max_body_bytes or refuses(scope, body):
                await self.app(scope, receive, send)  # the stack refuses it
                return
        try:
            key, settled = await self._graphql_key(scope, first, last, body)
        except PersistedQueryProblem as problem:
            scope[DEFERRED] = problem_response(problem, header_text(first.get(b"accept")))
            key, settled = None, False
        except Exception as exc:  # the database's failure, rendered by the stack as before
            scope[DEFERRED] = _raising(exc)
            key, settled = None, False
        if key is not None and (hit := self.cache.get(key)) is not None:
            await self._answer(hit, scope, send, last, started)
            return
        state = scope.setdefault("state", {})  # the router says there whether the answer had errors
        if key is not None and settled:
            send = self._keeping(key, scope, send, lambda status, _: status == 200 and state.get("graphql_errors") is False)
        await self.app(scope, receive, send)

    async def _graphql_key(
        self, scope: Scope, first: dict[bytes, bytes], last: dict[bytes, bytes], body: bytes
    ) -> tuple[bytes | None, bool]:
        """The key for a plain query this principal may have asked before, or None (not a
        query, a refused token, a body the router will refuse), and whether its answer may be
        kept (no write in flight). Reads the data version, so before anything is computed."""
        request = (
            self.persisted,
            self.settings.graphql_max_tokens,
            scope["method"],
            scope["query_string"],
            body,
            header_text(first.get(b"accept")),
        )
        parts = (remembered_parts if len(body) <= REMEMBERED_BODY_BYTES else query_parts)(*request)
        principal = await self._principal(first)
        if parts is None or principal is None:
            return None, False
        versions, settled = await self.cache.versions.settled(parts[-1])
        language = language_of(last.get(b"accept-language"))
        key = self.cache.key(*parts, response_cache.scope_of(principal), versions, language, first.get(b"origin"))
        return key, settled
