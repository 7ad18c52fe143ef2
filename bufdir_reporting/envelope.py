"""The one error body every HTTP failure answers with, whichever layer answers:

    {"error": {"code": "NOT_FOUND", "message": "...", "details": {...}, "request_id": "..."}}

and, on the GraphQL endpoint, the same facts in the shape GraphQL clients read:

    {"errors": [{"message": "...", "extensions": {"code": "...", "request_id": "...", ...details}}]}

REST handlers, the middlewares that answer before a route runs (413, Starlette's plain-text
errors, the last-resort 500) and GraphQL's HTTP errors all build it here (``error_bytes_for``
picks the shape by the request's path), so the request id a client quotes to support is
always in it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from starlette.types import Scope

from .wording import echoing, echoing_details

request_id: ContextVar[str] = ContextVar("request_id", default="-")
"""Set per request by ``operations.RequestContext``; echoed as ``X-Request-ID`` and in every error body."""

HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "BAD_USER_INPUT",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def code_for(status: int) -> str:
    return HTTP_CODES.get(status, "HTTP_ERROR")


def error_body(code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": echoing(message),
            "details": echoing_details(dict(details or {})),
            "request_id": request_id.get(),
        }
    }


def error_bytes(code: str, message: str, details: Mapping[str, Any] | None = None) -> bytes:
    return _utf8(error_body(code, message, details))


def _utf8(body: dict[str, Any]) -> bytes:
    """Text beyond ASCII written as itself, as the routes' and GraphQL's answers write it: the
    refusals answered here (a body too large, not JSON, a content type GraphQL does not take) wrote
    ``\\u00f8`` where every other answer wrote ``ø`` (outsider5, asked in Nynorsk). A lone
    surrogate, which UTF-8 cannot hold, is escaped as before. Compact, as FastAPI's JSONResponse
    and GraphQL write theirs: these had a space after every ``:`` and ``,`` (polish5)."""
    try:
        return json.dumps(body, ensure_ascii=False, separators=COMPACT).encode()
    except UnicodeEncodeError:
        return json.dumps(body, separators=COMPACT).encode()


COMPACT = (",", ":")


def error_headers_for(scope: Scope, body: bytes) -> list[tuple[bytes, bytes]]:
    """An error body's content type and length, as its endpoint writes its other answers: on
    GraphQL's, ``application/json; charset=utf-8`` (``graphql_http``); elsewhere
    ``application/json``, as FastAPI's JSONResponse writes REST's (JSON has no charset parameter,
    RFC 8259; GraphQL's answers name it). The middlewares' refusals wrote ``application/json``
    on GraphQL's endpoint too (polish5)."""
    content_type = b"application/json; charset=utf-8" if is_graphql(scope) else b"application/json"
    return [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]


GRAPHQL_PATH = "/graphql"


def is_graphql(scope: Scope) -> bool:
    """Whether the request is for the GraphQL endpoint (behind a proxy's root path too)."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.rstrip("/") == GRAPHQL_PATH


def graphql_error_body(code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A request GraphQL never executed: ``errors`` only, no ``data`` (GraphQL over HTTP)."""
    extensions = {"code": code, **echoing_details(dict(details or {})), "request_id": request_id.get()}
    return {"errors": [{"message": echoing(message), "extensions": extensions}]}


def error_body_for(scope: Scope, code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return (graphql_error_body if is_graphql(scope) else error_body)(code, message, details)


def error_bytes_for(scope: Scope, code: str, message: str, details: Mapping[str, Any] | None = None) -> bytes:
    return _utf8(error_body_for(scope, code, message, details))
