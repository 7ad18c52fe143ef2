"""What every REST answer stands on: the error envelope, the page of a list, the statuses an
operation may answer with, and the base of the documented shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


class Pagination(Shape):
    page: int
    limit: int
    total: int


class ErrorBody(Shape):
    code: str
    message: str
    details: dict[str, Any]
    request_id: str


class Error(Shape):
    error: ErrorBody


def documented(model: type[BaseModel], *statuses: int) -> dict[str, Any]:
    """``route(..., **documented(Model, 200, 202))``: the success shapes and the error shape."""
    success = {status: {"model": model} for status in statuses or (200,)}
    return {"response_model": None, "responses": success}


ERROR_STATUSES = {
    400: "The body is not JSON, not UTF-8, or shaped wrong",
    401: "A bearer token is required, or the one given is not valid",
    403: "The token does not allow this (another organisation, or not admin)",
    404: "No such object (another organisation's answers the same)",
    409: "Conflicts with the current state (a locked period, a running aggregation)",
    413: "The request body is too large",
    422: "A value is not allowed; details.field names it",
    503: "The database is unreachable; Retry-After says when to try again",
}


def with_errors(responses: dict[int | str, Any] | None, *, public: bool) -> dict[int | str, Any]:
    """Every error status a route can answer, with the error shape, beside its own responses."""
    declared = dict(responses or {})
    for status, description in ERROR_STATUSES.items():
        if public and status in (401, 403):
            continue
        declared.setdefault(status, {"model": Error, "description": description})
    return declared
