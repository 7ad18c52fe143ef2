"""How a REST operation is declared: its name, the shape it answers, the errors it may answer,
who may call it, and its path and query values bounded as the columns that hold them are.

Each documented path is served twice: canonical, and as the contracts print it (base + path).
Some legacy clients were written against the printed string
(``/api/v1/report-sections/api/v1/report-sections/{id}``); the doubled alias runs the same
handler and is marked deprecated in OpenAPI. Register static paths before ``/{id}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError, ValidatorFunctionWrapHandler
from pydantic_core import InitErrorDetails, PydanticCustomError
from tortoise.models import Model

from ..dependencies import REQUIRED_PERMISSION, refused_doing, request_context, unreached_request_context
from ..errors import InvalidInput
from ..models import (
    Activity,
    ActivityImport,
    FieldDefinition,
    Organization,
    Period,
    ReportForm,
    ReportRecord,
    Section,
    Snapshot,
    Submission,
)
from ..resolvers.base import ids
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import MAX_PAGE, Page, Window
from ..resolvers.structure.inputs import SECTION_ID
from . import permissions
from .errors import REQUIRED_ROLE
from .shapes import Pagination, error_responses

ContextDep = Depends(request_context)
UnreachedContextDep = Depends(unreached_request_context)
"""For a use case that reaches the principal itself when it must (``snapshots.detail``)."""


def stored_length(model: type[Model], field: str) -> int:
    """How long a value the column behind ``field`` holds: a path or query value that selects by
    it is bounded the same, so the document says the limit and a longer one is refused in the
    parameter's own words (the ORM's check would answer for the column instead)."""
    length: int = model._meta.fields_map[field].max_length  # type: ignore[attr-defined]  # a CharField's
    return length


def row_number_path(whose: str) -> Any:
    """A path parameter naming a row of a 32-bit id column by its number: bounded by the column's
    range (``ids.MAX_NUMBER``), as GraphQL's ``ids.row_number`` bounds the same ids; a larger one
    reached the database and answered INTERNAL."""
    return Path(ge=1, le=ids.MAX_NUMBER, description=f"{whose} id (a 32-bit column)")


SnapshotId = Annotated[str, Path(max_length=stored_length(Snapshot, "id"))]
ReportId = Annotated[str, Path(max_length=stored_length(ReportRecord, "id"))]
SectionId = Annotated[str, Path(max_length=stored_length(Section, "id"))]
FieldKey = Annotated[str, Path(max_length=stored_length(FieldDefinition, "key"))]
ImportId = Annotated[str, Path(max_length=stored_length(ActivityImport, "id"))]
SubmissionId = Annotated[str, Path(max_length=stored_length(Submission, "id"))]
OrganizationIdQuery = Annotated[str | None, Query(max_length=stored_length(Organization, "id"))]
PeriodIdQuery = Annotated[str | None, Query(max_length=stored_length(Period, "id"))]
ActivityTypeQuery = Annotated[str | None, Query(max_length=stored_length(Activity, "activity_type"))]
ActivityStatusQuery = Annotated[str | None, Query(max_length=stored_length(Activity, "status"))]
ReportTypeQuery = Annotated[str | None, Query(max_length=stored_length(ReportRecord, "report_type"))]
OrganizationId = Annotated[str, Query(min_length=1, max_length=stored_length(Organization, "id"))]
PeriodId = Annotated[str, Query(min_length=1, max_length=stored_length(Period, "id"))]
LegacyFormIdQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=stored_length(ReportForm, "id"),
        pattern=SECTION_ID.pattern,
        description="a report form's id: answer for that form; left out, as before forms: the default form's, or "
        "where an organisation has none for a period, its own form's",
    ),
]
"""A legacy contract's optional form (#31): form ids are slugs, so anything else is refused as the
caller's mistake (422 naming form_id), and an unknown one is NOT_FOUND."""

BODY_METHODS = ("POST", "PUT")


