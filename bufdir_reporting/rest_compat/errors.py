"""Every REST failure answers ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from tortoise.exceptions import ValidationError

from ..errors import DomainError
from ..operations import request_id

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "BAD_USER_INPUT",
}


def error_response(status: int, code: str, message: str, details: object = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        status_code=status,
        content={"error": {"code": code, "message": message, "details": details or {}, "request_id": request_id.get()}},
        headers=headers,
    )


async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.details)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
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
    code = HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    return error_response(exc.status_code, code, str(exc.detail))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "INTERNAL", "Unexpected error.")


def install_error_handlers(app: FastAPI) -> None:
    # Starlette types every handler as taking a plain Exception; each of ours takes the class it
    # is registered for, which is what Starlette passes it.
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(ValidationError, _column_bounds)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
