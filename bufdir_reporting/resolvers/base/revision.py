"""The structure's revision, and the structure in force cached under it.

Every structure write replaces the revision token in its own transaction (``bump``). A reader
asks for the token (one primary-key read), and a cached structure is used only under the token
it was read with: a change committed anywhere, by any replica, is seen by the next read here.
Without a token (a database whose structure was written without one, such as a test's) nothing
is cached. The cache is per process, small, and forgets older revisions as it fills.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import UTC, datetime
from typing import TypeVar

from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError

from ...models import StructureRevision

T = TypeVar("T")
SIZE = 64
_cache: OrderedDict[tuple[str, Hashable], object] = OrderedDict()


async def bump() -> None:
    """A new token; call it inside the transaction that changes the structure."""
    token, now = uuid.uuid4().hex, datetime.now(UTC)
    if await StructureRevision.filter(id=1).update(token=token, changed_at=now):
        return
    try:
        await StructureRevision.create(id=1, token=token, changed_at=now)
    except IntegrityError:  # another writer created it first
        await StructureRevision.filter(id=1).update(token=token, changed_at=now)


CURRENT = "SELECT token FROM structure_revision WHERE id = 1"


async def current() -> str | None:
    # A plain statement: building the ORM query cost more than the database's answer (bench S4).
    _, rows = await get_connection("default").execute_query(CURRENT)
    return str(rows[0]["token"]) if rows else None


async def cached(key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
    """``read()``'s answer for ``key`` under the current revision, read once per revision."""
    return await cached_under(await current(), key, read)


async def cached_under(token: str | None, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
    """``cached`` under a token the caller read itself, beside rows of its own in one statement
    (``CURRENT``'s table; analytics: a round trip less)."""
    held = await _under(token, key, read)
    return await read() if held is None else held


async def cached_if_revised(key: Hashable, read: Callable[[], Awaitable[T]]) -> T | None:
    """Like ``cached``, but None without a revision token (nothing is read then: the caller
    reads what it needs its own way)."""
    return await _under(await current(), key, read)


async def _under(token: str | None, key: Hashable, read: Callable[[], Awaitable[T]]) -> T | None:
    if token is None:
        return None
    slot = (token, key)
    if slot in _cache:
        _cache.move_to_end(slot)
        return _cache[slot]  # type: ignore[return-value]  # stored by this module for this key
    value = await read()
    _cache[slot] = value
    while len(_cache) > SIZE:
        _cache.popitem(last=False)
    return value


def last_held(key: Hashable) -> tuple[str, object] | None:
    """The token and answer most recently used for ``key``, without reading the token: for a
    caller that checks the token beside work done under it, and does the work again when the
    token has moved (``snapshots.run_inputs.aggregated``)."""
    for (token, held_key), value in reversed(_cache.items()):
        if held_key == key:
            return token, value
    return None


def clear() -> None:
    _cache.clear()
