"""Offset pagination shared by REST (``page``/``limit``) and GraphQL connections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from ...errors import InvalidInput
from .rows import Plain, rows_of

T = TypeVar("T")
M = TypeVar("M", bound=Model)

MAX_OFFSET = 10_000_000
"""The deepest a page may start. Far past any real listing, and far inside the databases'
64-bit integers: a client's page number or cursor never reaches SQL unbounded."""
MAX_PAGE = 100_000


@dataclass(frozen=True, slots=True)
class Window:
    """Which rows to fetch. ``counted=False`` skips counting every match (a GraphQL page whose
    ``totalCount`` nobody asked for); one row more than ``limit`` is then read to tell whether
    a next page exists."""

    offset: int
    limit: int
    counted: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidInput(
                field="offset", message_id="base.pagination.page_may_start_most", values={"MAX_OFFSET": MAX_OFFSET}
            )
        if not 0 <= self.limit <= MAX_OFFSET:
            raise InvalidInput(field="limit", message_id="base.pagination.page_may_hold_most", values={"MAX_OFFSET": MAX_OFFSET})

    @classmethod
    def from_page(cls, *, page: int, limit: int, max_limit: int) -> Window:
        if not 1 <= page <= MAX_PAGE:
            raise InvalidInput(field="page", message_id="base.pagination.page_between", values={"MAX_PAGE": MAX_PAGE})
        if not 1 <= limit <= max_limit:
            raise InvalidInput(field="limit", message_id="base.pagination.limit_between", values={"max_limit": max_limit})
        return cls(offset=(page - 1) * limit, limit=limit)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int | None  # None when the window was not counted
    window: Window
    more: bool = False

    @property
    def has_next(self) -> bool:
        if self.total is None:
            return self.more
        return self.window.offset + len(self.items) < self.total


async def paginate(query: QuerySet[M], window: Window) -> Page[M]:
    return await _paginate(query, window, _models)


async def paginate_rows(query: QuerySet[Any], window: Window, row_type: type[Plain]) -> Page[Plain]:
    """``paginate``'s page as plain rows (``rows``): what a read answers from, no model built."""
    return await _paginate(query, window, lambda page: rows_of(row_type, page))


async def _models(query: QuerySet[M]) -> list[M]:
    return list(await query)


async def _paginate(query: QuerySet[Any], window: Window, read: Callable[[QuerySet[Any]], Awaitable[list[T]]]) -> Page[T]:
    if not window.counted:
        rows = await read(query.offset(window.offset).limit(window.limit + 1)) if window.limit else []
        return Page(items=rows[: window.limit], total=None, window=window, more=len(rows) > window.limit)
    total = await query.count()
    items = await read(query.offset(window.offset).limit(window.limit)) if window.limit else []
    return Page(items=items, total=total, window=window)
