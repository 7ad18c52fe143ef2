from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bufdir_reporting.models import (
    Activity,
    Organization,
    Period,
    PeriodType,
    Snapshot,
    SnapshotStatus,
)


async def make_scope() -> tuple[Organization, Period]:
    organization = await Organization.create(id="org-1", name="Org")
    period = await Period.create(id="2024", type=PeriodType.YEAR, name="2024", start=date(2024, 1, 1), end=date(2024, 12, 31))
    return organization, period


def snapshot(snapshot_id: str, organization, period, **fields) -> Snapshot:
    return Snapshot(
        id=snapshot_id,
        organization=organization,
        period=period,
        range_start=datetime(2024, 1, 1, tzinfo=UTC),
        range_end=datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
        **fields,
    )


async def test_only_one_current_snapshot_per_organisation_and_period(app):
    organization, period = await make_scope()
    await snapshot("s1", organization, period, status=SnapshotStatus.CURRENT, current_slot="org-1|2024").save()
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await snapshot("s2", organization, period, status=SnapshotStatus.CURRENT, current_slot="org-1|2024").save()
    await snapshot("s3", organization, period, status=SnapshotStatus.HISTORICAL).save()
    await snapshot("s4", organization, period, status=SnapshotStatus.HISTORICAL).save()
    assert await Snapshot.filter(current_slot="org-1|2024").count() == 1


async def test_only_one_running_aggregation_per_organisation_and_period(app):
    organization, period = await make_scope()
    await snapshot("s1", organization, period, running_slot="org-1|2024").save()
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await snapshot("s2", organization, period, running_slot="org-1|2024").save()


async def test_an_activity_is_unique_per_organisation_source_and_external_id(app):
    organization, _ = await make_scope()
    fields: dict[str, Any] = {
        "organization": organization,
        "source_system": "fagsystem-cis",
        "activity_type": "investigation",
        "category": "ungdom",
        "status": "opened",
        "occurred_at": datetime(2024, 3, 1, tzinfo=UTC),
        "recorded_at": datetime(2024, 3, 1, tzinfo=UTC),
    }
    await Activity.create(external_id="x-1", **fields)
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await Activity.create(external_id="x-1", **fields)
    await Activity.create(external_id="x-2", **fields)
