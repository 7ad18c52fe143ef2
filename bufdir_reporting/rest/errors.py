"""Every REST failure answers ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match
from tortoise.exceptions import ValidationError

from ..dependencies import doing_of, principal_of, required_permission, settings_of
from ..envelope import code_for, error_body_for
from ..errors import ADMIN_REQUIRED, TOKEN_REQUIRED, DomainError, Forbidden, Unauthenticated, Unavailable, is_unavailable
from ..language import MESSAGES, Language, requested, say
from ..resolvers.base import access
from ..wording import said

log = logging.getLogger(__name__)

REQUIRED_ROLE = "x-required-role"
"""OpenAPI extension naming the role an operation needs beyond a valid token (``routing``)."""


def error_response(
    request: Request, status: int, code: str, message: str, details: Mapping[str, Any] | None = None
) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(status_code=status, content=error_body_for(request.scope, code, message, details), headers=headers)


async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
    return error_response(request, exc.status, exc.code, exc.said(), exc.details)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Who are you comes before what did you send: FastAPI validates the body before any handler
    # runs, so an anonymous caller of a protected route would otherwise learn about its body.
    # Likewise what may you do: a role the operation needs is checked before the body.
    if _protected(request):
        try:
            principal = await principal_of(settings_of(request), request.headers.get("authorization"))
            access.require_permission(principal, required_permission(request), settings_of(request), doing=doing_of(request))
        except DomainError as refused:
            return await _domain_error(request, refused)
        if not principal.is_authenticated:
            return error_response(request, 401, "UNAUTHENTICATED", Unauthenticated(TOKEN_REQUIRED).said())
        if _required_role(request) == "admin" and not principal.is_admin:
            return error_response(request, 403, "FORBIDDEN", Forbidden(ADMIN_REQUIRED).said())
    language = requested.get()
    problems = [_problem(request, err, language) for err in exc.errors()]
    first = problems[0] if problems else {"field": "body", "message": _say("input.not_taken", language)}
    more = _say("input.more", language, count=len(problems) - 1) if len(problems) > 1 else ""
    subject = _say("input.body", language) if first["field"] == "body" else first["field"]
    return error_response(
        request, 422, "BAD_USER_INPUT", f"{subject} {first['message']}{more}", {"field": first["field"], "errors": problems}
    )


def _say(message_id: str, language: Language | None, **values: object) -> str:
    """The catalogue's words in the language asked; English (as always) when none was."""
    return say(message_id, language or Language.EN, **values)


def _problem(request: Request, err: Mapping[str, Any], language: Language | None) -> dict[str, Any]:
    """One validation problem as ``{"field", "message"}``: the field by its name in the body
    or the parameter's name ("body" for the body as a whole), the message in plain words."""
    location, *path = err["loc"]
    kind = err["type"]
    if kind == "json_invalid":
        position = path[0] if path and isinstance(path[0], int) else None
        if position is None:
            return {"field": "body", "message": _say("input.json_invalid", language)}
        return {"field": "body", "message": _say("input.json_invalid_near", language, position=position), "position": position}
    field = ".".join(str(part) for part in path) or "body"
    if field == "body" and location == "body" and kind in ("model_attributes_type", "dict_type", "model_type"):
        sent = request.headers.get("content-type", "no Content-Type").split(";")[0]
        if sent != "application/json":
            return {"field": "body", "message": _say("input.json_content_type", language, sent=sent)}
    return {"field": field, "message": said(err, language), "in": location}


async def _column_bounds(request: Request, exc: ValidationError) -> JSONResponse:
    """A value broke a column's bounds (an over-long id in a path or query)."""
    message = _say("input.outside_stored", requested.get())
    return error_response(request, 422, "BAD_USER_INPUT", message, {"reason": str(exc)[:200]})


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    code = code_for(exc.status_code)
    message = str(exc.detail)
    if f"http.{exc.status_code}" in MESSAGES and message == HTTPStatus(exc.status_code).phrase:
        # Starlette's own "Not Found" / "Method Not Allowed" (a path or method we do not serve),
        # in the language asked, English too (the guidance nb/nn had, outside review #32);
        # without one, the phrase every client read before (the legacy contract)
        language = requested.get()
        message = message if language is None else _say(f"http.{exc.status_code}", language)
    response = error_response(request, exc.status_code, code, message)
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
        response = error_response(request, outage.status, outage.code, outage.said(), outage.details)
        response.headers["Retry-After"] = str(outage.retry_after_seconds)
        return response
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "INTERNAL", DomainError("Unexpected error.", message_id="error.unexpected").said())


def _required_role(request: Request) -> str | None:
    route = request.scope.get("route")
    role: str | None = (getattr(route, "openapi_extra", None) or {}).get(REQUIRED_ROLE)
    return role


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
