"""A draft shows its prior period's figures as they now stand: a value entered by hand in the
prior period, or the prior period re-aggregated, after the draft was aggregated reaches the
draft's prior values and its prior link (#outsider on the demo: org-3310's 2026 Q1 showed no
prior figures for Q4's hand-entered fields and linked Q4's historical snapshot)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bufdir_reporting.models import EventLog, FieldValue, Snapshot, SnapshotStatus
from bufdir_reporting.resolvers import snapshots
from bufdir_reporting.resolvers.reporting import records, submissions
from bufdir_reporting.resolvers.snapshots import manual_values

from ...factories import context_for, make_activity, make_scope
from ...statements import counting_statements

READ = """
query ($id: ID!) {
  snapshot(id: $id) { cacheValid priorSnapshot { snapshotId status } fieldValues { fieldKey value priorValue } }
}
"""


async def test_a_draft_reads_its_prior_period_as_it_now_stands(settings, app, client, graphql, tokens):
    scope = await make_scope()
    for year in (2023, 2024):
        await make_activity(org=scope.org, occurred_at=datetime(year, 3, 1, 10, tzinfo=UTC))
    ctx = context_for(settings, app, scope.org.id, admin=True)
    draft = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    before = await Snapshot.get(current_slot=f"{scope.org.id}|{scope.prior.id}")
    assert draft.prior_snapshot_id == before.id

    # the prior period's staffing entered by hand after the draft was aggregated
    await manual_values.set_value(ctx, snapshot_id=before.id, field_key="antall_arsverk", value="14.5")
    headers = tokens.headers(scope.org.id)
    read = (await graphql(READ, {"id": draft.id}, headers))["data"]["snapshot"]
    values = {v["fieldKey"]: v for v in read["fieldValues"]}
    assert values["antall_arsverk"]["priorValue"] is not None and Decimal(values["antall_arsverk"]["priorValue"]) == 14.5
    assert read["cacheValid"] is True
    rest = (await client.get(f"/api/v1/aggregated-report-data/{draft.id}", headers=headers)).json()
    fields = {f["field_key"]: f for s in rest["sections"] for f in s["fields"]}
    assert fields["antall_arsverk"]["prior_period_value"] == 14.5
    document = await records.content_of(ctx, snapshot=draft, period=scope.period)
    staffing = next(row for row in document.sections[0].rows if row.label == "Antall arsverk")
    assert staffing.prior == Decimal("14.5")
    told = await EventLog.filter(channel=f"data_updated:{scope.org.id}:{scope.period.id}").values_list("payload", flat=True)
    assert any(draft.id in str(body) and "antall_arsverk" in str(body) for body in told), "the draft's readers are told"

    # the prior period aggregated again: the draft links its new current snapshot
    again = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.prior.id, force=True, wait=True)).snapshot
    assert again.id != before.id
    read = (await graphql(READ, {"id": draft.id}, headers))["data"]["snapshot"]
    assert read["priorSnapshot"] == {"snapshotId": again.id, "status": "CURRENT"}
    assert (await Snapshot.get(id=before.id)).status == SnapshotStatus.HISTORICAL


async def test_a_submitted_report_keeps_the_prior_figures_it_was_sent_with_until_reopened(settings, app):
    scope = await make_scope()
    for year in (2023, 2024):
        await make_activity(org=scope.org, occurred_at=datetime(year, 3, 1, 10, tzinfo=UTC))
    ctx = context_for(settings, app, scope.org.id, admin=True)
    sent = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    await manual_values.set_value(ctx, snapshot_id=sent.id, field_key="antall_arsverk", value="3")
    record = await records.generate(ctx, snapshot_id=sent.id, report_type="annual_report")
    await submissions.submit(ctx, report_id=record.id)
    prior = await Snapshot.get(current_slot=f"{scope.org.id}|{scope.prior.id}")

    await manual_values.set_value(ctx, snapshot_id=prior.id, field_key="antall_arsverk", value="14.5")
    staffing = await FieldValue.get(snapshot_id=sent.id, field_key="antall_arsverk")
    assert staffing.prior_value is None and (await Snapshot.get(id=sent.id)).prior_snapshot_id == prior.id

    # reopened, it is a draft again: the prior figures as they now stand
    await submissions.reopen(ctx, organization_id=scope.org.id, period_id=scope.period.id, reason="a late correction")
    staffing = await FieldValue.get(snapshot_id=sent.id, field_key="antall_arsverk")
    assert staffing.prior_value == Decimal("14.5")


async def test_a_value_entered_reads_only_its_field_of_the_next_periods_draft(settings, app):
    """A hand entry in the prior period refreshes the draft's prior value of that field alone: it
    read every value of both snapshots (the review's finding: 2 reads of all values, now 0)."""
    scope = await make_scope()
    for year in (2023, 2024):
        await make_activity(org=scope.org, occurred_at=datetime(year, 3, 1, 10, tzinfo=UTC))
    ctx = context_for(settings, app, scope.org.id, admin=True)
    draft = (await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)).snapshot
    prior = await Snapshot.get(current_slot=f"{scope.org.id}|{scope.prior.id}")

    with counting_statements() as counter:
        await manual_values.set_value(ctx, snapshot_id=prior.id, field_key="antall_arsverk", value="14.5")
    every_value = [
        text
        for text in counter.texts
        if text.startswith("SELECT") and 'FROM "field_value"' in text and '"field_key"' not in text.split("WHERE")[1]
    ]
    assert len(every_value) == 1, every_value  # the entered snapshot's completeness, counted again
    staffing = await FieldValue.get(snapshot_id=draft.id, field_key="antall_arsverk")
    assert staffing.prior_value == Decimal("14.5")
