"""Organisations and snapshots as plain rows for answering (never saved back, never changed):
dataclasses with the models' column names, so a GraphQL type resolves on either, read with the
query's own statement (``rows_of``) instead of built as Tortoise models.

Not frozen, only for one attribute: Strawberry marks what ``node(id:)`` resolves by setting
``__as_strawberry_type__`` on it (``strawberry.cast``), which a frozen dataclass refuses. Equal
and hashed by identity (``eq=False``), as anything graphql-core or a caller keys by the object
needs: a mutable dataclass compared by value is unhashable.

Why: issue #37 item 2. A read builds no model it never writes: ``_init_from_db`` and the
model's descriptors are work the executor's path did for every organisation and snapshot of a
response. Writes still read models (``get_for_write``), which they save.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from ...models import Organization, OrganizationKind, Snapshot, SnapshotStatus


@dataclass(slots=True, eq=False)
class OrganizationRow:
    id: str
    name: str
    org_number: str | None
    kind: OrganizationKind
    parent_id: str | None
    created_at: datetime
    updated_at: datetime
    __as_strawberry_type__: type | None = field(default=None, init=False, repr=False, compare=False)


@dataclass(slots=True, eq=False)
class SnapshotRow:
    id: str
    organization_id: str
    period_id: str | None
    form_id: str | None
    range_start: datetime
    range_end: datetime
    status: SnapshotStatus
    current_slot: str | None
    running_slot: str | None
    prior_snapshot_id: str | None
    cache_valid: bool
    invalidation_reason: str | None
    invalidated_at: datetime | None
    activity_count: int | None
    participant_count: int | None
    unique_participants: int | None
    hours_delivered: Decimal | None
    category_breakdown: dict[str, dict[str, Any]] | None
    field_count: int | None
    populated_field_count: int | None
    missing_required_fields: list[str] | None
    error: str | None
    created_by: str | None
    legacy_id: str | None
    aggregated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    __as_strawberry_type__: type | None = field(default=None, init=False, repr=False, compare=False)


Plain = TypeVar("Plain", OrganizationRow, SnapshotRow)


def columns(row_type: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(row_type) if f.init)


Converter = Callable[[Any], Any] | None


_converting: dict[tuple[type[Model], type[Any]], tuple[tuple[str, Converter], ...]] = {}


def converters(model: type[Model], row_type: type[Any]) -> tuple[tuple[str, Converter], ...]:
    """Per column of ``row_type``: its name in the statement's rows, and what turns the driver's
    value into the model's (None: the driver's is it), as ``Model._init_from_db`` decides. For a
    statement of one's own too (``snapshots.detail``), whose rows name the columns so."""
    if (model, row_type) in _converting:
        return _converting[(model, row_type)]
    meta = model._meta
    native = {name for name, _, _ in meta.db_native_fields}
    found = []
    for name in columns(row_type):
        column = meta.fields_db_projection[name]
        found.append((column, None if column in native else meta.fields_map[name].to_python_value))
    _converting[(model, row_type)] = tuple(found)
    return _converting[(model, row_type)]


async def rows_of(row_type: type[Plain], query: QuerySet[Any]) -> list[Plain]:
    """The query's rows as ``row_type``: the statement the query would run, its rows converted
    column by column as the model would be (JSON, enums, SQLite's text dates), no model made.
    Not Tortoise's ``.values()``: naming 27 columns cost more than the model it spares for one
    row (0.75 against 0.45 ms of CPU a read on SQLite), and the executor reads one row at a time
    (an organisation, a dashboard's snapshot) as often as a page."""
    query._choose_db_if_not_chosen()
    query._make_query()
    _, found = await query._db.execute_query(*query.query.get_parameterized_sql())
    convert = converters(query.model, row_type)
    return [row_type(*[row[c] if to is None else to(row[c]) for c, to in convert]) for row in found]


AnyOrganization = Organization | OrganizationRow
"""An organisation as a read gives it (a row) or as a write made or read it (a model): what a
use case that only reads its columns takes, and a GraphQL type resolves on."""
AnySnapshot = Snapshot | SnapshotRow
"""A snapshot, as ``AnyOrganization``."""
