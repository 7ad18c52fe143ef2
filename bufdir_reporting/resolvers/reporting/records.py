"""Report records: generated report files and the legacy repository of them.

A record that belongs to a submission is part of what was sent to Bufdir: it cannot be
changed or deleted (409).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from ...errors import Conflict, Forbidden, InvalidInput, NotFound, RenderFailed
from ...events import ReportRecordUpdated
from ...language import Language, chosen
from ...models import (
    Period,
    ReportRecord,
    ReportStatus,
    Snapshot,
    SnapshotStatus,
    Submission,
)
from .. import organizations, periods, snapshots
from ..activities.inputs import CODE
from ..base import access, audit, ids, notify
from ..base.context import Context
from ..base.pagination import Page, Window, paginate
from . import files, rendition
from .inputs import REPORT_TYPE_LENGTH, ReportRecordChange, ReportRecordSpec
from .renderers import ReportFormat
from .rendition import content_of as content_of  # re-exported: read as records.content_of before the split

log = logging.getLogger(__name__)
NOT_MADE = "the report could not be made; the error is logged on the server"


async def get_or_raise(ctx: Context, *, report_id: str) -> ReportRecord:
    record = await ctx.loaders.report_record_by_id.load(report_id)
    return access.readable(ctx, record, kind="report record", key=report_id)


async def get_for_write(ctx: Context, *, report_id: str) -> ReportRecord:
    record = await ReportRecord.get_or_none(id=report_id)
    return access.writable(ctx, record, kind="report record", key=report_id)


async def list_(
    ctx: Context,
    *,
    window: Window,
    organization_id: str | None = None,
    report_type: str | None = None,
    status: ReportStatus | None = None,
    period_id: str | None = None,
    snapshot_id: str | None = None,
) -> Page[ReportRecord]:
    query = access.readable_rows(ctx, ReportRecord.all().order_by("-created_at", "id"), organization_id)
    for name, value in (("report_type", report_type), ("status", status), ("period_id", period_id), ("snapshot_id", snapshot_id)):
        if value is not None:
            query = query.filter(**{name: value})
    return await paginate(query, window)


def _refuse_unless_own_name(ctx: Context, generated_by: str | None) -> None:
    """A person credits a record to themselves only: a coordinator who names someone else
    (a case officer) would make a record look made by them. Systems (admin, Maskinporten)
    import others' records, as the contract's repository insert does."""
    if generated_by is not None and ctx.principal.is_person and generated_by != ctx.principal.subject:
        raise Forbidden(
            details={"field": "generated_by"},
            message_id="reporting.records.generated_by_someone_else",
            values={"subject": ctx.principal.subject},
        )


def _refuse_completed_without_file(status: ReportStatus | None, file_ref: str | None) -> None:
    """A completed record is one whose file can be fetched: without a file_ref it would list
    as a finished report nobody can open."""
    if status == ReportStatus.COMPLETED and file_ref is None:
        raise InvalidInput(field="file_ref", message_id="reporting.records.completed_without_file")


async def create(ctx: Context, *, spec: ReportRecordSpec) -> ReportRecord:
    await organizations.get_for_write(ctx, organization_id=spec.org_id)
    _refuse_unless_own_name(ctx, spec.generated_by)
    _refuse_completed_without_file(spec.status, spec.file_ref)
    files.require_inside(spec.file_ref, spec.org_id)
    await files.refuse_if_submitted_file(spec.file_ref)
    if spec.snapshot_id is not None:
        snapshot = await snapshots.get_for_write(ctx, snapshot_id=spec.snapshot_id)
        if snapshot.organization_id != spec.org_id:
            raise Conflict(details={"field": "snapshot_id"}, message_id="reporting.records.snapshot_belongs_another_organisation")
    async with notify.transaction(ctx) as outbox:
        record = await _created(ctx, spec)
        outbox.add(ReportRecordUpdated.of(record))
    return record


RECORD_FIELDS = ("status", "file_ref", "file_size_bytes", "generated_at", "report_type", "period_from", "period_to")


async def _created(ctx: Context, spec: ReportRecordSpec) -> ReportRecord:
    record = await ReportRecord.create(
        id=ids.report_id(),
        organization_id=spec.org_id,
        snapshot_id=spec.snapshot_id,
        report_type=spec.report_type,
        period_from=spec.period_from,
        period_to=spec.period_to,
        status=spec.status,
        file_ref=spec.file_ref,
        file_size_bytes=spec.file_size_bytes,
        generated_by=spec.generated_by or ctx.principal.subject,
        generated_at=spec.generated_at,
    )
    await _audited(ctx, record, "report_record.created", after=_fields(record))
    return record


async def _audited(ctx: Context, record: ReportRecord, action: str, **change: dict[str, Any] | None) -> None:
    """A write of ``record`` in the audit log: ``before`` and ``after`` it (``_fields``)."""
    await audit.record(
        ctx, action=action, entity_type="report_record", entity_id=record.id, organization_id=record.organization_id, **change
    )


def _fields(record: ReportRecord) -> dict[str, Any]:
    return audit.fields_of(record, RECORD_FIELDS)


async def _refuse_if_submitted(record: ReportRecord) -> None:
    if await Submission.exists(report_record_id=record.id):
        raise Conflict(details={"report_id": record.id}, message_id="reporting.records.report_submitted_bufdir_kept")


async def update(ctx: Context, *, report_id: str, change: ReportRecordChange) -> ReportRecord:
    record = await get_for_write(ctx, report_id=report_id)
    await _refuse_if_submitted(record)
    files.require_inside(change.file_ref, record.organization_id)
    await files.refuse_if_submitted_file(change.file_ref, report_id=record.id)
    before = _fields(record)
    changed = change.model_dump(exclude_unset=True)
    _refuse_completed_without_file(changed.get("status", record.status), changed.get("file_ref", record.file_ref))
    record.update_from_dict(changed)
    async with notify.transaction(ctx) as outbox:
        await record.save()
        await _audited(ctx, record, "report_record.updated", before=before, after=_fields(record))
        outbox.add(ReportRecordUpdated.of(record))
    return record


async def delete(ctx: Context, *, report_id: str) -> ReportRecord:
    """Hard delete of the record, and of its file when the record owns it and no other record points at it.

    The file goes after the commit: a delete that fails to commit leaves record and file as they were.
    """
    record = await get_for_write(ctx, report_id=report_id)
    await _refuse_if_submitted(record)
    async with in_transaction():
        await record.delete()
        await _audited(ctx, record, "report_record.deleted", before=_fields(record))
    if record.file_ref is not None and files.is_owned(record) and not await files.is_shared(record):
        files.store(ctx).delete(record.file_ref)
    return record


async def generate(
    ctx: Context,
    *,
    snapshot_id: str,
    report_type: str,
    report_format: ReportFormat = ReportFormat.XLSX,
    language: Language | None = None,
) -> ReportRecord:
    """Render the snapshot as the Bufdir report (.xlsx or .pdf) into the file store, in
    ``language`` (else the request's, else Bokmål). A rendering that fails leaves the record
    ``failed`` with a plain reason (``RenderFailed``'s message)."""
    if len(report_type) > REPORT_TYPE_LENGTH or not CODE.fullmatch(report_type):
        # the record's own rule, said as a refusal: a type that broke it failed inside the
        # record's model, GraphQL's generateReport answering INTERNAL (outsider)
        raise InvalidInput(
            field="report_type",
            message_id="reporting.records.report_type_label",
            values={"input": "report_type"},
            inputs=("input",),
        )
    snapshot = await reportable(ctx, snapshot_id=snapshot_id)
    period = await periods.get_or_raise(ctx, period_id=snapshot.period_id) if snapshot.period_id else None
    record = await create(ctx, spec=_spec(snapshot, period, report_type))
    record.period_id = snapshot.period_id
    try:
        report = await rendition.content_of(ctx, snapshot=snapshot, period=period, language=language or chosen())
        await rendition.rendered(ctx, record, report_format, report)
        record.update_from_dict({"status": ReportStatus.COMPLETED, "generated_at": datetime.now(UTC)})
    except RenderFailed as exc:
        record.update_from_dict({"status": ReportStatus.FAILED, "error": exc.message})
    except Exception:
        log.exception("report %s of snapshot %s could not be made", record.id, snapshot.id)
        record.update_from_dict({"status": ReportStatus.FAILED, "error": NOT_MADE})
    async with notify.transaction(ctx) as outbox:
        await record.save()
        after = {**_fields(record), "snapshot_id": snapshot.id, "format": report_format.value}
        await _audited(ctx, record, "report.generated", after=after)
        outbox.add(ReportRecordUpdated.of(record))
    return record


async def reportable(ctx: Context, *, snapshot_id: str) -> Snapshot:
    snapshot: Snapshot = await snapshots.get_for_write(ctx, snapshot_id=snapshot_id)
    if snapshot.status not in (SnapshotStatus.CURRENT, SnapshotStatus.HISTORICAL):
        raise Conflict(
            details={"snapshot_id": snapshot_id},
            message_id="reporting.records.snapshot_reported",
            values={"status": snapshot.status},
        )
    return snapshot


def _spec(snapshot: Snapshot, period: Period | None, report_type: str) -> ReportRecordSpec:
    return ReportRecordSpec(
        org_id=snapshot.organization_id,
        report_type=report_type,
        period_from=period.start if period else periods.local_date(snapshot.range_start),
        period_to=period.end if period else periods.local_date(snapshot.range_end),
        snapshot_id=snapshot.id,
    )


async def saved(ctx: Context, record: ReportRecord) -> ReportRecord:
    """Save a record made outside ``create`` (the submission's document), audited the same way."""
    await record.save(force_create=True)
    await _audited(ctx, record, "report_record.created", after=_fields(record))
    return record


async def language_of(ctx: Context, record: ReportRecord) -> Language | None:
    """The language the record's file states it is in (``files.language_of``, read off the
    event loop); None without a file or when it states none. Not a column: the file says it."""
    ref = record.file_ref
    if record.status != ReportStatus.COMPLETED or not ref or not files.is_inside(ref, record.organization_id):
        return None
    store = files.store(ctx)
    if not store.exists(ref):
        return None
    return await asyncio.to_thread(files.language_of, str(store.path(ref)))


async def file_of(ctx: Context, *, report_id: str) -> tuple[ReportRecord, str]:
    record = await get_or_raise(ctx, report_id=report_id)
    ref = record.file_ref
    if (
        record.status != ReportStatus.COMPLETED
        or not ref
        or not files.is_inside(ref, record.organization_id)
        or not files.store(ctx).exists(ref)
    ):
        raise NotFound("report file", report_id)
    return record, str(files.store(ctx).path(ref))
