"""HTTP-level guards as plain ASGI middleware: a request body limit, the request's shape (no NUL
characters, a GraphQL body that is a JSON object) and security headers (Strawberry's plain-text
refusals made JSON: ``plain_errors``).

The body limit answers 413 with the usual JSON error before the application reads a byte of
an oversized declared body, and stops a chunked one as soon as it passes the limit.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import envelope
from .language import Language, requested, say

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


class PayloadTooLarge(Exception):
    pass


async def _refuse(
    scope: Scope, send: Send, status: int, code: str, message_id: str, details: dict[str, Any] | None = None
) -> None:
    """Refuse in the language asked (``requests.edge.*`` in the catalogue); English, the words
    these refusals always had, when none was asked."""
    message = say(message_id, requested.get() or Language.EN, **(details or {}))
    body = envelope.error_bytes_for(scope, code, message, details)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": envelope.error_headers_for(scope, body),
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    await _refuse(scope, send, 413, "PAYLOAD_TOO_LARGE", "requests.edge.too_large", {"max_bytes": limit})


class BodySizeLimit:
    """Bodies above ``max_bytes`` are refused with 413 (as declared, or as they arrive); a file
    upload (multipart/form-data) may be up to ``max_upload_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max(max_upload_bytes or max_bytes, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        upload = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        limit = self.max_upload_bytes if upload else self.max_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(scope, send, limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except PayloadTooLarge:
            if not started:
                await _too_large(scope, send, limit)


class SecurityHeaders:
    """Standard hardening headers on every response; API responses also get a
    Content-Security-Policy that allows nothing (the HTML pages bring their own, ``ui``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [h for h in SECURITY_HEADERS if h[0] not in present]
                content_type = dict(headers).get(b"content-type", b"")
                if not content_type.startswith(b"text/html"):
                    extra.append(API_CSP)
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
"""A JSON ``\\u0000`` escape (an odd number of backslashes before the ``u``)."""
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""What a JSON escape of a UTF-16 surrogate starts with: a body with one is parsed to see whether
every one is half of a pair (``\\ud83d\\ude00`` is one character; a lone ``\\ud800`` is none)."""
BODY_METHODS = {"POST", "PUT", "PATCH"}


class RequestShape:
    """Refuse at the edge what no handler should meet, once for every route:

    - a NUL character anywhere in the path, the query string or a JSON body (PostgreSQL's text
      cannot hold one; SQLite would store it): 422 naming where it was;
    - a lone UTF-16 surrogate escaped in a JSON body (no database can store it): 422;
    - a JSON body that is not UTF-8 (RFC 8259; a UTF-8 byte order mark is tolerated): 400;
    - a ``/graphql`` body that is not JSON, nests deeper than any document needs, or is not an
      object (or a list, which Strawberry answers itself): 400.

    Runs inside the body limit, so the body it reads is already bounded.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = _nul_in_url(scope)
        if where is not None:
            await _refuse(scope, send, 422, "BAD_USER_INPUT", "requests.edge.nul", {"field": where})
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if scope["method"] not in BODY_METHODS or not (content_type == b"application/json" or content_type.endswith(b"+json")):
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        graphql = scope["path"].rstrip("/") == "/graphql"
        problem = (_remembered_problem if len(body) <= REMEMBERED_BODY_BYTES else _body_problem)(body, graphql=graphql)
        if problem is not None:
            await _refuse(scope, send, *problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


Refusal = tuple[int, str, str, dict[str, Any] | None]


def refuses(scope: Scope, json_body: bytes | None = None) -> bool:
    """Whether ``RequestShape`` refuses this request: by its URL, or by its JSON body if given
    (what the response cache asks before answering a request this layer never sees)."""
    if _nul_in_url(scope) is not None:
        return True
    if json_body is None:
        return False
    graphql = scope["path"].rstrip("/") == "/graphql"
    problem = _remembered_problem if len(json_body) <= REMEMBERED_BODY_BYTES else _body_problem
    return problem(json_body, graphql=graphql) is not None


def _body_problem(body: bytes, *, graphql: bool) -> Refusal | None:
    """Why a JSON body is refused (status, code, message id, details), or None."""
    try:
        body.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return 400, "BAD_REQUEST", "requests.edge.not_utf8", {"field": "body"}
    if b"\x00" in body or NUL_ESCAPE.search(body):
        return 422, "BAD_USER_INPUT", "requests.edge.nul", {"field": "body"}
    if SURROGATE_ESCAPE.search(body) and _lone_surrogate(body):
        return 422, "BAD_USER_INPUT", "requests.edge.lone_surrogate", {"field": "body"}
    problem = _graphql_body_problem(body) if graphql else None
    return None if problem is None else (400, "BAD_REQUEST", *problem)


REMEMBERED_BODY_BYTES = 8192
"""Bodies up to this size have what is learnt from them remembered, here and by the response
cache (a dashboard's query is ~1 KB); a larger one is read afresh each time."""
_remembered_problem = lru_cache(maxsize=1024)(_body_problem)
"""A small body sent again (a dashboard polling its query) is checked once."""


def _lone_surrogate(body: bytes) -> bool:
    """Whether the JSON holds a string with a lone surrogate: no database can store it (asyncpg
    cannot encode it, and it failed a statement shared by every request that arrived with it)."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return False  # not JSON: the route's own parsing refuses it
    try:
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _nul_in_url(scope: Scope) -> str | None:
    if "\x00" in scope["path"]:
        return "path"
    query = scope.get("query_string", b"")
    if not query:
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value or NUL_ESCAPE.search(value.encode("latin-1", "replace")):
            return name.replace("\x00", "") or "query"
    return None


def _graphql_body_problem(body: bytes) -> tuple[str, dict[str, Any] | None] | None:
    """Why a GraphQL body is refused (message id, details), or None. Invalid JSON says where:
    line and column as an editor shows them, and the character REST's refusal names
    (``position``, from 0); it named nothing (outsider)."""
    try:
        parsed = json.loads(body)
    except RecursionError:
        return "requests.edge.nests_too_deeply", None
    except json.JSONDecodeError as error:  # (the body is UTF-8 by now: no other ValueError)
        return "requests.edge.not_json", {"field": "body", "line": error.lineno, "column": error.colno, "position": error.pos}
    if not isinstance(parsed, dict | list):
        return "requests.edge.not_an_object", None
    return None
