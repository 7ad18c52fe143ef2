"""Offset pagination shared by REST (``page``/``limit``) and GraphQL connections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.queryset import QuerySet

from ..errors import InvalidInput

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Window:
    offset: int
    limit: int

    @classmethod
    def from_page(cls, *, page: int, limit: int, max_limit: int) -> Window:
        if page < 1:
            raise InvalidInput("page must be 1 or more", field="page")
        if not 1 <= limit <= max_limit:
            raise InvalidInput(f"limit must be between 1 and {max_limit}", field="limit")
        return cls(offset=(page - 1) * limit, limit=limit)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    window: Window

    @property
    def has_next(self) -> bool:
        return self.window.offset + len(self.items) < self.total


async def paginate(query: QuerySet[T], window: Window) -> Page[T]:
    total = await query.count()
    items = await query.offset(window.offset).limit(window.limit) if window.limit else []
    return Page(items=list(items), total=total, window=window)


def visible_to(ctx: Any, query: QuerySet[T], organization_id: str | None) -> QuerySet[T]:
    """Organisation-scoped rows the principal may list: one named organisation (checked), or
    else every organisation the principal acts for (all of them, for an admin)."""
    ctx.principal.require_authenticated()
    if organization_id is not None:
        ctx.principal.require_organization(organization_id)
        return query.filter(organization_id=organization_id)
    if ctx.principal.is_admin:
        return query
    return query.filter(organization_id__in=sorted(ctx.principal.organizations))
