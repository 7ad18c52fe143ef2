"""Every write of a report record is in the audit log: the record, its organisation, and its
fields before and after."""

from __future__ import annotations

from datetime import date

from bufdir_reporting.models import AuditEntry, ReportStatus
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.reporting import records
from bufdir_reporting.resolvers.reporting.inputs import ReportRecordChange, ReportRecordSpec

from ...factories import context_for, make_activity, make_scope


async def test_each_write_of_a_report_record_is_audited_with_its_fields_before_and_after(app, settings):
    scope = await make_scope()
    await make_activity(org=scope.org)
    ctx = context_for(settings, app, scope.org.id)
    spec = ReportRecordSpec(
        org_id=scope.org.id, report_type="annual_report", period_from=date(2024, 1, 1), period_to=date(2024, 12, 31)
    )
    made = await records.create(ctx, spec=spec)
    await records.update(ctx, report_id=made.id, change=ReportRecordChange(status=ReportStatus.FAILED))
    await records.delete(ctx, report_id=made.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    generated = await records.generate(ctx, snapshot_id=snapshot.id, report_type="annual_report")

    entries = await AuditEntry.filter(entity_type="report_record").order_by("id")
    assert [(e.action, e.entity_id, e.organization_id, e.actor) for e in entries] == [
        ("report_record.created", made.id, scope.org.id, "tester"),
        ("report_record.updated", made.id, scope.org.id, "tester"),
        ("report_record.deleted", made.id, scope.org.id, "tester"),
        ("report_record.created", generated.id, scope.org.id, "tester"),
        ("report.generated", generated.id, scope.org.id, "tester"),
    ]
    created, updated, deleted, _, rendered = entries
    assert created.after is not None and rendered.after is not None
    fields = {"status", "file_ref", "file_size_bytes", "generated_at", "report_type", "period_from", "period_to"}
    assert created.before is None and set(created.after) == fields and created.after["status"] == "pending"
    assert updated.before == created.after and updated.after == {**created.after, "status": "failed"}
    assert deleted.before == updated.after and deleted.after is None
    assert set(rendered.after) == fields | {"snapshot_id", "format"}
    assert (rendered.after["snapshot_id"], rendered.after["format"], rendered.after["status"]) == (
        snapshot.id,
        "xlsx",
        "completed",
    )
