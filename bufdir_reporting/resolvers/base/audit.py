"""The audit log: every write records who, when, what, before and after.

``record`` is called inside the transaction of the write it describes, so the entry exists
exactly when the change does; so does the change's scope for the response cache (``changes``).
Only admins read the log; nothing changes or deletes entries. An admin's write of reference data
(the structure, its forms) opens that transaction with ``admin_write``, and refuses a key that is
taken with ``refuse_taken``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from ...errors import Conflict
from ...models import AuditEntry
from . import access, changes, notify
from .context import Context
from .pagination import Page, Window, paginate

T = TypeVar("T")


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def fields_of(row: Any, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def entry(
    ctx: Context,
    *,
    action: str,
    entity_type: str,
    entity_id: str,
    organization_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """An unsaved entry (``record`` saves one, ``record_many`` many in one statement)."""
    return AuditEntry(
        actor=ctx.principal.subject or "anonymous",
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        organization_id=organization_id,
        before=jsonable(before),
        after=jsonable(after),
    )


async def record(ctx: Context, **what: Any) -> AuditEntry:
    written = entry(ctx, **what)
    await written.save()
    await changes.record([changes.of_audit(written.entity_type, written.organization_id)])
    return written


@asynccontextmanager
async def admin_write(ctx: Context, *, conflict: Conflict | None = None) -> AsyncIterator[notify.Outbox]:
    """An admin's write: the role checked before anything is read, then one transaction holding
    the write, its entry (``record``) and its events (the outbox, published once it commits).
    ``conflict``: what a constraint the checks did not foresee (a concurrent writer of the same
    key) is refused as, instead of a server error."""
    access.require_admin(ctx)
    try:
        async with notify.transaction(ctx) as outbox:
            yield outbox
    except IntegrityError:
        if conflict is None:
            raise
        raise conflict from None


async def replaced_by_key(write: Callable[[], Awaitable[T]]) -> T:
    """``write``, a create-or-replace by a unique key in a transaction of its own, run once more
    where a concurrent writer created the key between its read and its insert: the unique index
    refused that insert, and two admins saving the same translation or outlier setting at once
    got a server error (attacker's review, two replicas). Run again, it finds the row and
    replaces it, so the last writer wins, as a PUT does."""
    try:
        return await write()
    except IntegrityError:
        return await write()


async def refuse_taken(model: type[Model], key: str, *, field: str, message_id: str) -> None:
    """An admin creating reference data (a form, a section) under a key that is taken is refused
    as a conflict naming the key's field (``values``: the key under the field's name). Read inside
    ``admin_write``: a concurrent creator of the same key is refused by its ``conflict`` instead."""
    if await model.exists(id=key):
        raise Conflict(details={"field": field}, message_id=message_id, values={field: key})


async def record_many(ctx: Context, entries: list[AuditEntry]) -> None:
    if entries:
        await AuditEntry.bulk_create(entries)
        await changes.record(changes.of_audit(e.entity_type, e.organization_id) for e in entries)


async def list_(
    ctx: Context,
    *,
    window: Window,
    organization_id: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
) -> Page[AuditEntry]:
    access.require_admin(ctx)
    query = AuditEntry.all().order_by("-id")
    for name, value in (
        ("organization_id", organization_id),
        ("entity_type", entity_type),
        ("entity_id", entity_id),
        ("action", action),
    ):
        if value is not None:
            query = query.filter(**{name: value})
    return await paginate(query, window)
