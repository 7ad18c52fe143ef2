"""Organisations and snapshots as plain rows for answering (never saved back, never changed):
dataclasses with the models' column names, so a GraphQL type resolves on either, read with
``.values()`` instead of built as Tortoise models.

Not frozen, only for one attribute: Strawberry marks what ``node(id:)`` resolves by setting
``__as_strawberry_type__`` on it (``strawberry.cast``), which a frozen dataclass refuses.

Why: issue #37 item 2. A read builds no model it never writes: ``_init_from_db`` and the
model's descriptors are work the executor's path did for every organisation and snapshot of a
response. Writes still read models (``get_for_write``), which they save.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from tortoise.queryset import QuerySet

from ...models import Organization, OrganizationKind, Snapshot, SnapshotStatus


@dataclass(slots=True)
class OrganizationRow:
    id: str
    name: str
    org_number: str | None
    kind: OrganizationKind
    parent_id: str | None
    created_at: datetime
    updated_at: datetime
    __as_strawberry_type__: type | None = field(default=None, init=False, repr=False, compare=False)


@dataclass(slots=True)
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


async def rows_of(row_type: type[Plain], query: QuerySet[Any]) -> list[Plain]:
    """The query's rows as ``row_type``: ``.values()`` converts each column as the model would
    (JSON, enums, SQLite's text dates), without making the model."""
    return [row_type(**values) for values in await query.values(*columns(row_type))]


AnyOrganization = Organization | OrganizationRow
"""An organisation as a read gives it (a row) or as a write made or read it (a model): what a
use case that only reads its columns takes, and a GraphQL type resolves on."""
AnySnapshot = Snapshot | SnapshotRow
"""A snapshot, as ``AnyOrganization``."""
