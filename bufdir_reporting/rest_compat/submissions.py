"""Submissions and Bufdir's review of them over REST (no legacy contract: a path of its own), for
reporting tools: read a submission with its review history, take a review step, and the
reporting status of a period."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from ..models import Submission
from ..resolvers.base.context import Context
from ..resolvers.reporting import reviews, status
from ..timefmt import iso
from .routing import NO_NUL, ContextDep, ContractRouter, SubmissionId

router = ContractRouter("/api/v1/submissions", tag="submissions", printed_paths=False)


class ReviewStepShape(BaseModel):
    from_state: str | None  # null for the submission itself
    to_state: str
    by: str
    at: str
    reason: str | None


class SubmissionShape(BaseModel):
    submission_id: str
    org_id: str
    period_id: str
    version: int
    report_id: str
    submitted_at: str
    submitted_by: str
    activity_count: int
    locks_period: bool
    review_state: str  # submitted, under_review, approved, returned, reopened
    review_history: list[ReviewStepShape]


class ReviewBody(BaseModel):
    action: Literal["start_review", "approve", "return"]
    reason: str | None = Field(default=None, max_length=4000, description="required when returning: what to correct")
    correction_deadline: date | None = Field(default=None, description="when returning: by when the corrected version is due")


class StatusRow(BaseModel):
    org_id: str
    name: str
    state: str  # not_started, draft, submitted, under_review, returned, approved, reopened
    on_time: bool | None
    late: bool
    lateness: str | None  # correction_overdue, overdue, corrected_late, submitted_late
    submission_id: str | None
    version: int | None


class ReportingStatus(BaseModel):
    period_id: str
    form_id: str | None
    counts: dict[str, int]
    organizations: list[StatusRow]


async def shape(ctx: Context, submission: Submission) -> dict[str, Any]:
    steps = await reviews.history(ctx, submission=submission)
    return {
        "submission_id": submission.id,
        "org_id": submission.organization_id,
        "period_id": submission.period_id,
        "version": submission.version,
        "report_id": submission.report_record_id,
        "submitted_at": iso(submission.submitted_at),
        "submitted_by": submission.submitted_by,
        "activity_count": submission.activity_count,
        "locks_period": submission.lock_slot is not None,
        "review_state": str(submission.review_state),
        "review_history": [
            {
                "from_state": str(s.from_state) if s.from_state else None,
                "to_state": str(s.to_state),
                "by": s.by,
                "at": iso(s.at),
                "reason": s.reason,
            }
            for s in steps
        ],
    }


@router.endpoint(
    "GET",
    "/reporting-status",
    response_model=None,
    responses={200: {"model": ReportingStatus}},
    summary="Every organisation's state for a period, with counts per state (reviewers and admins)",
)
async def reporting_status(
    period_id: Annotated[str, Query(min_length=1, max_length=32, pattern=NO_NUL)],
    form_id: Annotated[str | None, Query(min_length=1, max_length=64, pattern=NO_NUL)] = None,
    under_org_id: Annotated[str | None, Query(min_length=1, max_length=64, pattern=NO_NUL)] = None,
    ctx: Context = ContextDep,
) -> dict[str, Any]:
    statuses = await status.reporting_status(ctx, scope=status.Scope(period_id, form_id, under_org_id))
    rows = [
        {
            "org_id": row.organization.id,
            "name": row.organization.name,
            "state": row.state,
            "on_time": row.on_time,
            "late": row.late,
            "lateness": row.lateness,
            "submission_id": row.submission.id if row.submission else None,
            "version": row.submission.version if row.submission else None,
        }
        for row in statuses
    ]
    return {"period_id": period_id, "form_id": form_id, "counts": status.state_counts(statuses), "organizations": rows}


class RateShape(BaseModel):
    count: int
    percent: float | None  # of those expected, to one decimal; null when none is expected


class ReportingRates(BaseModel):
    form_id: str
    period_id: str
    expected: int
    submitted: RateShape
    on_time: RateShape
    submitted_late: RateShape
    returned_not_corrected: RateShape
    approved: RateShape
    not_started: RateShape
    late: RateShape


@router.endpoint(
    "GET",
    "/reporting-rates",
    response_model=None,
    responses={200: {"model": ReportingRates}},
    summary="A form's reporting for a period: expected, submitted, on time, late, returned and not corrected, approved, "
    "not started, in counts and percent (reviewers and admins)",
)
async def reporting_rates(
    period_id: Annotated[str, Query(min_length=1, max_length=32, pattern=NO_NUL)],
    form_id: Annotated[str | None, Query(min_length=1, max_length=64, pattern=NO_NUL)] = None,
    under_org_id: Annotated[str | None, Query(min_length=1, max_length=64, pattern=NO_NUL)] = None,
    ctx: Context = ContextDep,
) -> dict[str, Any]:
    rates = await status.rates(ctx, scope=status.Scope(period_id, form_id, under_org_id))
    names = ("submitted", "on_time", "submitted_late", "returned_not_corrected", "approved", "not_started", "late")
    counted = {name: {"count": getattr(rates, name), "percent": rates.percent(getattr(rates, name))} for name in names}
    return {"form_id": rates.form.id, "period_id": rates.period.id, "expected": rates.expected, **counted}


@router.endpoint(
    "GET",
    "/{submission_id}",
    response_model=None,
    responses={200: {"model": SubmissionShape}},
    summary="A submission and its review",
)
async def get_submission(submission_id: SubmissionId, ctx: Context = ContextDep) -> dict[str, Any]:
    return await shape(ctx, await reviews.get_or_raise(ctx, submission_id=submission_id))


@router.endpoint(
    "POST",
    "/{submission_id}/review",
    response_model=None,
    responses={200: {"model": SubmissionShape}},
    summary="Take a review step: start_review, approve, or return with a reason (reviewers and admins)",
)
async def review_submission(submission_id: SubmissionId, body: ReviewBody, ctx: Context = ContextDep) -> dict[str, Any]:
    action = reviews.ReviewAction(body.action)
    submission = await reviews.review(
        ctx, submission_id=submission_id, action=action, reason=body.reason, correction_deadline=body.correction_deadline
    )
    return await shape(ctx, submission)
