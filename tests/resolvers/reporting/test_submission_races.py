"""A submission and the writes around it: what was sent is what stays locked.

A submission renders its document before its transaction (a second of layout), and writers
asked whether the period was locked before theirs; each test puts the other write in exactly
that gap, as two requests at once did on the demo (attack4: a value set while the submission
rendered went into the locked snapshot, the sent PDF saying 10 and the snapshot 99; a run
started just before a submission made the sent snapshot historical)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import openpyxl
import pytest

from bufdir_reporting.errors import Conflict, PeriodLocked
from bufdir_reporting.models import Activity, FieldValue, Snapshot, SnapshotStatus, Submission, ValueNote
from bufdir_reporting.resolvers import activities, periods, snapshots
from bufdir_reporting.resolvers.activities.inputs import ActivitySpec
from bufdir_reporting.resolvers.base import notify
from bufdir_reporting.resolvers.reporting import records, rendition, submissions
from bufdir_reporting.resolvers.snapshots import manual_values, notes, runs

from ...factories import context_for, current_snapshot, make_scope_with_history


@pytest.fixture
async def scope(app):
    return await make_scope_with_history()


current = current_snapshot


async def report_of(ctx, scope) -> str:
    triggered = await snapshots.trigger(ctx, organization_id=scope.org.id, period_id=scope.period.id, wait=True)
    await manual_values.set_value(ctx, snapshot_id=triggered.snapshot.id, field_key="antall_arsverk", value="10")
    return (await records.generate(ctx, snapshot_id=triggered.snapshot.id, report_type="annual_report")).id


async def refused_as_written_while_rendered(
    monkeypatch: pytest.MonkeyPatch,
    ctx: Any,
    settings: Any,
    app: Any,
    scope: Any,
    report_id: str,
    write: Callable[..., Awaitable[Any]],
) -> Conflict:
    """The report submitted while another request of the organisation (a colleague) makes
    ``write`` as the sent document is rendered: the submission's refusal, nothing submitted."""
    rendering = rendition.sent_document

    async def rendered_while_written(*args: Any, **kwargs: Any) -> Any:
        document = await rendering(*args, **kwargs)
        await write(context_for(settings, app, scope.org.id, subject="colleague"))
        return document

    monkeypatch.setattr(rendition, "sent_document", rendered_while_written)
    with pytest.raises(Conflict) as refused:
        await submissions.submit(ctx, report_id=report_id)
    assert not await Submission.exists(organization_id=scope.org.id)
    return refused.value


@pytest.mark.parametrize("period", ["submitted", "prior"])
async def test_a_value_set_while_the_submission_renders_refuses_the_submission(app, settings, scope, monkeypatch, period):
    """The value of the period submitted, or of the prior period (which refreshes the submitted
    snapshot's prior figures), set by another request while the sent document is rendered."""
    ctx = context_for(settings, app, scope.org.id)
    report_id = await report_of(ctx, scope)
    sent = await current(scope, scope.period)
    written = sent if period == "submitted" else await current(scope, scope.prior)
    write = partial(manual_values.set_value, snapshot_id=written.id, field_key="antall_arsverk", value="99")
    refused = await refused_as_written_while_rendered(monkeypatch, ctx, settings, app, scope, report_id, write)
    assert refused.message_id == "reporting.submissions.changed_while_submitting"

    # nothing was locked: submitted again, it sends the figures as they now stand
    monkeypatch.undo()
    await submissions.submit(ctx, report_id=report_id)
    value = await FieldValue.get(snapshot_id=sent.id, field_key="antall_arsverk")
    assert (value.prior_value if period == "prior" else value.value) == Decimal(99)


