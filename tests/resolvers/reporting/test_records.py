"""Generating report records and reaching them, at the use-case level."""

from __future__ import annotations

import pytest

from bufdir_reporting.errors import NotFound
from bufdir_reporting.models import ReportStatus
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.reporting import records

from ...factories import context_for, make_activity, make_scope


async def test_a_generated_report_is_a_file_in_its_organisations_folder(app, settings):
    scope = await make_scope()
    await make_activity(org=scope.org)
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    assert record.status == ReportStatus.COMPLETED and record.file_ref == f"reports/{scope.org.id}/2024/{record.id}.xlsx"
    found, path = await records.file_of(ctx, report_id=record.id)
    assert found.id == record.id and path.endswith(".xlsx")


async def test_another_organisation_neither_reads_nor_generates_them(app, settings):
    scope = await make_scope()
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    stranger = context_for(settings, app, "org-someone-else")
    with pytest.raises(NotFound):
        await records.get_or_raise(stranger, report_id=record.id)
    with pytest.raises(NotFound):
        await records.generate(stranger, snapshot_id=snapshot.id, report_type="annual_report")
    with pytest.raises(NotFound):
        await records.delete(stranger, report_id=record.id)
