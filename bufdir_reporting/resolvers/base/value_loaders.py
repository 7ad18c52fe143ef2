"""Stored field values as plain rows (``FieldValueRow``), read by snapshot with their field
definitions. Split from ``loaders`` (STYLE.md 8), which makes the loader for a request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiodataloader import DataLoader
from tortoise.connection import get_connection

from ...models import FieldDefinition, FieldValue
from .sql import Statement
from .structure_loaders import FieldDefinitionByIdLoader


@dataclass(frozen=True, slots=True)
class FieldValueRow:
    """A stored field value as read for answering (never saved back): a plain row, because
    building ORM objects for every value of many snapshots costs several times the query."""

    id: int
    snapshot_id: str
    field_definition_id: int
    field_key: str
    section_key: str
    value: Decimal | None
    text_value: str | None
    prior_value: Decimal | None
    prior_text_value: str | None
    data_source: str | None
    set_by: str | None
    set_at: datetime | None


VALUE_COLUMNS = tuple(FieldValueRow.__dataclass_fields__)


async def _read_values(snapshot_ids: list[str]) -> list[FieldValueRow]:
    """Plain SQL: the ORM's per-column conversion costs more than the query itself here.
    asyncpg already returns Decimal and aware datetimes; SQLite's text goes through the fields."""
    connection = get_connection("default")
    dialect = connection.capabilities.dialect
    sql = Statement(dialect)
    where = sql.any_of("snapshot_id", snapshot_ids)
    _, rows = await connection.execute_query(
        f"SELECT {', '.join(VALUE_COLUMNS)} FROM field_value WHERE {where} ORDER BY snapshot_id, id", sql.params
    )
    return value_rows(dialect, rows)


def value_rows(dialect: str, rows: Sequence[Any]) -> list[FieldValueRow]:
    """``FieldValueRow``s of rows whose first columns are ``VALUE_COLUMNS`` in order (any
    further columns are left out), as the driver gives them."""
    width = len(VALUE_COLUMNS)
    whole = not rows or len(rows[0]) == width  # the loader's own rows are not cut: S1 reads many
    if dialect == "postgres":
        return [FieldValueRow(*row) for row in rows] if whole else [FieldValueRow(*row[:width]) for row in rows]
    fields = [FieldValue._meta.fields_map[name] for name in VALUE_COLUMNS]
    return [FieldValueRow(*(f.to_python_value(v) for f, v in zip(fields, row[:width], strict=True))) for row in rows]


class FieldValuesBySnapshotIdLoader(DataLoader[str, list[FieldValueRow]]):
    """Values with their field definitions: the distinct definitions of a batch are read in one
    more statement and kept in ``known`` (a few dozen rows however many snapshots), so labels,
    units and positions resolve without waiting."""

    def __init__(self, definitions: FieldDefinitionByIdLoader, known: dict[int, FieldDefinition]) -> None:
        super().__init__()
        self.definitions = definitions
        self.known = known

    async def batch_load_fn(self, ids: list[str]) -> list[list[FieldValueRow]]:
        found: dict[str, list[FieldValueRow]] = defaultdict(list)
        values = await _read_values(ids)
        for value in values:
            found[value.snapshot_id].append(value)
        wanted = sorted({v.field_definition_id for v in values} - self.known.keys())
        for definition in await self.definitions.load_many(wanted):
            self.known[definition.id] = definition
        return [found[key] for key in ids]

    async def given(self, values: dict[str, list[FieldValueRow]]) -> None:
        """Snapshots' values read whole by another statement, kept as if read here (with their
        definitions in ``known``): the loader is not asked for them again."""
        wanted = sorted({v.field_definition_id for rows in values.values() for v in rows} - self.known.keys())
        for definition in await self.definitions.load_many(wanted):
            self.known[definition.id] = definition
        for snapshot_id, rows in values.items():
            self.prime(snapshot_id, rows)