async def test_a_note_written_while_the_submission_renders_refuses_the_submission(app, settings, scope, monkeypatch):
    """An explanation committed while the sent document was rendered was kept, after the
    submission's time, and the document lacked it (attack7: 3,580 explanations over 200 raced
    submissions): what the locked report shows differed from what was sent."""
    ctx = context_for(settings, app, scope.org.id)
    report_id = await report_of(ctx, scope)
    sent = await current(scope, scope.period)
    write = partial(notes.explain, snapshot_id=sent.id, field_key="antall_arsverk", text="Ti årsverk, to nye i år.")
    refused = await refused_as_written_while_rendered(monkeypatch, ctx, settings, app, scope, report_id, write)
    assert refused.message_id == "reporting.submissions.dialogue_changed_while_submitting"

    # nothing was locked: submitted again, the explanation is in what is sent
    monkeypatch.undo()
    submission = await submissions.submit(ctx, report_id=report_id)
    assert submission.report_record_id is not None
    _, path = await records.file_of(ctx, report_id=submission.report_record_id)
    workbook = openpyxl.load_workbook(path, read_only=True)
    printed = [str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert any("Ti årsverk, to nye i år." in cell for cell in printed), printed


def submitted_as_the_write_opens(monkeypatch, ctx, report_id: str) -> list[str]:
    """The submission commits just before the writer's transaction opens: after whatever the
    writer asked before it (a lock found open). The list empties when it ran."""
    submitting = [report_id]
    opened = notify.transaction

    @asynccontextmanager
    async def submitted_first(*args: Any, **kwargs: Any) -> AsyncIterator[notify.Outbox]:
        if submitting:
            await submissions.submit(ctx, report_id=submitting.pop())
        async with opened(*args, **kwargs) as outbox:
            yield outbox

    monkeypatch.setattr(notify, "transaction", submitted_first)
    return submitting


@pytest.mark.parametrize("write", ["set_value", "invalidate", "explain"])
async def test_a_write_that_found_the_period_open_is_refused_once_it_was_submitted(app, settings, scope, monkeypatch, write):
    """The writer read its snapshot (and, before, asked the lock) before the submission took the
    lock, and writes after it committed. An explanation too: it went into the locked report."""
    ctx = context_for(settings, app, scope.org.id)
    report_id = await report_of(ctx, scope)
    sent = await current(scope, scope.period)
    submitting = submitted_as_the_write_opens(monkeypatch, ctx, report_id)
    with pytest.raises(PeriodLocked):
        if write == "set_value":
            await manual_values.set_value(ctx, snapshot_id=sent.id, field_key="antall_arsverk", value="99")
        elif write == "explain":
            await notes.explain(ctx, snapshot_id=sent.id, field_key="antall_arsverk", text="Ti årsverk i år.")
        else:
            await snapshots.invalidate(ctx, snapshot_id=sent.id, reason="late correction", reaggregate=False)
    assert not submitting, "the submission ran in the gap"
    assert not await ValueNote.exists(organization_id=scope.org.id), "nothing was written into the locked report"
    kept = await Snapshot.get(id=sent.id)
    assert kept.status == SnapshotStatus.CURRENT and kept.cache_valid
    assert (await FieldValue.get(snapshot_id=sent.id, field_key="antall_arsverk")).value == Decimal(10)


async def test_a_run_started_before_the_submission_leaves_the_sent_snapshot_current(app, settings, scope):
    ctx = context_for(settings, app, scope.org.id)
    report_id = await report_of(ctx, scope)
    sent = await current(scope, scope.period)
    running, job, created = await runs.start(
        ctx, organization_id=scope.org.id, period=scope.period, window=periods.period_bounds(scope.period)
    )
    assert created and job is not None

    await submissions.submit(ctx, report_id=report_id)
    await runs.run_job(ctx, job_id=job.id)

    assert (await Snapshot.get(id=sent.id)).status == SnapshotStatus.CURRENT
    failed = await Snapshot.get(id=running.id)
    assert failed.status == SnapshotStatus.FAILED and failed.error is not None and "PeriodLocked" in failed.error


def _activity(scope, day: datetime) -> dict[str, Any]:
    return {
        "organization_id": scope.org.id,
        "source_system": "fagsystem-test",
        "activity_type": "investigation",
        "category": "ungdom",
        "status": "opened",
        "occurred_at": day,
    }


@pytest.mark.parametrize("write", ["correct", "delete", "ingest", "record"])
async def test_an_activity_that_found_its_period_open_is_refused_once_it_was_submitted(app, settings, scope, monkeypatch, write):
    """Asked before the submission took the lock (a set of rows is asked before it is written),
    written after it: the activity landed in the locked period (and, on PostgreSQL, marked the
    submitted snapshot invalid)."""
    ctx = context_for(settings, app, scope.org.id)
    report_id = await report_of(ctx, scope)
    sent = await current(scope, scope.period)
    stored = await Activity.get(organization_id=scope.org.id, occurred_at=datetime(2024, 5, 1, tzinfo=UTC))
    before = await Activity.filter(organization_id=scope.org.id).order_by("id").values_list("id", "occurred_at", "deleted_at")
    submitting = submitted_as_the_write_opens(monkeypatch, ctx, report_id)
    row = _activity(scope, datetime(2024, 6, 1, 10, tzinfo=UTC))
    with pytest.raises(PeriodLocked):
        if write == "record":
            await activities.record(ctx, spec=ActivitySpec.model_validate(row))
        elif write == "ingest":
            await activities.ingest(ctx, rows=[{**row, "occurred_at": row["occurred_at"].isoformat()}])
        elif write == "correct":
            await activities.correct(ctx, activity_id=activities.public_id(ctx, stored), changes={"hours": 7})
        else:
            await activities.delete(ctx, activity_id=activities.public_id(ctx, stored))
    assert not submitting, "the submission ran in the gap"
    assert (
        await Activity.filter(organization_id=scope.org.id).order_by("id").values_list("id", "occurred_at", "deleted_at")
        == before
    )
    assert (await Snapshot.get(id=sent.id)).cache_valid
