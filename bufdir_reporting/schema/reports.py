"""Report records and submissions in the graph; generating, submitting and reopening."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry import relay

from .. import models
from ..language import Language
from ..resolvers import organizations, periods, snapshots
from ..resolvers.reporting import records, reviews, status, submissions
from ..resolvers.reporting.renderers import ReportFormat
from . import translations as _translations  # noqa: F401  # registers the Language enum
from .context import Info
from .node import ModelNode, node_of, node_or_none, public_key, public_key_or_none

if TYPE_CHECKING:
    from .organization import OrganizationType
    from .period import PeriodNode
    from .snapshot import SnapshotNode

strawberry.enum(models.ReportStatus, name="ReportStatus")
strawberry.enum(
    models.ReviewState,
    name="ReviewState",
    description="Bufdir's review of a submission: SUBMITTED, UNDER_REVIEW, APPROVED (final), RETURNED (the period "
    "unlocks for a corrected version) or REOPENED (by an admin).",
)
strawberry.enum(
    status.ReportingState,
    name="ReportingState",
    description="Where an organisation stands for a period: NOT_STARTED, DRAFT (aggregated, not submitted), SUBMITTED, "
    "UNDER_REVIEW, RETURNED, APPROVED or REOPENED.",
)
strawberry.enum(
    status.Lateness,
    name="Lateness",
    description="Why an organisation is late for a period: CORRECTION_OVERDUE, OVERDUE, CORRECTED_LATE or SUBMITTED_LATE.",
)
strawberry.enum(ReportFormat, name="ReportFormat", description="How a report is rendered: XLSX (a print-ready workbook) or PDF.")
OrganizationRef = Annotated["OrganizationType", strawberry.lazy(".organization")]
PeriodRef = Annotated["PeriodNode", strawberry.lazy(".period")]
SnapshotRef = Annotated["SnapshotNode", strawberry.lazy(".snapshot")]
RecordRoot = strawberry.Parent[models.ReportRecord]
SubmissionRoot = strawberry.Parent[models.Submission]


@strawberry.type(name="ReportRecord", description="A generated report file.")
class ReportRecordNode(ModelNode):
    model = models.ReportRecord

    id: relay.NodeID[str]
    report_id: str = strawberry.field(resolver=lambda root: root.id)
    report_type: str
    period_from: datetime.date
    period_to: datetime.date
    status: models.ReportStatus
    file_ref: str | None
    file_size_bytes: int | None
    error: str | None
    generated_by: str | None
    generated_at: datetime.datetime | None
    created_at: datetime.datetime

    @strawberry.field(description="Where to download the file (with your bearer token).")
    @staticmethod
    def download_url(root: RecordRoot) -> str | None:
        return f"/api/v1/report-records/{root.id}/file" if root.file_ref else None

    @strawberry.field
    @staticmethod
    async def organization(root: RecordRoot, info: Info) -> OrganizationRef:
        return cast("OrganizationType", await organizations.get_or_raise(info.context, organization_id=root.organization_id))

    @strawberry.field
    @staticmethod
    async def snapshot(root: RecordRoot, info: Info) -> SnapshotRef | None:
        if root.snapshot_id is None:
            return None
        return cast("SnapshotNode | None", await snapshots.get_or_raise(info.context, snapshot_id=root.snapshot_id))

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.ReportRecord:
        return await records.get_or_raise(info.context, report_id=key)


@strawberry.type(description="One step of a submission's life: its arrival, then each review step.")
class ReviewStep:
    from_state: models.ReviewState | None
    to_state: models.ReviewState
    by: str = strawberry.field(description="Who took the step.")
    at: datetime.datetime
    reason: str | None = strawberry.field(description="Why (required when returning: what to correct).")

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, (cls, reviews.Step))


@strawberry.type(name="Submission", description="A report sent to Bufdir; versions follow reopenings and returns.")
class SubmissionType(ModelNode):
    model = models.Submission

    id: relay.NodeID[str]
    submission_id: str = strawberry.field(description="The public key, e.g. sub-….", resolver=lambda root: root.id)
    version: int
    activity_count: int
    submitted_by: str
    submitted_at: datetime.datetime
    reopened_by: str | None
    reopened_at: datetime.datetime | None
    reopen_reason: str | None
    review_state: models.ReviewState = strawberry.field(description="Where Bufdir's review of this version stands.")

    @strawberry.field(
        description="The submission itself, then every step of its review, oldest first: who, when, from and to which state, why."
    )
    @staticmethod
    async def review_history(root: SubmissionRoot, info: Info) -> list[ReviewStep]:
        return cast(list[ReviewStep], await reviews.history(info.context, submission=root))

    @strawberry.field(description="The organisation that submitted it.")
    @staticmethod
    async def organization(root: SubmissionRoot, info: Info) -> OrganizationRef:
        return cast("OrganizationType", await organizations.get_or_raise(info.context, organization_id=root.organization_id))

    @strawberry.field(description="True while this submission locks its period.")
    @staticmethod
    def locks_period(root: SubmissionRoot) -> bool:
        return root.lock_slot is not None

    @strawberry.field
    @staticmethod
    async def period(root: SubmissionRoot, info: Info) -> PeriodRef:
        return cast("PeriodNode", await periods.get_or_raise(info.context, period_id=root.period_id))

    @strawberry.field
    @staticmethod
    async def snapshot(root: SubmissionRoot, info: Info) -> SnapshotRef:
        return cast("SnapshotNode", await snapshots.get_or_raise(info.context, snapshot_id=root.snapshot_id))

    @strawberry.field
    @staticmethod
    async def report_record(root: SubmissionRoot, info: Info) -> ReportRecordNode:
        return node_of(ReportRecordNode, await records.get_or_raise(info.context, report_id=root.report_record_id))

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.Submission:
        return await reviews.get_or_raise(info.context, submission_id=key)


@strawberry.type(description="One organisation's state for a period, for reviewers and admins.")
class OrganizationReportingStatus:
    organization: OrganizationRef
    expected: bool
    submitted: bool
    on_time: bool | None = strawberry.field(description="Whether the first version came by the submission deadline.")
    missing: bool
    state: status.ReportingState
    late: bool = strawberry.field(
        description="Late for the period, now or when its report came: submitted after the submission deadline, "
        "nothing submitted by it, or a returned report not corrected by the correction deadline."
    )
    lateness: status.Lateness | None = strawberry.field(description="Why it is late, the most pressing reason.")
    submission: SubmissionType | None = strawberry.field(description="The latest version, if any.")

    @classmethod
    def of(cls, row: status.OrganizationStatus) -> OrganizationReportingStatus:
        return cls(
            organization=cast("OrganizationType", row.organization),
            expected=True,
            submitted=row.submitted,
            on_time=row.on_time,
            missing=not row.submitted,
            state=row.state,
            late=row.late,
            lateness=row.lateness,
            submission=node_or_none(SubmissionType, row.submission),
        )


@strawberry.type(description="How many organisations are in each state for a period, and how many are late.")
class ReportingCounts:
    not_started: int
    draft: int
    submitted: int
    under_review: int
    returned: int
    approved: int
    reopened: int
    late: int
    submitted_late: int
    overdue: int
    correction_overdue: int
    corrected_late: int


def _scope(period_id: strawberry.ID, form_id: strawberry.ID | None, under: strawberry.ID | None) -> status.Scope:
    return status.Scope(
        public_key("Period", period_id), public_key_or_none("ReportForm", form_id), public_key_or_none("Organization", under)
    )


@strawberry.type(description="A rate: how many organisations, and their share of those expected.")
class Rate:
    count: int
    percent: float | None = strawberry.field(description="Of those expected, to one decimal; null when none is expected.")


@strawberry.type(description="A form's reporting for a period, of the organisations expected to report it.")
class ReportingRates:
    form_id: strawberry.ID
    period_id: strawberry.ID
    expected: int
    submitted: Rate
    on_time: Rate
    submitted_late: Rate
    returned_not_corrected: Rate
    approved: Rate
    not_started: Rate
    late: Rate

    @classmethod
    def of(cls, rates: status.Rates) -> ReportingRates:
        def rate(count: int) -> Rate:
            return Rate(count=count, percent=rates.percent(count))

        return cls(
            form_id=strawberry.ID(rates.form.id),
            period_id=strawberry.ID(rates.period.id),
            expected=rates.expected,
            submitted=rate(rates.submitted),
            on_time=rate(rates.on_time),
            submitted_late=rate(rates.submitted_late),
            returned_not_corrected=rate(rates.returned_not_corrected),
            approved=rate(rates.approved),
            not_started=rate(rates.not_started),
            late=rate(rates.late),
        )


@strawberry.type
class ReportQuery:
    @strawberry.field(description="One submission, by id (its organisation's users, reviewers, admins).")
    async def submission(self, info: Info, id: strawberry.ID) -> SubmissionType | None:
        return node_of(SubmissionType, await SubmissionType.fetch(info, public_key("Submission", id)))

    @strawberry.field(
        description="Per organisation expected to report the form (the default form, if none is named) for the period: "
        "submitted, on time, late and why, missing (reviewers and admins; a reviewer scoped to a subtree sees it)."
    )
    async def reporting_status(
        self,
        info: Info,
        period_id: strawberry.ID,
        form_id: strawberry.ID | None = None,
        under_organization_id: strawberry.ID | None = None,
    ) -> list[OrganizationReportingStatus]:
        rows = await status.reporting_status(info.context, scope=_scope(period_id, form_id, under_organization_id))
        return [OrganizationReportingStatus.of(row) for row in rows]

    @strawberry.field(description="Counts per state for a form and period, for a dashboard (reviewers and admins).")
    async def reporting_counts(
        self,
        info: Info,
        period_id: strawberry.ID,
        form_id: strawberry.ID | None = None,
        under_organization_id: strawberry.ID | None = None,
    ) -> ReportingCounts:
        rows = await status.reporting_status(info.context, scope=_scope(period_id, form_id, under_organization_id))
        return ReportingCounts(**status.state_counts(rows))

    @strawberry.field(
        description="A form's reporting for a period: of the organisations expected (within a subtree, if named), how "
        "many submitted, on time, late, returned and not corrected, approved, not started, in counts and percent "
        "(reviewers and admins)."
    )
    async def reporting_rates(
        self,
        info: Info,
        period_id: strawberry.ID,
        form_id: strawberry.ID | None = None,
        under_organization_id: strawberry.ID | None = None,
    ) -> ReportingRates:
        return ReportingRates.of(await status.rates(info.context, scope=_scope(period_id, form_id, under_organization_id)))


@strawberry.type
class ReportMutation:
    @strawberry.mutation(
        description="Render the Bufdir report of a snapshot: a print-ready workbook (XLSX, the default) or a PDF for "
        "archiving and reading on screen, with the same content; download it from the record's file."
    )
    async def generate_report(
        self,
        info: Info,
        snapshot_id: strawberry.ID,
        report_type: str = "bufdir_report",
        format: Annotated[ReportFormat, strawberry.argument(description="XLSX (default) or PDF.")] = ReportFormat.XLSX,
        language: Annotated[
            Language | None,
            strawberry.argument(description="The document's language; default: the request's Accept-Language, else Bokmål."),
        ] = None,
    ) -> ReportRecordNode:
        snapshot = public_key("Snapshot", snapshot_id)
        record = await records.generate(
            info.context, snapshot_id=snapshot, report_type=report_type, report_format=format, language=language
        )
        return node_of(ReportRecordNode, record)

    @strawberry.mutation(
        description="Submit a report to Bufdir; locks the period for the organisation. The submission sends a document of "
        "its own (its reportRecord), rendered now in the report's format: it says it was sent, by whom and when, and "
        "what became of earlier versions. The report submitted stays the draft it was."
    )
    async def submit_report(
        self,
        info: Info,
        report_id: strawberry.ID,
        language: Annotated[
            Language | None,
            strawberry.argument(description="The sent document's language; default: the request's Accept-Language, else Bokmål."),
        ] = None,
    ) -> SubmissionType:
        submission = await submissions.submit(info.context, report_id=public_key("ReportRecord", report_id), language=language)
        return node_of(SubmissionType, submission)

    @strawberry.mutation(description="Take a submission under review (reviewer or admin).")
    async def start_review(self, info: Info, submission_id: strawberry.ID) -> SubmissionType:
        key = public_key("Submission", submission_id)
        submission = await reviews.review(info.context, submission_id=key, action=reviews.ReviewAction.START)
        return node_of(SubmissionType, submission)

    @strawberry.mutation(description="Approve a submission: final for its version; the period stays locked (reviewer or admin).")
    async def approve_submission(self, info: Info, submission_id: strawberry.ID) -> SubmissionType:
        key = public_key("Submission", submission_id)
        submission = await reviews.review(info.context, submission_id=key, action=reviews.ReviewAction.APPROVE)
        return node_of(SubmissionType, submission)

    @strawberry.mutation(
        description="Return a submission for correction, saying what to correct: the period unlocks, the returned "
        "version and its file stay, and a corrected submission becomes the next version (reviewer or admin)."
    )
    async def return_submission(
        self,
        info: Info,
        submission_id: strawberry.ID,
        reason: str,
        correction_deadline: Annotated[
            datetime.date | None,
            strawberry.argument(
                description="By when the corrected version is due: the form's correction deadline for the period."
            ),
        ] = None,
    ) -> SubmissionType:
        key, action = public_key("Submission", submission_id), reviews.ReviewAction.RETURN
        submission = await reviews.review(
            info.context, submission_id=key, action=action, reason=reason, correction_deadline=correction_deadline
        )
        return node_of(SubmissionType, submission)

    @strawberry.mutation(
        description="Reopen a submitted period of a form (the default form, if none is named) (admin, with a reason)."
    )
    async def reopen_period(
        self,
        info: Info,
        organization_id: strawberry.ID,
        period_id: strawberry.ID,
        reason: str,
        form_id: strawberry.ID | None = None,
    ) -> SubmissionType:
        submission = await submissions.reopen(
            info.context,
            organization_id=public_key("Organization", organization_id),
            period_id=public_key("Period", period_id),
            reason=reason,
            form_id=public_key_or_none("ReportForm", form_id),
        )
        return node_of(SubmissionType, submission)
