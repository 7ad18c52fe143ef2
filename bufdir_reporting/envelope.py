"""The one error body every HTTP failure answers with, whichever layer answers:

    {"error": {"code": "NOT_FOUND", "message": "...", "details": {...}, "request_id": "..."}}

REST handlers, the middlewares that answer before a route runs (413, Starlette's plain-text
errors, the last-resort 500) and GraphQL's HTTP errors all build it here, so the request id a
client quotes to support is always in it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

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
    return {"error": {"code": code, "message": message, "details": dict(details or {}), "request_id": request_id.get()}}


def error_bytes(code: str, message: str, details: Mapping[str, Any] | None = None) -> bytes:
    return json.dumps(error_body(code, message, details)).encode()
