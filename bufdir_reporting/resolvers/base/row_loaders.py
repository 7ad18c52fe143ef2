"""Loaders of rows by key that need nothing else of the request: one model's rows by primary
key, a snapshot's latest aggregation job, a period's value notes. Split from ``loaders``
(STYLE.md 8), which makes them for a request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader

from ...models import AggregationJob, Organization, Period, Snapshot, ValueNote
from .rows import OrganizationRow, SnapshotRow, rows_of


async def by_ids(model: Any, ids: Iterable[str | int], *, columns: Iterable[str] = ()) -> list[Any]:
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
        return await by_ids(self.model, ids, columns=self.columns)


class OrganizationByIdLoader(DataLoader[str, OrganizationRow | None]):
    """Plain rows (``rows``): what reads and access checks need; a write reads its model itself."""

    async def batch_load_fn(self, ids: list[str]) -> list[OrganizationRow | None]:
        found = {row.id: row for row in await rows_of(OrganizationRow, Organization.filter(id__in=ids))}
        return [found.get(key) for key in ids]


class PeriodByIdLoader(DataLoader[str, Period | None]):
    async def batch_load_fn(self, ids: list[str]) -> list[Period | None]:
        return await by_ids(Period, ids)


class SnapshotByIdLoader(DataLoader[str, SnapshotRow | None]):
    """Plain rows (``rows``), as ``OrganizationByIdLoader``."""

    async def batch_load_fn(self, ids: list[str]) -> list[SnapshotRow | None]:
        found = {row.id: row for row in await rows_of(SnapshotRow, Snapshot.filter(id__in=ids))}
        return [found.get(key) for key in ids]


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
