"""Generating report records and reaching them, at the use-case level."""

from __future__ import annotations

from datetime import date

import pytest

from bufdir_reporting.errors import InvalidInput, NotFound
from bufdir_reporting.models import ReportStatus
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.reporting import records, submissions
from bufdir_reporting.resolvers.reporting.inputs import ReportRecordChange, ReportRecordSpec
from bufdir_reporting.resolvers.snapshots import manual_values

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


async def test_no_other_record_may_point_at_a_submitted_reports_file(app, settings):
    scope = await make_scope()
    await make_activity(org=scope.org)
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="antall_arsverk", value=3.5)
    sent = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    draft = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    submission = await submissions.submit(ctx, report_id=sent.id)
    sent = await records.get_or_raise(ctx, report_id=submission.report_record_id)  # the document as sent
    with pytest.raises(InvalidInput) as refused:
        await records.update(ctx, report_id=draft.id, change=ReportRecordChange(file_ref=sent.file_ref))
    assert refused.value.field == "file_ref" and "submitted" in refused.value.message
    spec = ReportRecordSpec(
        org_id=scope.org.id,
        report_type="annual_report",
        period_from=date(2024, 1, 1),
        period_to=date(2024, 12, 31),
        file_ref=sent.file_ref,
    )
    with pytest.raises(InvalidInput):
        await records.create(ctx, spec=spec)
    own = draft.file_ref  # a draft's own file may still be named, and moved within the folder
    assert (await records.update(ctx, report_id=draft.id, change=ReportRecordChange(file_ref=own))).file_ref == own


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


async def test_a_report_is_laid_out_in_a_worker_thread_never_on_the_event_loop(app, settings, monkeypatch):
    """Laying out a report takes a second or so of CPU (bench S3): it runs in a worker thread, so
    the replica's event loop keeps answering meanwhile; the same for the document a submission
    sends, which renders through the same ``renderers.render``."""
    import asyncio
    import threading

    from bufdir_reporting.resolvers.reporting import renderers

    where: list[tuple[threading.Thread, bool]] = []
    real = renderers.RENDERERS[renderers.ReportFormat.XLSX]

    def watched(content):  # the real layout, noting where it ran
        try:
            asyncio.get_running_loop()
            on_a_loop = True
        except RuntimeError:
            on_a_loop = False
        where.append((threading.current_thread(), on_a_loop))
        return real.render(content)

    monkeypatch.setitem(
        renderers.RENDERERS, renderers.ReportFormat.XLSX, renderers.Renderer(watched, real.suffix, real.content_type)
    )
    scope = await make_scope()
    ctx = context_for(settings, app, scope.org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    record = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")
    assert record.status == ReportStatus.COMPLETED
    [(thread, on_a_loop)] = where
    assert thread is not threading.main_thread() and not on_a_loop
