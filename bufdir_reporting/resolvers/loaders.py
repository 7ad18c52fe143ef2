"""Per-request dataloaders, named ``<Result>By<Key>Loader``.

A ``Loaders`` is created for each request (or each websocket event) inside the running loop and
never shared, so cached rows never cross requests or principals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from aiodataloader import DataLoader

from ..models import (
    FieldDefinition,
    FieldValue,
    Organization,
    Period,
    Section,
    Snapshot,
)
from .validity import valid_at


async def _by_ids(model: Any, ids: Iterable[str]) -> list[Any]:
    keys = list(ids)
    rows = {row.pk: row for row in await model.filter(pk__in=keys)}
    return [rows.get(key) for key in keys]


class OrganizationByIdLoader(DataLoader):
    async def batch_load_fn(self, ids: list[str]) -> list[Organization | None]:
        return await _by_ids(Organization, ids)


class PeriodByIdLoader(DataLoader):
    async def batch_load_fn(self, ids: list[str]) -> list[Period | None]:
        return await _by_ids(Period, ids)


class SnapshotByIdLoader(DataLoader):
    async def batch_load_fn(self, ids: list[str]) -> list[Snapshot | None]:
        return await _by_ids(Snapshot, ids)


class FieldValuesBySnapshotIdLoader(DataLoader):
    async def batch_load_fn(self, ids: list[str]) -> list[list[FieldValue]]:
        found: dict[str, list[FieldValue]] = defaultdict(list)
        for value in await FieldValue.filter(snapshot_id__in=ids).order_by("id"):
            found[value.snapshot_id].append(value)
        return [found[key] for key in ids]


class FieldDefinitionByIdLoader(DataLoader):
    async def batch_load_fn(self, ids: list[int]) -> list[FieldDefinition | None]:
        return await _by_ids(FieldDefinition, ids)


class SectionByIdLoader(DataLoader):
    async def batch_load_fn(self, ids: list[str]) -> list[Section | None]:
        return await _by_ids(Section, ids)


FieldsKey = tuple[str, date | None]


class FieldsBySectionLoader(DataLoader):
    """Key ``(section_id, day)``: the versions valid on ``day``; ``None`` means the open ones."""

    async def batch_load_fn(self, keys: list[FieldsKey]) -> list[list[FieldDefinition]]:
        found: dict[FieldsKey, list[FieldDefinition]] = defaultdict(list)
        by_day: dict[date | None, list[str]] = defaultdict(list)
        for section_id, day in keys:
            by_day[day].append(section_id)
        for day, section_ids in by_day.items():
            query = FieldDefinition.filter(section_id__in=section_ids)
            query = query.filter(valid_to__isnull=True) if day is None else query.filter(valid_at(day))
            for definition in await query.order_by("section_id", "position", "id"):
                found[(definition.section_id, day)].append(definition)
        return [found[key] for key in keys]


class Loaders:
    def __init__(self) -> None:
        self.organization_by_id = OrganizationByIdLoader()
        self.period_by_id = PeriodByIdLoader()
        self.section_by_id = SectionByIdLoader()
        self.fields_by_section = FieldsBySectionLoader()
        self.snapshot_by_id = SnapshotByIdLoader()
        self.field_values_by_snapshot = FieldValuesBySnapshotIdLoader()
        self.field_definition_by_id = FieldDefinitionByIdLoader()

    def forget_section(self, section_id: str) -> None:
        """After a structure write: drop what this request cached about the section."""
        self.section_by_id.clear(section_id)
        self.fields_by_section.clear_all()
