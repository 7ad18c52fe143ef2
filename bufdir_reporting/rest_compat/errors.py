"""Every REST failure answers ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match
from tortoise.exceptions import ValidationError

from ..auth import principal_from_authorization
from ..dependencies import settings_of
from ..envelope import code_for, error_body
from ..errors import DomainError, Unauthenticated, Unavailable, is_unavailable

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, details: Mapping[str, Any] | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        status_code=status,
        content=error_body(code, message, details),
        headers=headers,
    )


async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.details)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Who are you comes before what did you send: FastAPI validates the body before any handler
    # runs, so an anonymous caller of a protected route would otherwise learn about its body.
    if (
        _protected(request)
        and not principal_from_authorization(settings_of(request), request.headers.get("authorization")).is_authenticated
    ):
        return error_response(401, "UNAUTHENTICATED", "A bearer token is required")
    problems = [
        {"field": ".".join(str(part) for part in err["loc"] if part != "body"), "message": err["msg"]} for err in exc.errors()
    ]
    first = problems[0]["field"] if problems else ""
    return error_response(422, "BAD_USER_INPUT", f"Invalid request: {first}", {"field": first, "errors": problems})


async def _column_bounds(request: Request, exc: ValidationError) -> JSONResponse:
    """A value broke a column's bounds (an over-long id in a path or query)."""
    return error_response(
        422, "BAD_USER_INPUT", "a value is longer or otherwise outside what is stored", {"reason": str(exc)[:200]}
    )


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    code = code_for(exc.status_code)
    response = error_response(exc.status_code, code, str(exc.detail))
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(_allowed_methods(request))
    return response


def _allowed_methods(request: Request) -> list[str]:
    """The methods the resource at this path serves (Starlette names only the first route's)."""
    static: set[str] = set()
    templated: set[str] = set()
    routes = list(request.app.routes)
    while routes:
        route = routes.pop()
        included = getattr(route, "original_router", None)  # FastAPI's wrapper of an included router
        if included is not None:
            routes.extend(included.routes)
            continue
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods = set(getattr(route, "methods", None) or ())
            (templated if "{" in getattr(route, "path", "") else static).update(methods)
    # A static path (…/watch) is its own resource, though a template (…/{snapshot_id}) matches it too.
    return sorted(static or templated)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    if is_unavailable(exc):
        outage = Unavailable()
        response = error_response(outage.status, outage.code, outage.message, outage.details)
        response.headers["Retry-After"] = str(outage.retry_after_seconds)
        return response
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "INTERNAL", "Unexpected error.")


def _authenticated(request: Request) -> bool:
    try:
        return principal_from_authorization(settings_of(request), request.headers.get("authorization")).is_authenticated
    except Unauthenticated:
        return False


def _protected(request: Request) -> bool:
    route = request.scope.get("route")
    return (getattr(route, "openapi_extra", None) or {}).get("security") != []


def install_error_handlers(app: FastAPI) -> None:
    # Starlette types every handler as taking a plain Exception; each of ours takes the class it
    # is registered for, which is what Starlette passes it.
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(ValidationError, _column_bounds)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
