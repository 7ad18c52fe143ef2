"""Each documented path is served twice: canonical, and as the contracts print it (base + path).

Some legacy clients were written against the printed string
(``/api/v1/report-sections/api/v1/report-sections/{id}``); the doubled alias runs the same
handler and is marked deprecated in OpenAPI. Register static paths before ``/{id}``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query

from ..dependencies import request_context
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import MAX_PAGE, Page, Window

ContextDep = Depends(request_context)


class ContractRouter(APIRouter):
    def __init__(self, base: str, *, tag: str) -> None:
        super().__init__(tags=[tag])
        self.base = base

    def endpoint(self, method: str, path: str = "", **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_route(self.base + path, handler, methods=[method], **kwargs)
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
