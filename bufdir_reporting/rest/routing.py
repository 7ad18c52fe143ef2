"""Each documented path is served twice: canonical, and as the contracts print it (base + path).

Some legacy clients were written against the printed string
(``/api/v1/report-sections/api/v1/report-sections/{id}``); the doubled alias runs the same
handler and is marked deprecated in OpenAPI. Register static paths before ``/{id}``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from ..dependencies import request_context
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import MAX_PAGE, Page, Window
from . import shapes
from .errors import REQUIRED_ROLE

ContextDep = Depends(request_context)

# Path and query values, bounded as the columns that hold them are: the OpenAPI document says so,
# and a longer value is refused before it reaches a query.
SnapshotId = Annotated[str, Path(max_length=40)]
ReportId = Annotated[str, Path(max_length=40)]
SectionId = Annotated[str, Path(max_length=64)]
FieldKey = Annotated[str, Path(max_length=64)]
ImportId = Annotated[str, Path(max_length=40)]
SubmissionId = Annotated[str, Path(max_length=40)]
NO_NUL = r"^[^\x00]*$"  # refused at the edge (http_guards.RequestShape); said here for clients
OrganizationIdQuery = Annotated[str | None, Query(max_length=64, pattern=NO_NUL)]
PeriodIdQuery = Annotated[str | None, Query(max_length=32, pattern=NO_NUL)]
CodeQuery = Annotated[str | None, Query(max_length=64, pattern=NO_NUL)]


class ContractRouter(APIRouter):
    def __init__(self, base: str, *, tag: str, printed_paths: bool = True) -> None:
        """``printed_paths``: also serve the contracts' doubled paths (``/api/v1/x/api/v1/x``),
        which legacy clients call; a path no contract printed has none."""
        super().__init__(tags=[tag])
        self.base = base
        self.printed_paths = printed_paths

    def endpoint(
        self, method: str, path: str = "", *, public: bool = False, admin: bool = False, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register ``handler`` at the canonical path and at the contracts' printed (doubled)
        path, with every error status it may answer and, unless ``public``, the bearer scheme.
        ``admin``: only the admin role may call it (``x-required-role``, checked before the body)."""
        kwargs["responses"] = shapes.with_errors(kwargs.get("responses"), public=public)
        extra = {**kwargs.get("openapi_extra", {}), "security": [] if public else [{"bearer": []}]}
        kwargs["openapi_extra"] = {**extra, REQUIRED_ROLE: "admin"} if admin else extra

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_route(self.base + path, handler, methods=[method], **kwargs)
            if self.printed_paths:
                alias = {**kwargs, "operation_id": f"{handler.__name__}_printed_path", "deprecated": True}
                self.add_api_route(self.base + self.base + path, handler, methods=[method], **alias)
            return handler

        return register


def page_window(
    ctx: Context = ContextDep,
    page: int = Query(1, ge=1, le=MAX_PAGE, description="1-based page number"),
    limit: int = Query(20, ge=1, description="items per page, at most BUFDIR_MAX_PAGE_SIZE (100 unless configured)"),
) -> Window:
    return Window.from_page(page=page, limit=limit, max_limit=ctx.settings.max_page_size)


def paginated(page: Page[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    window = page.window
    return {
        "data": items,
        "pagination": {"page": window.offset // window.limit + 1, "limit": window.limit, "total": page.total},
    }


def number(value: Decimal | float | None) -> int | float | None:
    """A JSON number as the contracts print it: 47, 9310.5."""
    if value is None:
        return None
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)
