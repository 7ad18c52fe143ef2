"""The structure's loaders (field definitions and sections, by id, by section, in force on a
day) and the structure a request holds in memory under its revision. Split from ``loaders``
(STYLE.md 8), which makes them for a request."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from aiodataloader import DataLoader

from ...models import FieldDefinition, Section
from . import revision
from .row_loaders import by_ids
from .validity import valid_at


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
        found = await by_ids(FieldDefinition, ids)
        missing = [key for key, row in zip(ids, found, strict=True) if row is None]
        if missing:
            raise LookupError(f"field definitions {missing} do not exist")
        return found


class SectionByIdLoader(DataLoader[str, Section | None]):
    async def batch_load_fn(self, ids: list[str]) -> list[Section | None]:
        return await by_ids(Section, ids)


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
