"""Relay connections over the resolvers' offset pages.

Cursors are Strawberry's own (``arrayconnection:<offset>``), so ``first/after/last/before`` are
parsed once, by Strawberry, and the window becomes one ``OFFSET/LIMIT`` query; the count runs
only when ``totalCount`` is asked for.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay
from strawberry.relay.utils import SliceMetadata

from ..errors import InvalidInput
from ..resolvers.base.pagination import MAX_OFFSET, Page, Window
from .context import Info

NodeType = TypeVar("NodeType")


@strawberry.type(name="Connection", description="A page of items with the total count.")
class CountedConnection(relay.Connection[NodeType], Generic[NodeType]):
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items match, across all pages.")
    async def total_count(self) -> int:
        return await self.counter()


async def resolve_connection(
    connection: type[CountedConnection[NodeType]],
    info: Info,
    fetch: Callable[[Window], Awaitable[Page[Any]]],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> CountedConnection[NodeType]:
    for name, cursor in (("after", after), ("before", before)):
        _check_cursor(cursor, field=name)
    largest = info.context.settings.max_page_size
    for name, size in (("first", first), ("last", last)):
        # Strawberry's slicing refuses these too, in English library words only ("Argument
        # 'first' must be a non-negative integer." under Accept-Language: nn, outside review #32).
        if size is not None and size < 0:
            raise InvalidInput(field=name, message_id="requests.pagination.negative_size", values={"field": name})
        if size is not None and size > largest:
            raise InvalidInput(
                field=name, message_id="requests.pagination.size_above_limit", values={"field": name, "limit": largest}
            )
    try:
        meta = SliceMetadata.from_arguments(
            info,
            first=first,
            after=after,
            last=last,
            before=before,
            max_results=info.context.settings.max_page_size,
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInput(str(exc), field="first" if first is not None else "last") from None
    if not 0 <= meta.start <= MAX_OFFSET or meta.end < meta.start:
        # A cursor is "arrayconnection:<offset>" in base64: anyone can write one out of range.
        raise InvalidInput(
            field="after" if after is not None else "before", message_id="requests.pagination.cursor_points_outside_any"
        )
    if meta.end == sys.maxsize:
        # ``last`` without ``before`` counts back from the end, which needs the total first.
        total = await _total(fetch)
        meta = SliceMetadata(start=max(total - (last or 0), 0), end=total, expected=last)
    page = await fetch(Window(offset=meta.start, limit=meta.end - meta.start, counted=False))

    # Rows stand in for nodes (see node.node_of); the edge holds whatever fetch returned.
    edges: list[relay.Edge[NodeType]] = [
        relay.Edge.resolve_edge(node, cursor=meta.start + index) for index, node in enumerate(page.items)
    ]
    return connection(
        edges=edges,
        counter=lambda: _total(fetch),
        page_info=relay.PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=meta.start > 0,
            has_next_page=page.has_next,
        ),
    )


def _check_cursor(cursor: str | None, *, field: str) -> None:
    """A cursor this service gave out: base64 of ``arrayconnection:<offset>``. Strawberry decodes
    it inside the slicing, where a broken one surfaced as base64's "Incorrect padding" blamed on
    ``first``."""
    if cursor is None:
        return
    try:
        prefix, offset = relay.from_base64(cursor)
        int(offset)
    except (TypeError, ValueError):
        raise InvalidInput(
            field=field, message_id="requests.pagination.cursor_service_use_pageinfo_2", values={"field": field}
        ) from None
    if prefix != "arrayconnection":
        raise InvalidInput(field=field, message_id="requests.pagination.cursor_service_use_pageinfo", values={"field": field})


async def _total(fetch: Callable[[Window], Awaitable[Page[Any]]]) -> int:
    total = (await fetch(Window(offset=0, limit=0))).total
    assert total is not None, "a counted window always has a total"
    return total
