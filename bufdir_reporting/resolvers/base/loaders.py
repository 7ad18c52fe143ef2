"""Per-request dataloaders, named ``<Result>By<Key>Loader``.

A ``Loaders`` is created for each request (or each websocket event) inside the running loop and
never shared, so cached rows never cross requests or principals.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader
from tortoise.connection import get_connection

from ...models import (
    Activity,
    ActivityImport,
    AggregationJob,
    FieldDefinition,
    FieldValue,
    Organization,
    Period,
    ReportRecord,
    Section,
    Snapshot,
    Submission,
    ValueNote,
)
from . import revision
from .sql import Statement
from .validity import valid_at


async def _by_ids(model: Any, ids: Iterable[str | int], *, columns: Iterable[str] = ()) -> list[Any]:
    keys = list(ids)
    query = model.filter(pk__in=keys)
    rows = {row.pk: row for row in await (query.only(*columns) if columns else query)}
    return [rows.get(key) for key in keys]


Row = TypeVar("Row")


class RowByIdLoader(DataLoader[Any, "Row | None"], Generic[Row]):
    """One model's rows by primary key (``None`` where there is none), for the use cases that
    read one object by its id: the reads of a response (``nodes(ids:)``, many ``node(id:)``)
    take one statement for each kind. Batching only, no cache: these objects change under a
    context that lives across writes (a websocket's, a job's), and a later read must see them.
    ``leaving_out`` keeps large columns out of the read (an import's file)."""

    def __init__(self, model: type[Row], *, leaving_out: tuple[str, ...] = ()) -> None:
        super().__init__(cache=False)
        self.model = model
        fields = model._meta.db_fields  # type: ignore[attr-defined]  # a Tortoise model
        self.columns = [name for name in fields if name not in leaving_out] if leaving_out else []

    async def batch_load_fn(self, ids: list[Any]) -> list[Row | None]:
        return await _by_ids(self.model, ids, columns=self.columns)


class OrganizationByIdLoader(DataLoader[str, Organization | None]):
    async def batch_load_fn(self, ids: list[str]) -> list[Organization | None]:
        return await _by_ids(Organization, ids)


class PeriodByIdLoader(DataLoader[str, Period | None]):
    async def batch_load_fn(self, ids: list[str]) -> list[Period | None]:
        return await _by_ids(Period, ids)


class SnapshotByIdLoader(DataLoader[str, Snapshot | None]):
    async def batch_load_fn(self, ids: list[str]) -> list[Snapshot | None]:
        return await _by_ids(Snapshot, ids)


async def latest_jobs(snapshot_ids: list[str]) -> dict[str, AggregationJob]:
    """The latest aggregation job of each snapshot that has one, read afresh: the one rule for
    "a snapshot's job" (the run that made it, or that is making it)."""
    latest: dict[str, AggregationJob] = {}
    for job in await AggregationJob.filter(snapshot_id__in=snapshot_ids).order_by("created_at", "id"):
        latest[job.snapshot_id] = job
    return latest


class LatestJobBySnapshotIdLoader(DataLoader[str, AggregationJob | None]):
    """``latest_jobs`` for every snapshot of a response in one statement."""

    async def batch_load_fn(self, ids: list[str]) -> list[AggregationJob | None]:
        found = await latest_jobs(ids)
        return [found.get(key) for key in ids]


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


@dataclass(frozen=True, slots=True)
class HeldStructure:
    """Every field definition and section, every version of each (a few hundred rows), read once
    per structure revision and held by the process: the very objects the aggregation engine
    runs with. Read-only: nothing that writes the structure reads from here."""

    definitions: dict[int, FieldDefinition]
    sections: dict[str, Section]


async def _read_structure() -> HeldStructure:
    return HeldStructure({d.id: d for d in await FieldDefinition.all()}, {s.id: s for s in await Section.all()})


class StructureInMemory:
    """The structure for one request: the revision token is read once (one primary-key read)
    and the structure held under it used for every label, unit, position and section title of
    the response, instead of 57 definitions and 7 sections built as models on every request
    (issue #37: a third of a dashboard's time was the ORM). None without a token (a database
    whose structure was written without one): the loaders read the rows then."""

    def __init__(self) -> None:
        self._held: asyncio.Task[HeldStructure | None] | None = None

    async def get(self) -> HeldStructure | None:
        if self._held is None:  # the request's readers share the one read of the token
            self._held = asyncio.ensure_future(revision.cached_if_revised("held structure", _read_structure))
        return await asyncio.shield(self._held)


class FieldDefinitionByIdLoader(DataLoader[int, FieldDefinition]):
    """By the id a stored value refers to: a foreign key (RESTRICT), so the definition exists."""

    def __init__(self, structure: StructureInMemory) -> None:
        super().__init__()
        self.structure = structure

    async def batch_load_fn(self, ids: list[int]) -> list[FieldDefinition]:
        held = await self.structure.get()
        if held is not None and all(key in held.definitions for key in ids):
            return [held.definitions[key] for key in ids]
        found = await _by_ids(FieldDefinition, ids)
        missing = [key for key, row in zip(ids, found, strict=True) if row is None]
        if missing:
            raise LookupError(f"field definitions {missing} do not exist")
        return found


class SectionByIdLoader(DataLoader[str, Section | None]):
    async def batch_load_fn(self, ids: list[str]) -> list[Section | None]:
        return await _by_ids(Section, ids)


FieldsKey = tuple[str, date | None]


def _valid_on(row: FieldDefinition | Section, day: date) -> bool:
    """``validity.valid_at`` for a row already read."""
    return row.valid_from <= day and (row.valid_to is None or row.valid_to > day)


class FieldsBySectionLoader(DataLoader[FieldsKey, list[FieldDefinition]]):
    """Key ``(section_id, day)``: the versions valid on ``day``; ``None`` means the open ones.

    One statement for the batch: for one day, the versions valid then; for several (every
    period of a list asking for its structure), every version of the sections, chosen per day
    here (a structure's history is hundreds of rows, and one statement a day made
    ``periods { requiredFields }`` the slowest read)."""

    async def batch_load_fn(self, keys: list[FieldsKey]) -> list[list[FieldDefinition]]:
        found: dict[FieldsKey, list[FieldDefinition]] = defaultdict(list)
        days = {day for _, day in keys}
        query = FieldDefinition.filter(section_id__in=sorted({section_id for section_id, _ in keys}))
        if len(days) == 1:
            (day,) = days
            query = query.filter(valid_to__isnull=True) if day is None else query.filter(valid_at(day))
        wanted = set(keys)
        for definition in await query.order_by("section_id", "position", "id"):
            for day in days:
                key = (definition.section_id, day)
                valid = definition.valid_to is None if day is None else _valid_on(definition, day)
                if key in wanted and valid:
                    found[key].append(definition)
        return [found[key] for key in keys]


class SectionsInForceLoader(DataLoader["tuple[date | None]", list[Section]]):
    """Key: ``(day,)`` (``(None,)``: as the structure stands). The sections a report for that
    day contains, in report order; one statement for every day asked about in the same tick.
    Batching only, no cache (``cache=False``): a context that lives across structure changes
    (an aggregation job's) reads the sections afresh each time, as ``revision`` expects."""

    def __init__(self) -> None:
        super().__init__(cache=False)

    async def batch_load_fn(self, keys: list[tuple[date | None]]) -> list[list[Section]]:
        days = [day for (day,) in keys]
        if len(set(days)) == 1:
            day = days[0]
            query = Section.filter(is_active=True) if day is None else Section.filter(valid_at(day))
            return [list(await query.order_by("order", "id"))] * len(days)
        rows = await Section.all().order_by("order", "id")
        return [[r for r in rows if (r.is_active if day is None else _valid_on(r, day))] for day in days]


PeriodScope = tuple[str, str]
"""(organisation id, period id)."""


class ValueNotesByPeriodLoader(DataLoader[PeriodScope, list[ValueNote]]):
    """Every note (explanations, comments, answers) of an organisation's period, oldest first:
    one statement for every scope a response asks about."""

    async def batch_load_fn(self, scopes: list[PeriodScope]) -> list[list[ValueNote]]:
        found: dict[PeriodScope, list[ValueNote]] = defaultdict(list)
        rows = await ValueNote.filter(
            organization_id__in=sorted({o for o, _ in scopes}), period_id__in=sorted({p for _, p in scopes})
        ).order_by("created_at", "id")
        for row in rows:
            found[(row.organization_id, row.period_id)].append(row)
        return [found.get(scope, []) for scope in scopes]


class Loaders:
    """The request's loaders, each made on first use: a read answered by one compiled statement
    (``schema.compiled``) uses none, and making all of them was 4 % of a dashboard's CPU (bench
    S11, py-spy)."""

    def __init__(self) -> None:
        self.known_definitions: dict[int, FieldDefinition] = {}
        self.translations: dict[str, object] = {}
        """One language's translated metadata by language, read once (``structure.translations.texts``)."""

    @cached_property
    def organization_by_id(self) -> OrganizationByIdLoader:
        return OrganizationByIdLoader()

    @cached_property
    def period_by_id(self) -> PeriodByIdLoader:
        return PeriodByIdLoader()

    @cached_property
    def section_by_id(self) -> SectionByIdLoader:
        return SectionByIdLoader()

    @cached_property
    def fields_by_section(self) -> FieldsBySectionLoader:
        return FieldsBySectionLoader()

    @cached_property
    def sections_in_force(self) -> SectionsInForceLoader:
        return SectionsInForceLoader()

    @cached_property
    def snapshot_by_id(self) -> SnapshotByIdLoader:
        return SnapshotByIdLoader()

    @cached_property
    def latest_job_by_snapshot(self) -> LatestJobBySnapshotIdLoader:
        return LatestJobBySnapshotIdLoader()

    @cached_property
    def activity_by_row_id(self) -> RowByIdLoader[Activity]:
        return RowByIdLoader(Activity)

    @cached_property
    def activity_import_by_id(self) -> RowByIdLoader[ActivityImport]:
        return RowByIdLoader(ActivityImport, leaving_out=("content",))

    @cached_property
    def aggregation_job_by_id(self) -> RowByIdLoader[AggregationJob]:
        return RowByIdLoader(AggregationJob)

    @cached_property
    def field_definition_or_none_by_id(self) -> RowByIdLoader[FieldDefinition]:
        return RowByIdLoader(FieldDefinition)

    @cached_property
    def report_record_by_id(self) -> RowByIdLoader[ReportRecord]:
        return RowByIdLoader(ReportRecord)

    @cached_property
    def submission_by_id(self) -> RowByIdLoader[Submission]:
        return RowByIdLoader(Submission)

    @cached_property
    def structure(self) -> StructureInMemory:
        return StructureInMemory()

    @cached_property
    def field_definition_by_id(self) -> FieldDefinitionByIdLoader:
        return FieldDefinitionByIdLoader(self.structure)

    @cached_property
    def field_values_by_snapshot(self) -> FieldValuesBySnapshotIdLoader:
        return FieldValuesBySnapshotIdLoader(self.field_definition_by_id, self.known_definitions)

    @cached_property
    def value_notes_by_period(self) -> ValueNotesByPeriodLoader:
        return ValueNotesByPeriodLoader()

    def forget_section(self, section_id: str) -> None:
        """After a structure write: drop what this request cached about the section."""
        self.section_by_id.clear(section_id)
        self.fields_by_section.clear_all()
        self.field_definition_by_id.clear_all()
        self.known_definitions.clear()
