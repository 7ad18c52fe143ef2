"""The report roots: a submission by id, reporting status and rates; generating, submitting, reviewing and reopening."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from ..errors import inputs_named
from ..language import Language
from ..resolvers.reporting import records, reviews, status, submissions
from ..resolvers.reporting.renderers import ReportFormat
from .context import Info
from .node import node_of, public_key, public_key_or_none
from .reporting_status import OrganizationReportingStatus, ReportingCounts, ReportingRates, rates_of
from .reports import ReportRecordNode, SubmissionType


def _scope(period_id: strawberry.ID, form_id: strawberry.ID | None, under: strawberry.ID | None) -> status.Scope:
    return status.Scope(
        public_key("Period", period_id), public_key_or_none("ReportForm", form_id), public_key_or_none("Organization", under)
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
        return rates_of(await status.rates(info.context, scope=_scope(period_id, form_id, under_organization_id)))


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
        with inputs_named({"report_type": "reportType"}):
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

    @strawberry.mutation(
        description="Approve a submission: final for its version; the period stays locked, and the report's questions "
        "still open or answered are resolved by the approver (reviewer or admin)."
    )
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
