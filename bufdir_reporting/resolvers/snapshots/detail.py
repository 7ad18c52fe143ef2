"""A snapshot read whole in one statement, for an answer that shows all of it at once (the
legacy ``GET /api/v1/aggregated-report-data/{id}``): its summary, its owner's name, its prior
run and its values by section, as plain rows.

The same facts as ``get_or_raise`` + ``section_values.by_section`` + the owner and the prior
run read through the loaders, checked the same way (``access.readable`` on the snapshot and on
its prior run), in one round trip instead of five, and without a model, a loader or the ORM's
query building. Why: bench S3 — the route read the snapshot, its values, the structure's
revision, the prior run and the owner one after another (six statements with the principal's
reach), and answered in 2.06 times GraphQL's time, whose compiled read is one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from tortoise.connection import get_connection

from ...models import FieldDataType, FieldValue, Snapshot, SnapshotStatus
from .. import organizations
from ..base import access
from ..base.context import Context
from ..base.rows import converters
from ..base.sql import Statement


@dataclass(slots=True)
class SnapshotHead:
    """The snapshot's own columns that the answer shows (the model's names). Not frozen, as
    ``access.Owned`` asks (an attribute, not a read-only property)."""

    id: str
    organization_id: str
    period_id: str | None
    status: SnapshotStatus
    prior_snapshot_id: str | None
    cache_valid: bool
    invalidation_reason: str | None
    field_count: int | None
    populated_field_count: int | None
    missing_required_fields: list[str] | None
    error: str | None
    aggregated_at: datetime | None


@dataclass(slots=True)
class PriorRun:
    id: str
    organization_id: str
    period_id: str | None
    aggregated_at: datetime | None


@dataclass(frozen=True, slots=True)
class ShownValue:
    """A stored value with the type of its field (what decides how it is shown)."""

    field_key: str
    data_type: FieldDataType
    value: Decimal | None
    text_value: str | None
    prior_value: Decimal | None
    prior_text_value: str | None
    data_source: str | None


@dataclass(frozen=True, slots=True)
class SectionOfValues:
    id: str
    title: str
    values: list[ShownValue]


@dataclass(frozen=True, slots=True)
class SnapshotDetail:
    snapshot: SnapshotHead
    organization_name: str | None
    prior: PriorRun | None
    sections: list[SectionOfValues]


Row = TypeVar("Row", SnapshotHead, PriorRun)

_HEAD = tuple(f.name for f in fields(SnapshotHead))


def _statement(dialect: str, snapshot_id: str) -> tuple[str, list[Any]]:
    """One row per value (the snapshot's columns repeated), or one row without values. Values
    whose section or definition is gone are left out, as ``by_section`` leaves them out."""
    sql = Statement(dialect)
    key = sql.bind(snapshot_id)
    head = ", ".join(f"s.{name}" for name in _HEAD)
    return (
        f"SELECT {head}, o.name AS organization_name, p.organization_id AS prior_organization_id, "
        "p.id AS prior_id, p.period_id AS prior_period_id, p.aggregated_at AS prior_aggregated_at, x.* "
        "FROM snapshot s LEFT JOIN organization o ON o.id = s.organization_id "
        "LEFT JOIN snapshot p ON p.id = s.prior_snapshot_id "
        "LEFT JOIN (SELECT v.snapshot_id AS value_snapshot_id, v.field_key, v.value, v.text_value, v.prior_value, "
        "v.prior_text_value, v.data_source, d.data_type, d.position, d.id AS definition_id, c.id AS section_id, "
        'c.title AS section_title, c."order" AS section_order '
        "FROM field_value v JOIN field_definition d ON d.id = v.field_definition_id "
        f"JOIN section c ON c.id = v.section_key WHERE v.snapshot_id = {key}) x ON x.value_snapshot_id = s.id "
        f"WHERE s.id = {key}",
        sql.params,
    )


async def get_or_raise(ctx: Context, *, snapshot_id: str) -> SnapshotDetail:
    """The snapshot with its values by section (sections by (order, id), values by their
    definition's (position, id), as ``section_values.by_section``), its owner's name and its
    prior run. NOT_FOUND alike for a missing snapshot and another organisation's, and for a
    prior run the caller may not read (``snapshots.get_or_raise`` of it). ``ctx`` may come
    without its reach through the tree (``dependencies.unreached_request_context``): it is
    reached here when the token's own organisations do not decide."""
    connection = get_connection("default")
    dialect = connection.capabilities.dialect
    _, rows = await connection.execute_query(*_statement(dialect, snapshot_id))
    first = rows[0] if rows else None
    snapshot = await _readable(ctx, _row(SnapshotHead, first), snapshot_id)
    assert first is not None
    prior = None
    if snapshot.prior_snapshot_id is not None:
        found = None if first["prior_id"] is None else _row(PriorRun, first, prefix="prior_")
        prior = await _readable(ctx, found, snapshot.prior_snapshot_id)
    return SnapshotDetail(snapshot, first["organization_name"], prior, _sections(dialect, rows))


async def _readable(ctx: Context, row: Row | None, key: str) -> Row:
    """``access.readable``, reaching the principal through the tree first where its own
    organisations do not decide (an umbrella reads its branches' snapshots). Reaching only adds
    organisations (``Principal.below``), so what reads a row without it reads it with it: the
    answer is the reached principal's, as through ``request_context``."""
    if row is None or not access.can_read(ctx.principal, row.organization_id):
        ctx.principal = await organizations.tree.reach(ctx.principal)
    return access.readable(ctx, row, kind="snapshot", key=key)


def _row(row_type: type[Row], row: Any, *, prefix: str = "") -> Row | None:
    """``row``'s snapshot columns as ``row_type``, converted as the model converts them (``rows_of``)."""
    if row is None:
        return None
    return row_type(*[row[prefix + c] if to is None else to(row[prefix + c]) for c, to in converters(Snapshot, row_type)])


def _sections(dialect: str, rows: Sequence[Any]) -> list[SectionOfValues]:
    decimal = _as_driven if dialect == "postgres" else FieldValue._meta.fields_map["value"].to_python_value
    grouped: dict[str, tuple[tuple[int, str], str, list[tuple[tuple[int, int], ShownValue]]]] = {}
    for row in rows:
        section_id = row["section_id"]
        if section_id is None:
            continue  # the snapshot's one row when it has no values
        value = ShownValue(
            row["field_key"],
            FieldDataType(row["data_type"]),
            decimal(row["value"]),
            row["text_value"],
            decimal(row["prior_value"]),
            row["prior_text_value"],
            row["data_source"],
        )
        section = grouped.setdefault(section_id, ((row["section_order"], section_id), row["section_title"], []))
        section[2].append(((row["position"], row["definition_id"]), value))
    return [
        SectionOfValues(section_id, title, [value for _, value in sorted(values, key=lambda pair: pair[0])])
        for section_id, (_, title, values) in sorted(grouped.items(), key=lambda item: item[1][0])
    ]


def _as_driven(value: Decimal | None) -> Decimal | None:
    """asyncpg's numeric is the Decimal already (``value_loaders.value_rows``)."""
    return value
