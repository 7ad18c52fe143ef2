"""Submitting a report to Bufdir, locking the period, and reopening it.

A submission needs a completed report of the organisation's current snapshot for a period,
with every required field filled and no validation errors. It takes the period's lock
(``lock_slot`` is unique, so two racing submissions cannot both win): activity writes dated
inside the period are refused with PERIOD_LOCKED, and the snapshot and report stay as sent,
until an admin reopens the period with a reason. A later submission is the next version; the
history keeps every version.

A submission sends a document of its own (``records.sent_document``), rendered as it is made,
in the format of the report submitted: it says it was sent (version, when, by whom), what became
of the versions before it and the dialogue that shaped it, and it never changes. Rendering it at
submission rather than stamping a copy of the report submitted: the same content model lays out
both renditions, so the workbook and the PDF sent say the same, and a PDF/A's tags and fonts stay
whole. The report the organisation generated beforehand stays the draft it was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from tortoise.exceptions import IntegrityError

from ...errors import Conflict, InvalidInput, NotFound
from ...events import ReportRecordUpdated, SubmissionReviewed
from ...models import (
    Organization,
    Period,
    ReportStatus,
    ReviewState,
    Snapshot,
    SnapshotStatus,
    Submission,
)
from .. import periods
from ..base import access, audit, ids, notify
from ..base.context import Context
from ..base.pagination import Page, Window, paginate
from ..snapshots import validation
from . import records, reviews


async def submit(ctx: Context, *, report_id: str) -> Submission:
    record = await records.get_for_write(ctx, report_id=report_id)
    if record.status != ReportStatus.COMPLETED or record.snapshot_id is None:
        raise Conflict("only a completed report generated from a snapshot can be submitted", details={"report_id": report_id})
    snapshot = await Snapshot.get(id=record.snapshot_id)
    if snapshot.period_id is None:
        raise Conflict("a report over an ad-hoc range cannot be submitted; use a reporting period")
    if snapshot.status != SnapshotStatus.CURRENT or not snapshot.cache_valid:
        raise Conflict(
            "the report's snapshot is no longer current and valid; aggregate again and generate a new report",
            details={"snapshot_id": snapshot.id, "snapshot_status": str(snapshot.status), "cache_valid": snapshot.cache_valid},
        )
    errors = [f for f in await validation.validate(ctx, snapshot=snapshot) if f.severity == "error"]
    if errors:
        raise InvalidInput(
            f"the report has {len(errors)} validation errors; fix them before submitting",
            field="report_id",
            missing_required_fields=[f.field_key for f in errors if f.code == "REQUIRED_MISSING"],
            validation_errors=[{"field_key": f.field_key, "code": f.code, "message": f.message} for f in errors],
        )
    period = await periods.get_or_raise(ctx, period_id=snapshot.period_id)
    submission = Submission(
        id=ids.submission_id(),
        organization_id=snapshot.organization_id,
        period_id=snapshot.period_id,
        snapshot_id=snapshot.id,
        version=await Submission.filter(organization_id=snapshot.organization_id, period_id=snapshot.period_id).count() + 1,
        lock_slot=periods.lock_key(snapshot.organization_id, snapshot.period_id),
        activity_count=snapshot.activity_count or 0,
        submitted_by=ctx.principal.subject or "unknown",
        submitted_at=datetime.now(UTC),
    )
    # Rendered before the transaction (a second of layout must not hold it open); a racing
    # submission of the same version or a held lock fails the insert, and the file goes.
    document = await records.sent_document(ctx, draft=record, snapshot=snapshot, period=period, sent=submission)
    try:
        async with notify.transaction(ctx) as outbox:
            await records.saved(ctx, document)
            submission.report_record_id = document.id
            await submission.save(force_create=True)
            await audit.record(
                ctx,
                action="report.submitted",
                entity_type="submission",
                entity_id=submission.id,
                organization_id=submission.organization_id,
                after={
                    "period_id": submission.period_id,
                    "version": submission.version,
                    "report_id": document.id,
                    "submitted_report_id": record.id,
                    "snapshot_id": snapshot.id,
                },
            )
            # the organisation sees the sent document, and reviewers see it arrive
            outbox.add(ReportRecordUpdated.of(document), SubmissionReviewed.of(submission, None))
    except IntegrityError:
        records.discard(ctx, document)
        raise Conflict(
            f"period {snapshot.period_id} is already submitted for {snapshot.organization_id}; an admin must reopen it",
            details={"organization_id": snapshot.organization_id, "period_id": snapshot.period_id},
        ) from None
    except BaseException:
        records.discard(ctx, document)
        raise
    return submission


async def reopen(ctx: Context, *, organization_id: str, period_id: str, reason: str) -> Submission:
    access.require_admin(ctx)
    if not reason.strip():
        raise InvalidInput("a reason is required to reopen a submitted period", field="reason")
    submission = await Submission.get_or_none(lock_slot=periods.lock_key(organization_id, period_id))
    if submission is None:
        raise NotFound("locked submission", periods.lock_key(organization_id, period_id))
    return await reviews.reopen(ctx, submission, reason=reason)


async def list_(
    ctx: Context, *, window: Window, organization_id: str | None = None, period_id: str | None = None
) -> Page[Submission]:
    query = access.readable_rows(ctx, Submission.all().order_by("-submitted_at", "id"), organization_id)
    if period_id is not None:
        query = query.filter(period_id=period_id)
    return await paginate(query, window)


async def last_submitted(ctx: Context, *, organization_id: str) -> tuple[Submission, Period]:
    access.require_read(ctx, organization_id)
    submission = await Submission.filter(organization_id=organization_id).order_by("-submitted_at").first()
    if submission is None:
        raise NotFound("submission for organization", organization_id)
    return submission, await periods.get_or_raise(ctx, period_id=submission.period_id)


class ReportingState(StrEnum):
    """Where an organisation stands for a period, in the order a report moves."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REOPENED = "reopened"


