"""A report rendered into a record's file: what it says, gathered once from the database for
whichever rendition (``content_of``), written into the store (``rendered``), and the document a
submission sends (``sent_document``), rendered in the format of the report submitted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath

from ...language import FALLBACK, Language
from ...models import Period, ReportRecord, ReportStatus, Snapshot, Submission, SubmissionReview, ValueNote
from .. import organizations, periods
from ..base import ids
from ..base.context import Context
from ..base.rows import AnySnapshot
from ..snapshots import section_values, validation
from ..structure import translations
from . import content, files
from .renderers import PDF_CONTENT_TYPE, RENDERERS, ReportFormat, render


async def content_of(
    ctx: Context, *, snapshot: AnySnapshot, period: Period | None, sent: Submission | None = None, language: Language = FALLBACK
) -> content.ReportContent:
    """Everything the report says, gathered once for whichever rendition. ``sent``: the
    submission this is the document of (not yet stored: it is being made)."""
    versions: list[Submission] = []
    if period is not None:
        versions = await Submission.filter(organization_id=snapshot.organization_id, period_id=period.id).order_by("version")
    steps: dict[str, list[SubmissionReview]] = {}
    for step in await SubmissionReview.filter(submission_id__in=[version.id for version in versions]).order_by("at", "id"):
        steps.setdefault(step.submission_id, []).append(step)
    if sent is not None:
        versions = [*(version for version in versions if version.version < sent.version), sent]
    notes: list[ValueNote] = []
    if period is not None:  # read afresh, not through the request's loader: the document is a record of them
        notes = await ValueNote.filter(organization_id=snapshot.organization_id, period_id=period.id).order_by("created_at", "id")
    return content.build(
        organization=await organizations.get_or_raise(ctx, organization_id=snapshot.organization_id),
        period=period,
        prior_period=await periods.get_prior(ctx, period=period) if period else None,
        snapshot=snapshot,
        sections=await section_values.by_section(ctx, snapshot=snapshot),
        findings=await validation.validate(ctx, snapshot=snapshot, language=language),
        texts=await translations.texts(ctx, language=language),
        versions=versions,
        steps=steps,
        notes=notes,
        generated_at=sent.submitted_at if sent else datetime.now(UTC),
        generated_by=sent.submitted_by if sent else ctx.principal.subject or "ukjent",
        sent=sent,
        language=language,
    )


async def rendered(ctx: Context, record: ReportRecord, report_format: ReportFormat, report: content.ReportContent) -> None:
    """Render ``report`` into the record's own file in the store (not yet saved to the database)."""
    renderer = RENDERERS[report_format]
    data = await render(report_format, report)
    ref = files.own_ref(record, period_id=record.period_id, suffix=renderer.suffix)
    record.file_size_bytes = files.store(ctx).write(ref, data)
    record.update_from_dict({"file_ref": ref, "content_type": renderer.content_type})


def format_of(record: ReportRecord) -> ReportFormat:
    """The format a record was rendered in (XLSX for a record whose file says nothing)."""
    suffix = PurePosixPath(record.file_ref).suffix if record.file_ref else ""
    return ReportFormat.PDF if suffix == ".pdf" or record.content_type == PDF_CONTENT_TYPE else ReportFormat.XLSX


async def sent_document(
    ctx: Context, *, draft: ReportRecord, snapshot: Snapshot, period: Period, sent: Submission, language: Language = FALLBACK
) -> ReportRecord:
    """The document a submission sends: rendered now, in the format of the report the
    organisation submitted, saying it was sent (version, when, by whom) with the versions before
    it and the dialogue so far. Its file is written; the record is not saved yet, so the
    submission's transaction saves both or neither (``discard`` removes the file if not)."""
    record = ReportRecord(
        id=ids.report_id(),
        organization_id=snapshot.organization_id,
        snapshot_id=snapshot.id,
        period_id=period.id,
        report_type=draft.report_type,
        period_from=period.start,
        period_to=period.end,
        status=ReportStatus.COMPLETED,
        generated_by=sent.submitted_by,
        generated_at=sent.submitted_at,
    )
    report = await content_of(ctx, snapshot=snapshot, period=period, sent=sent, language=language)
    await rendered(ctx, record, format_of(draft), report)
    return record


def discard(ctx: Context, record: ReportRecord) -> None:
    """Remove the file of a document whose submission did not happen."""
    if record.file_ref is not None:
        files.store(ctx).delete(record.file_ref)
