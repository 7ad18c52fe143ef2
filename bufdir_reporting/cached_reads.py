"""Repeated reads answered before routing: an ASGI middleware, the innermost, so every outer one
still runs for a cached answer (request id, access log, metrics, security headers).

- **GraphQL** (``/graphql``, GET or a JSON POST): a plain query — not a mutation or
  subscription, not an upload — is looked up under its document, variables, operation name,
  principal scope, media type and the versions of the data it reads (``read_scopes``: one
  organisation's and the shared part, or everything). On a miss the answer is kept as it is sent
  if the router marked it free of errors (``request.state.graphql_errors``).
- **REST** (``GET /api/…``): a 200 JSON answer is kept under the path and query, the principal
  scope and the data version; live streams (``/watch``) and file downloads pass untouched.

What decides the key and why a write is never hidden: ``response_cache``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import read_scopes, response_cache
from .auth import Principal
from .digdir import principal_from_authorization
from .envelope import GRAPHQL_PATH
from .errors import Unauthenticated
from .graphql_requests import (
    JSON,
    PersistedQueries,
    PersistedQueryProblem,
    decode_json,
    negotiated,
    operation_kind,
    problem_response,
)
from .http_guards import REMEMBERED_BODY_BYTES
from .language import requested
from .response_cache import Cached, ResponseCache

UNCACHED_REST = ("/watch", "/file", "/export")
"""REST paths that end so are streams or files, never kept (an analytics export streams a table of
any size: keeping it would hold it whole)."""


class CachedReads:
    def __init__(self, app: ASGIApp, *, cache: ResponseCache, persisted: PersistedQueries, settings: Any) -> None:
        self.app, self.cache, self.persisted, self.settings = app, cache, persisted, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.cache.enabled:
            await self.app(scope, receive, send)
        elif scope["path"] == GRAPHQL_PATH and scope["method"] in ("GET", "POST"):
            await self._graphql(scope, receive, send)
        elif scope["method"] == "GET" and scope["path"].startswith("/api/") and not scope["path"].endswith(UNCACHED_REST):
            await self._rest(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _principal(self, headers: Headers) -> Principal | None:
        """The caller, or None for a token the route will refuse (never a cached answer)."""
        try:
            return principal_from_authorization(self.settings, headers.get("authorization"))
        except Unauthenticated:
            return None

    async def _rest(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        principal = self._principal(headers)
        if principal is None or "text/event-stream" in headers.get("accept", ""):
            await self.app(scope, receive, send)
            return
        version, settled = await self.cache.versions.settled()
        key = self.cache.key(
            "rest", scope["path"], scope["query_string"], response_cache.scope(principal), version, requested.get()
        )
        if (hit := self.cache.get(key)) is not None:
            await self._answer(hit, scope, send)
            return
        if settled:
            send = self._keeping(key, scope, send, lambda status, media: status == 200 and media == JSON)
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(hit: Cached, scope: Scope, send: Send) -> None:
        """A kept answer, with the headers its route sent, and that route named in the scope as
        the router names it (the metrics and the access log read it there)."""
        if hit.route is not None:
            scope["route"] = hit.route
        await send({"type": "http.response.start", "status": hit.status, "headers": list(hit.headers)})
        await send({"type": "http.response.body", "body": hit.body})

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
                media = Headers(raw=start.get("headers", [])).get("content-type", "").split(";")[0]
                if not message.get("more_body") and worth_keeping(start.get("status", 0), media):
                    self.cache.put(key, Cached(b"".join(chunks), 200, media, tuple(start["headers"]), scope.get("route")))
            await send(message)

        return keeping

    async def _graphql(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        if scope["method"] == "POST" and not headers.get("content-type", "").startswith("application/json"):
            await self.app(scope, receive, send)  # an upload, or a body the router refuses: never a cached read
            return
        body = b""
        if scope["method"] == "POST":
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
        try:
            key, settled = await self._graphql_key(scope, headers, body)
        except PersistedQueryProblem as problem:
            await problem_response(problem, headers.get("accept"))(scope, receive, send)
            return
        if key is not None and (hit := self.cache.get(key)) is not None:
            await self._answer(hit, scope, send)
            return
        state = scope.setdefault("state", {})  # the router says there whether the answer had errors
        if key is not None and settled:
            send = self._keeping(key, scope, send, lambda status, _: status == 200 and state.get("graphql_errors") is False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay if scope["method"] == "POST" else receive, send)

    async def _graphql_key(self, scope: Scope, headers: Headers, body: bytes) -> tuple[bytes | None, bool]:
        """The key for a plain query this principal may have asked before, or None (not a
        query, a refused token, a body the router will refuse), and whether its answer may be
        kept (no write in flight). Reads the data version, so before anything is computed."""
        request = (
            self.persisted,
            self.settings.graphql_max_tokens,
            scope["method"],
            scope["query_string"],
            body,
            headers.get("accept"),
        )
        parts = (_remembered_parts if len(body) <= REMEMBERED_BODY_BYTES else _query_parts)(*request)
        principal = self._principal(headers)
        if parts is None or principal is None:
            return None, False
        versions, settled = await self.cache.versions.settled(parts[-1])
        return self.cache.key(*parts, response_cache.scope(principal), versions, requested.get()), settled


def _query_parts(
    persisted: PersistedQueries, max_tokens: int, method: str, query_string: bytes, body: bytes, accept: str | None
) -> tuple[str, str, str | None, str, tuple[str, ...]] | None:
    """What of a GraphQL request decides its answer besides the caller and the data: the
    document, the variables (canonical), the operation name and the media type; and last, the
    scopes of the data it reads (``read_scopes``). None when it is not a plain query or not a
    body the router will take. Raises PersistedQueryProblem."""
    if method == "POST":
        try:
            data = decode_json(body)
        except ValueError:
            return None
    else:
        data = dict(QueryParams(query_string))
        for name in ("variables", "extensions"):
            try:
                data[name] = decode_json(data[name]) if name in data else None
            except ValueError:
                return None
    if not isinstance(data, dict) or not isinstance(data.get("extensions", {}), dict | None):
        return None  # extensions are not in the key: a request the router refuses is never a hit
    query = persisted.resolve(data.get("query"), data.get("extensions"))
    operation_name, variables = data.get("operationName"), data.get("variables")
    if not isinstance(query, str) or not isinstance(operation_name, str | None):
        return None
    if operation_kind(query, operation_name, max_tokens) != "query":
        return None
    read = read_scopes.scopes(query, operation_name, variables, max_tokens)
    return query, json.dumps(variables, sort_keys=True, separators=(",", ":")), operation_name, negotiated(accept), read


_remembered_parts = lru_cache(maxsize=1024)(_query_parts)
"""The same request sent again — a dashboard polling — is parsed once. A problem (an unknown
persisted-query hash) is raised again each time, never remembered: the hash may be sent with its
document next."""
