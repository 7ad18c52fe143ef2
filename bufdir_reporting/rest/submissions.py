"""Submissions and Bufdir's review of them over REST (no legacy contract: a path of its own), for
reporting tools: read a submission with its review history, take a review step, and the
reporting status of a period."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Body, Query
from pydantic import BaseModel, Field

from ..models import ReportForm, ReviewState, Submission
from ..resolvers.base.context import Context
from ..resolvers.base.inputs import Day
from ..resolvers.reporting import assignments, reviews, status
from ..resolvers.reporting.status import Lateness, ReportingState
from .routing import ContextDep, ContractRouter, OrganizationIdQuery, PeriodId, SubmissionId, examples_of, stored_length
from .shapes import Instant, Shape, examples

router = ContractRouter("/api/v1/submissions", tag="submissions", printed_paths=False)


class ReviewStep(Shape):
    from_state: ReviewState | None = Field(description="null for the submission itself")
    to_state: ReviewState
    by: str
    at: Instant
    reason: str | None


class SubmissionShape(Shape):
    model_config = examples(
        {
            "submission_id": "sub-01k2x7v3m9",
            "org_id": "org-1042",
            "period_id": "2024",
            "version": 1,
            "report_id": "rpt_01HX9K2M3N4P5Q6R7S8T9U0V",
            "submitted_at": "2025-02-20T14:03:11Z",
            "submitted_by": "kari",
            "activity_count": 1203,
            "locks_period": True,
            "review_state": "returned",
            "review_history": [
                {"from_state": None, "to_state": "submitted", "by": "kari", "at": "2025-02-20T14:03:11Z", "reason": None},
                {
                    "from_state": "submitted",
                    "to_state": "returned",
                    "by": "bufdir-saksbehandler",
                    "at": "2025-03-03T09:30:00Z",
                    "reason": "Årsverk ser for lavt ut",
                },
            ],
        }
    )

    submission_id: str
    org_id: str
    period_id: str
    version: int
    report_id: str
    submitted_at: Instant
    submitted_by: str
    activity_count: int
    locks_period: bool
    review_state: ReviewState
    review_history: list[ReviewStep]


FormIdQuery = Annotated[
    str | None, Query(max_length=stored_length(ReportForm, "id"), description="a report form; the default form if left out")
]


class ReviewBody(BaseModel):
    action: Literal["start_review", "approve", "return"]
    reason: str | None = Field(default=None, max_length=4000, description="required when returning: what to correct")
    correction_deadline: Day | None = Field(default=None, description="when returning: by when the corrected version is due")


class StatusRow(Shape):
    org_id: str
    name: str
    state: ReportingState
    on_time: bool | None
    late: bool
    lateness: Lateness | None
    submission_id: str | None
    version: int | None


class ReportingStatus(Shape):
    model_config = examples(
        {
            "period_id": "2024",
            "form_id": None,
            "counts": {"not_started": 0, "draft": 1, "submitted": 1, "under_review": 0, "returned": 0, "approved": 0}
            | {"reopened": 0, "late": 1, "correction_overdue": 0, "overdue": 1, "corrected_late": 0, "submitted_late": 0},
            "organizations": [
                {
                    "org_id": "org-1042",
                    "name": "Barnevernstjenesten Oslo Sør",
                    "state": "submitted",
                    "on_time": True,
                    "late": False,
                    "lateness": None,
                    "submission_id": "sub-01k2x7v3m9",
                    "version": 1,
                },
                {
                    "org_id": "org-2077",
                    "name": "Barnevernstjenesten Bergen",
                    "state": "draft",
                    "on_time": None,
                    "late": True,
                    "lateness": "overdue",
                    "submission_id": None,
                    "version": None,
                },
            ],
        }
    )

    period_id: str
    form_id: str | None = Field(description="the form asked for; null: the default form")
    assigned_form_ids: list[str] = Field(
        default_factory=list,
        description="the forms assigned to some organisation for the period: where the form asked for has no one "
        "expected (the default form, in the demo), these are the ones to ask for",
    )
    counts: dict[str, int] = Field(description="organisations in each state (every state named), late, and late by reason")
    organizations: list[StatusRow]


class Rate(Shape):
    count: int
    percent: float | None = Field(description="Of those expected, to one decimal; null when none is expected.")


class ReportingRates(Shape):
    model_config = examples(
        {
            "form_id": "barnevern-arsrapport",
            "period_id": "2025",
            "expected": 2,
            "submitted": {"count": 1, "percent": 50.0},
            "on_time": {"count": 1, "percent": 50.0},
            "submitted_late": {"count": 0, "percent": 0.0},
            "returned_not_corrected": {"count": 0, "percent": 0.0},
            "approved": {"count": 0, "percent": 0.0},
            "not_started": {"count": 1, "percent": 50.0},
            "late": {"count": 1, "percent": 50.0},
        }
    )

    form_id: str
    period_id: str
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
            form_id=rates.form.id,
            period_id=rates.period.id,
            expected=rates.expected,
            submitted=rate(rates.submitted),
            on_time=rate(rates.on_time),
            submitted_late=rate(rates.submitted_late),
            returned_not_corrected=rate(rates.returned_not_corrected),
            approved=rate(rates.approved),
            not_started=rate(rates.not_started),
            late=rate(rates.late),
        )


async def shape(ctx: Context, submission: Submission) -> SubmissionShape:
    steps = await reviews.history(ctx, submission=submission)
    return SubmissionShape(
        submission_id=submission.id,
        org_id=submission.organization_id,
        period_id=submission.period_id,
        version=submission.version,
        report_id=submission.report_record_id,
        submitted_at=submission.submitted_at,
        submitted_by=submission.submitted_by,
        activity_count=submission.activity_count,
        locks_period=submission.lock_slot is not None,
        review_state=submission.review_state,
        review_history=[
            ReviewStep(from_state=s.from_state, to_state=s.to_state, by=s.by, at=s.at, reason=s.reason) for s in steps
        ],
    )


@router.endpoint(
    "GET",
    "/reporting-status",
    "getReportingStatus",
    ReportingStatus,
    errors={403, 404},
    summary="Every organisation's state for a period, with counts per state (reviewers and admins)",
)
async def reporting_status(
    period_id: PeriodId, form_id: FormIdQuery = None, under_org_id: OrganizationIdQuery = None, ctx: Context = ContextDep
) -> ReportingStatus:
    statuses = await status.reporting_status(ctx, scope=status.Scope(period_id, form_id, under_org_id))
    rows = [
        StatusRow(
            org_id=row.organization.id,
            name=row.organization.name,
            state=row.state,
            on_time=row.on_time,
            late=row.late,
            lateness=row.lateness,
            submission_id=row.submission.id if row.submission else None,
            version=row.submission.version if row.submission else None,
        )
        for row in statuses
    ]
    # an empty answer for the default form (assigned to nobody in the demo) said nothing of which
    # forms are assigned for the period (#31 outside test, finding 10)
    assigned = await assignments.assigned_form_ids(ctx, period_id=period_id)
    return ReportingStatus(
        period_id=period_id,
        form_id=form_id,
        assigned_form_ids=assigned,
        counts=status.state_counts(statuses),
        organizations=rows,
    )


@router.endpoint(
    "GET",
    "/reporting-rates",
    "getReportingRates",
    ReportingRates,
    errors={403, 404},
    summary="A form's reporting for a period: expected, submitted, on time, late, returned and not corrected, approved, "
    "not started, in counts and percent (reviewers and admins)",
)
async def reporting_rates(
    period_id: PeriodId, form_id: FormIdQuery = None, under_org_id: OrganizationIdQuery = None, ctx: Context = ContextDep
) -> ReportingRates:
    return ReportingRates.of(await status.rates(ctx, scope=status.Scope(period_id, form_id, under_org_id)))


@router.endpoint("GET", "/{submission_id}", "getSubmission", SubmissionShape, summary="A submission and its review")
async def get_submission(submission_id: SubmissionId, ctx: Context = ContextDep) -> SubmissionShape:
    return await shape(ctx, await reviews.get_or_raise(ctx, submission_id=submission_id))


@router.endpoint(
    "POST",
    "/{submission_id}/review",
    "reviewSubmission",
    SubmissionShape,
    errors={403, 409},
    summary="Take a review step: start_review, approve, or return with a reason (reviewers and admins)",
)
async def review_submission(
    submission_id: SubmissionId,
    body: Annotated[
        ReviewBody,
        Body(
            openapi_examples=examples_of(
                start_review={"action": "start_review"},
                approve={"action": "approve"},
                return_it={"action": "return", "reason": "Årsverk ser for lavt ut: stemmer det med bemanningen?"},
            )
        ),
    ],
    ctx: Context = ContextDep,
) -> SubmissionShape:
    action = reviews.ReviewAction(body.action)
    submission = await reviews.review(
        ctx, submission_id=submission_id, action=action, reason=body.reason, correction_deadline=body.correction_deadline
    )
    return await shape(ctx, submission)
