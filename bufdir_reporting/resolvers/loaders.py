"""Per-request dataloaders, named ``<Result>By<Key>Loader``.

A ``Loaders`` is created for each request (or each websocket event) inside the running loop and
never shared, so cached rows never cross requests or principals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiodataloader import DataLoader

from ..models import Organization, Period


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


class Loaders:
    def __init__(self) -> None:
        self.organization_by_id = OrganizationByIdLoader()
        self.period_by_id = PeriodByIdLoader()
