"""Publishing events: called only after the transaction that made them true has committed.

Each event is first kept in the event log (its id becomes the event id, so a watch stream can
resume from Last-Event-ID on any replica), then published. A pub/sub outage never fails the
write that caused the event: it is logged, and the log still serves resuming streams.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from ... import events
from ...models import ActivityImport, EventLog, FieldValue, ReportRecord, Snapshot, Submission, SubmissionReview, ValueNote
from ...timefmt import now_z
from .context import Context

log = logging.getLogger(__name__)

RETENTION = timedelta(hours=1)
PRUNE_EVERY = 500
MAX_KEYS = 150


async def publish(ctx: Context, channel: str, payload: dict[str, Any]) -> None:
    record = await EventLog.create(channel=channel, payload=payload)
    if record.id % PRUNE_EVERY == 0:
        await EventLog.filter(created_at__lt=datetime.now(UTC) - RETENTION).delete()
    if ctx.events is None:
        return
    try:
        await ctx.events.publish(channel, {**payload, "event_id": record.id})
    except Exception:
        log.warning("publishing %s failed; the event stays in the event log", channel, exc_info=True)


async def snapshot_status(ctx: Context, snapshot: Snapshot) -> None:
    await publish(
        ctx,
        events.snapshot_status_channel(snapshot.id),
        {
            "event": events.SNAPSHOT_STATUS_CHANGED,
            "snapshot_id": snapshot.id,
            "organization_id": snapshot.organization_id,
            "period_id": snapshot.period_id,
            "status": str(snapshot.status),
            "error": (snapshot.error or "")[:500] or None,
            "updated_at": now_z(),
        },
    )


def changed_keys(before: Iterable[FieldValue], after: Iterable[FieldValue]) -> list[FieldValue]:
    """The values of ``after`` that differ from ``before`` (new keys included)."""
    old = {v.field_key: (v.value, v.text_value) for v in before}
    return [v for v in after if old.get(v.field_key, (None, None)) != (v.value, v.text_value) or v.field_key not in old]


async def data_updated(ctx: Context, snapshot: Snapshot, changed: list[FieldValue]) -> None:
    """To the period's channel (the documented watch stream) and to the organisation's."""
    keys = [v.field_key for v in changed]
    sections = list(dict.fromkeys(v.section_key for v in changed))
    payload = {
        "event": events.DATA_UPDATED,
        "snapshot_id": snapshot.id,
        "organization_id": snapshot.organization_id,
        "period_id": snapshot.period_id,
        "changed_sections": sections,
        "changed_field_keys": keys[:MAX_KEYS],
        "changed_field_keys_truncated": len(keys) > MAX_KEYS,
        "updated_at": now_z(),
    }
    await publish(ctx, events.data_updated_channel(snapshot.organization_id, snapshot.period_id), payload)
    await publish(ctx, events.organization_data_channel(snapshot.organization_id), payload)
    await reporting_status(ctx, snapshot.organization_id, snapshot.period_id)


async def cache_invalidated(ctx: Context, snapshots: list[Snapshot], reason: str) -> None:
    for snapshot in snapshots:
        await publish(
            ctx,
            events.cache_invalidated_channel(snapshot.organization_id),
            {
                "event": events.CACHE_INVALIDATED,
                "snapshot_id": snapshot.id,
                "organization_id": snapshot.organization_id,
                "period_id": snapshot.period_id,
                "reason": reason[:500],
                "updated_at": now_z(),
            },
        )


async def report_record_updated(ctx: Context, record: ReportRecord) -> None:
    await publish(
        ctx,
        events.report_record_channel(record.organization_id),
        {
            "event": events.REPORT_RECORD_UPDATED,
            "report_id": record.id,
            "organization_id": record.organization_id,
            "snapshot_id": record.snapshot_id,
            "status": str(record.status),
            "file_ref": record.file_ref,
            "updated_at": now_z(),
        },
    )


async def activity_import_progress(ctx: Context, upload: ActivityImport) -> None:
    """Where an uploaded import stands: status, rows written so far, the outcome."""
    payload = {"event": events.ACTIVITY_IMPORT_PROGRESS, **import_state(upload)}
    await publish(ctx, events.activity_import_channel(upload.id), payload)


async def activity_import_written(ctx: Context, upload: ActivityImport) -> None:
    """Rows written so far, told to listeners only: it is sent from inside the import's
    transaction, so it goes to pub/sub and not to the event log."""
    if ctx.events is None:
        return
    payload = {"event": events.ACTIVITY_IMPORT_PROGRESS, **import_state(upload)}
    try:
        await ctx.events.publish(events.activity_import_channel(upload.id), payload)
    except Exception:  # progress is a courtesy; the outcome is published after commit
        log.warning("publishing progress of import %s failed", upload.id, exc_info=True)


def import_state(upload: ActivityImport) -> dict[str, Any]:
    return {
        "import_id": upload.id,
        "status": str(upload.status),
        "rows": upload.rows,
        "written": upload.written,
        "created": upload.created,
        "updated": upload.updated,
        "error_count": upload.error_count,
        "failure": upload.failure,
        "updated_at": now_z(),
    }


async def submission_reviewed(ctx: Context, submission: Submission, step: SubmissionReview | None) -> None:
    """A review step (``None``: the submission itself arrived), to the organisation and to
    every reviewer."""
    payload = {
        "event": events.SUBMISSION_REVIEWED,
        "submission_id": submission.id,
        "organization_id": submission.organization_id,
        "period_id": submission.period_id,
        "version": submission.version,
        "from_state": str(step.from_state) if step else None,
        "review_state": str(step.to_state) if step else str(submission.review_state),
        "by": step.by if step else submission.submitted_by,
        "reason": step.reason if step else None,
        "updated_at": now_z(),
    }
    for channel in (events.submission_review_channel(submission.organization_id), events.submission_review_channel(None)):
        await publish(ctx, channel, payload)
    await reporting_status(ctx, submission.organization_id, submission.period_id)


async def form_assignments_changed(ctx: Context, form_id: str) -> None:
    """Who must report a form changed: to the form's followers and every form's."""
    payload = {"event": events.FORM_ASSIGNMENTS, "form_id": form_id, "updated_at": now_z()}
    for channel in (events.form_assignments_channel(form_id), events.form_assignments_channel(None)):
        await publish(ctx, channel, payload)


async def reporting_status(ctx: Context, organization_id: str, period_id: str | None) -> None:
    """To the period's reviewers: this organisation's state may have moved (a first snapshot,
    a submission, a review step, a reopening)."""
    if period_id is None:
        return
    payload = {"organization_id": organization_id, "period_id": period_id, "updated_at": now_z()}
    await publish(ctx, events.reporting_status_channel(period_id), {"event": events.REPORTING_STATUS, **payload})


def note_payload(note: ValueNote) -> dict[str, Any]:
    return {
        "note_id": note.id,
        "organization_id": note.organization_id,
        "period_id": note.period_id,
        "field_key": note.field_key,
        "kind": str(note.kind),
        "text": note.text,
        "author": note.author,
        "parent_id": note.parent_id,
    }


async def value_noted(ctx: Context, note: ValueNote) -> None:
    """An explanation, comment or answer, to the organisation and to every reviewer."""
    payload = {"event": events.VALUE_NOTED, **note_payload(note), "updated_at": now_z()}
    for channel in (events.value_note_channel(note.organization_id), events.value_note_channel(None)):
        await publish(ctx, channel, payload)