STATES = tuple(ReportingState)


class Lateness(StrEnum):
    """Why an organisation counts as late for a period, the most pressing first."""

    CORRECTION_OVERDUE = "correction_overdue"
    """Returned, and not submitted again by the correction deadline (nor since)."""
    OVERDUE = "overdue"
    """Nothing submitted, and the submission deadline has passed."""
    CORRECTED_LATE = "corrected_late"
    """Returned, and submitted again after the correction deadline."""
    SUBMITTED_LATE = "submitted_late"
    """The first version came after the submission deadline."""


@dataclass(frozen=True, slots=True)
class OrganizationStatus:
    organization: Organization
    submission: Submission | None
    """The latest version, if any."""
    first: Submission | None
    """The first version: whether the report came in on time."""
    returned: Submission | None
    """The latest version Bufdir returned, if any: a later one is its correction."""
    period: Period
    has_snapshot: bool
    today: date

    @property
    def deadline(self) -> date | None:
        return self.period.submission_deadline

    @property
    def submitted(self) -> bool:
        return self.submission is not None

    @property
    def state(self) -> ReportingState:
        if self.submission is not None:
            return ReportingState(self.submission.review_state)
        return ReportingState.DRAFT if self.has_snapshot else ReportingState.NOT_STARTED

    @property
    def on_time(self) -> bool | None:
        """Whether the first version came by the submission deadline (None: no deadline, or nothing yet)."""
        if self.first is None or self.deadline is None:
            return None
        return periods.local_date(self.first.submitted_at) <= self.deadline

    @property
    def lateness(self) -> Lateness | None:
        """Why the organisation is late for the period, if it is: a report that came late stays
        late after it came (a case officer asks who was late, not only who still is)."""
        correction = self.period.correction_deadline
        if self.state == ReportingState.RETURNED:
            if correction is not None and self.today > correction:
                return Lateness.CORRECTION_OVERDUE
        elif self.returned is not None and self.submission is not None and correction is not None:
            if periods.local_date(self.submission.submitted_at) > correction:
                return Lateness.CORRECTED_LATE
        if self.submission is None:
            return Lateness.OVERDUE if self.deadline is not None and self.today > self.deadline else None
        return Lateness.SUBMITTED_LATE if self.on_time is False else None

    @property
    def late(self) -> bool:
        return self.lateness is not None


async def reporting_status(ctx: Context, *, period_id: str) -> list[OrganizationStatus]:
    """For reviewers and admins: every organisation's state for the period, on time or late."""
    access.require_review(ctx)
    period = await periods.get_or_raise(ctx, period_id=period_id)
    first: dict[str, Submission] = {}
    latest: dict[str, Submission] = {}
    returned: dict[str, Submission] = {}
    for submission in await Submission.filter(period_id=period_id).order_by("version"):
        first.setdefault(submission.organization_id, submission)
        latest[submission.organization_id] = submission
        if submission.review_state == ReviewState.RETURNED:
            returned[submission.organization_id] = submission
    aggregated: set[str] = {
        str(organization_id)
        for organization_id in await Snapshot.filter(period_id=period_id).values_list("organization_id", flat=True)
    }
    today = periods.local_today()
    return [
        OrganizationStatus(
            organization,
            latest.get(organization.id),
            first.get(organization.id),
            returned.get(organization.id),
            period,
            organization.id in aggregated,
            today,
        )
        for organization in await Organization.all().order_by("id")
    ]


def state_counts(rows: list[OrganizationStatus]) -> dict[str, int]:
    """How many organisations are in each state, every state named (zeros too), how many are
    late, and how many for each reason."""
    counts = dict.fromkeys(map(str, STATES), 0)
    reasons = dict.fromkeys(map(str, Lateness), 0)
    for row in rows:
        counts[row.state] += 1
        if row.lateness is not None:
            reasons[row.lateness] += 1
    return {**counts, "late": sum(row.late for row in rows), **reasons}