class ContractRouter(APIRouter):
    def __init__(self, base: str, *, tag: str, printed_paths: bool = True) -> None:
        """``printed_paths``: also serve the contracts' doubled paths (``/api/v1/x/api/v1/x``),
        which legacy clients call; a path no contract printed has none."""
        super().__init__(tags=[tag])
        self.base = base
        self.printed_paths = printed_paths

    def endpoint(
        self,
        method: str,
        path: str,
        operation_id: str,
        shape: type[BaseModel] | None,
        *,
        also: Mapping[int, str] | None = None,
        errors: Iterable[int] = (),
        body: bool | None = None,
        public: bool = False,
        admin: bool = False,
        **kwargs: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a handler at the canonical path under ``operation_id`` (the contracts' name
        where they give one, ``getLastSubmittedPeriod``), and at the contracts' printed (doubled)
        path, deprecated.

        ``shape``: what it answers (the route's ``response_model``), under ``status_code`` (200
        unless given; ``response_description`` says when) and under each status of ``also``
        (status: when). The errors it may answer, each with the
        envelope: ``errors`` (what its use case raises: 403, 404, 409), and what every such
        route may meet: 401 (a token that is not valid, even where none is needed), 404 for an
        id in the path, 422 for a value refused, 400 and 413 for a ``body`` (POST and PUT take
        one unless told otherwise), 503 when the database is out of reach. ``public``: no token
        needed; ``admin``: only the admin role may call it (``x-required-role``, checked before
        the body)."""
        statuses = {401, 422, 503, *errors}
        if admin:
            statuses.add(403)
        if "{" in path:
            statuses.add(404)
        if method in BODY_METHODS if body is None else body:
            statuses |= {400, 413}
        kwargs["responses"] = {
            **{status: {"model": shape, "description": when} for status, when in (also or {}).items()},
            **kwargs.get("responses", {}),
            **error_responses(statuses),
        }
        needs = permissions.OPERATIONS[operation_id]  # KeyError: declare what the new operation needs
        extra = {**kwargs.get("openapi_extra", {}), "security": [] if public else [{"bearer": []}]}
        if needs is not None:
            extra[REQUIRED_PERMISSION] = list((needs,) if isinstance(needs, str) else needs)
            statuses.add(403)
        kwargs["openapi_extra"] = {**extra, REQUIRED_ROLE: "admin"} if admin else extra

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            route = {"response_model": shape, "operation_id": operation_id, **kwargs}
            self.add_api_route(self.base + path, handler, methods=[method], **route)
            refused_doing(self.routes[-1], permissions.DOING.get(operation_id))
            if self.printed_paths:
                # deprecated, and saying of what: /docs showed each beside its canonical route in
                # the same words (outsider, polish4); it stays in the document, in the same tag, so
                # a generated client keeps its function where it was
                alias = {
                    **route,
                    "operation_id": f"{operation_id}PrintedPath",
                    "deprecated": True,
                    "description": f"Deprecated: the contracts' printed path of `{method} {self.base + path}`, served "
                    "for clients written against it; call that path instead."
                    + (f"\n\n{route['description']}" if route.get("description") else ""),
                }
                self.add_api_route(self.base + self.base + path, handler, methods=[method], **alias)
                refused_doing(self.routes[-1], permissions.DOING.get(operation_id))
            return handler

        return register


def examples_of(**values: Any) -> dict[str, Any]:
    """A body's examples as OpenAPI names them (``Body(openapi_examples=examples_of(contract=…))``)."""
    return {name: {"summary": name.replace("_", " "), "value": value} for name, value in values.items()}


def page_window(
    ctx: Context = ContextDep,
    page: int = Query(1, ge=1, le=MAX_PAGE, description="1-based page number"),
    limit: int = Query(20, ge=1, description="items per page, at most BUFDIR_MAX_PAGE_SIZE (100 unless configured)"),
) -> Window:
    return Window.from_page(page=page, limit=limit, max_limit=ctx.settings.max_page_size)


def pagination(page: Page[Any]) -> Pagination:
    window = page.window
    total = len(page.items) if page.total is None else page.total  # page_window's windows are counted
    return Pagination(page=window.offset // window.limit + 1, limit=window.limit, total=total)


def untagged_errors(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A tagged union's errors without its tag in their location: a field refused in the union's
    "range" branch is ``range.start``, as clients name it, not ``range.range.start``. (Wrap the
    union in ``WrapValidator(untagged_errors)``; the one error with no branch has no tag.)"""
    try:
        return handler(value)
    except ValidationError as exc:
        details = [
            InitErrorDetails(type=PydanticCustomError(error["type"], error["msg"]), loc=error["loc"][1:], input=error["input"])
            for error in exc.errors()
        ]
        raise ValidationError.from_exception_data(exc.title, details) from None


def number(value: Decimal | float | None) -> int | float | None:
    """A JSON number as the contracts print it: 47, 9310.5."""
    if value is None:
        return None
    if not isinstance(value, Decimal):  # a stored value is one already, digits and all (bench S3: 57 a snapshot)
        value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def _refuse_unknown_query(request: Request) -> None:
    """A query parameter the operation does not declare is refused, naming it: FastAPI ignores
    one, so a misspelt filter (``codes`` for ``code``) answered the whole list unfiltered."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _query_names(route.dependant)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise InvalidInput(
            field=unknown[0], known=sorted(known), message_id="requests.unknown_query_parameter", values={"name": unknown[0]}
        )


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for inner in dependant.dependencies:
        names |= _query_names(inner)
    return names


KNOWN_QUERY_ONLY = Depends(_refuse_unknown_query)
"""For a route answering no legacy contract (those keep ignoring what they do not know)."""
