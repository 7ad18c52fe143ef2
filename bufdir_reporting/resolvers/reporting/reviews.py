"""Bufdir's side of a submission: a reviewer starts the review, then approves it or returns it.

    submitted ──start──▶ under review ──approve──▶ approved (final; stays locked)
        │                    │
        └────── return ──────┴──▶ returned (the period unlocks for correction; the returned
                                   version and its file stay; the next submission is version N+1)

Approving resolves the report's questions still unresolved (``notes.settle_with_approval``).
An admin's reopening (``submissions.reopen``) ends any state as ``reopened``. Every step is
kept (``SubmissionReview``: who, when, from, to, why), audited and published to the
organisation's and the reviewers' channels. A step races safely: it applies only if the
submission is still in the state (and holds the lock) it was read in; the loser of a race gets
CONFLICT and leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from ...errors import Conflict, Forbidden, InvalidInput
from ...events import SubmissionReviewed
from ...language import chosen, say
from ...models import Period, ReviewState, Submission, SubmissionReview
from .. import periods
from ..base import access, audit, notify
from ..base.context import Context
from ..base.inputs import refuse_direction_controls
from ..snapshots import notes, prior_values
from . import deadlines


class ReviewAction(StrEnum):
    START = "start_review"
    APPROVE = "approve"
    RETURN = "return"


STEPS = {
    ReviewAction.START: ({ReviewState.SUBMITTED}, ReviewState.UNDER_REVIEW),
    # A choice: a reviewer may approve (or return) a submitted report without taking it under
    # review first. Starting a review only tells the organisation and other reviewers that
    # someone is on it; requiring it would add a click to every clean report, and the history
    # shows which way each report went.
    ReviewAction.APPROVE: ({ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW}, ReviewState.APPROVED),
    ReviewAction.RETURN: ({ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW}, ReviewState.RETURNED),
}


async def get_or_raise(ctx: Context, *, submission_id: str) -> Submission:
    submission = await ctx.loaders.submission_by_id.load(submission_id)
    return access.readable(ctx, submission, kind="submission", key=submission_id)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a submission's life: its arrival (``from_state`` None), then each review step."""

    from_state: ReviewState | None
    to_state: ReviewState
    by: str
    at: datetime
    reason: str | None


async def history(ctx: Context, *, submission: Submission) -> list[Step]:
    """The submission itself, then every review step, oldest first."""
    arrived = Step(None, ReviewState.SUBMITTED, submission.submitted_by, submission.submitted_at, None)
    steps = await SubmissionReview.filter(submission_id=submission.id).order_by("at", "id")
    return [arrived, *(Step(s.from_state, s.to_state, s.by, s.at, s.reason) for s in steps)]


async def review(
    ctx: Context,
    *,
    submission_id: str,
    action: ReviewAction,
    reason: str | None = None,
    correction_deadline: date | None = None,
) -> Submission:
    """A reviewer's step on a submission it may read (a reviewer scoped to a subtree reviews
    that subtree). Returning it may set the form's correction deadline for the period."""
    access.require_review(ctx)
    submission = access.readable(ctx, await Submission.get_or_none(id=submission_id), kind="submission", key=submission_id)
    access.require_review_of(ctx, submission.organization_id)
    allowed, target = STEPS[action]
    reason = (reason or "").strip() or None
    if action == ReviewAction.RETURN and reason is None:
        raise InvalidInput(field="reason", message_id="reporting.reviews.reason_required_return_submission")
    refuse_direction_controls(reason or "", field="reason")  # the sent document prints it
    if submission.review_state not in allowed:
        raise Conflict(
            details={"submission_id": submission_id, "review_state": str(submission.review_state)},
            message_id=f"reporting.reviews.cannot_{action.value}",
            # the state in the reader's words: Norwegian said the raw code ("status returned", outsider)
            values={
                "state": submission.review_state.replace("_", " "),
                "code": submission.review_state.value,
                "state_word": say(f"word.ReviewState.{submission.review_state.value}", chosen()),
            },
        )
    if action == ReviewAction.APPROVE and submission.submitted_by == ctx.principal.subject:
        # Four eyes: whoever sent a report does not also approve it (#31 review, finding 1: a
        # reviewer token that could write submitted a report and approved its own submission).
        raise Forbidden(
            # the reason, as every other 403 has one (#31 outside test, finding 11)
            details={"reason": "own_submission", "submission_id": submission_id, "submitted_by": submission.submitted_by},
            message_id="reporting.reviews.submission_approved_someone_other",
        )
    period = await periods.get_or_raise(ctx, period_id=submission.period_id)
    if correction_deadline is not None:
        await _may_set(ctx, action, correction_deadline, form_id=submission.form_id, period=period)
    stepped = await _step(ctx, submission, target, reason=reason)
    if correction_deadline is not None:  # the step won: its deadline holds
        await deadlines.set_correction_deadline(ctx, form_id=submission.form_id, period=period, day=correction_deadline)
    return stepped


async def _may_set(ctx: Context, action: ReviewAction, correction_deadline: date, *, form_id: str | None, period: Period) -> None:
    """A correction deadline comes with a return, is not in the past, and is the form's for the
    period for every organisation: a reviewer scoped to a subtree does not set it for all the
    others (#31 review, finding 5; the model has no per-organisation deadline)."""
    if action != ReviewAction.RETURN:
        raise InvalidInput(field="correction_deadline", message_id="reporting.reviews.correction_deadline_set_when")
    if not access.reads_all(ctx.principal):
        raise Forbidden(details={"reason": "form_wide_deadline"}, message_id="reporting.reviews.correction_deadline_form_s")
    if correction_deadline < periods.local_today():
        raise InvalidInput(
            field="correction_deadline",
            message_id="reporting.reviews.correction_deadline_past",
            values={"correction_deadline": correction_deadline},
        )
    submission = (await deadlines.deadlines(ctx, form_id=form_id, period=period)).submission
    if submission is not None and correction_deadline < submission:
        raise InvalidInput(
            field="correction_deadline",
            message_id="reporting.reviews.correction_deadline_before_submission",
            values={"correction_deadline": correction_deadline, "submission": submission},
        )


async def _step(
    ctx: Context,
    submission: Submission,
    target: ReviewState,
    *,
    reason: str | None,
    changes: dict[str, object] | None = None,
    action: str | None = None,
    audited: tuple[dict[str, object], dict[str, object]] | None = None,
) -> Submission:
    """Move ``submission`` to ``target`` if it is still in the state it was read in (and still
    holds the lock it held): a compare-and-set, so of two steps racing from one state only one
    applies, and the loser gets CONFLICT. History, lock, audit and event come from the winner."""
    before = submission.review_state
    update: dict[str, object] = {"review_state": target, **(changes or {})}
    if target == ReviewState.RETURNED:
        update["lock_slot"] = None  # the organisation corrects and submits a new version
    async with notify.transaction(ctx) as outbox:
        moved = await Submission.filter(id=submission.id, review_state=before, lock_slot=submission.lock_slot).update(**update)
        if not moved:
            raise Conflict(
                details={"submission_id": submission.id}, message_id="reporting.reviews.submission_changed_meanwhile_another"
            )
        step = await _kept(ctx, submission, before, target, reason)
        old, new = audited or ({"review_state": str(before)}, {"review_state": str(target), "reason": reason})
        await audit.record(
            ctx,
            action=action or f"submission.{target}",
            entity_type="submission",
            entity_id=submission.id,
            organization_id=submission.organization_id,
            before=old,
            after=new,
        )
        await submission.refresh_from_db()
        outbox.add(SubmissionReviewed.of(submission, step))
        if target == ReviewState.APPROVED:
            await notes.settle_with_approval(
                ctx,
                outbox,
                organization_id=submission.organization_id,
                period_id=submission.period_id,
                form_id=submission.form_id,
                at=step.at,
            )
        if "lock_slot" in update:  # a draft again: its prior figures as they now stand
            await prior_values.refresh_unlocked(ctx, outbox, snapshot_id=submission.snapshot_id)
    return submission


async def reopen(ctx: Context, submission: Submission, *, reason: str) -> Submission:
    """An admin reopens the period: the review ends as ``reopened`` from whatever state it was
    in when read, and the period unlocks (a step like the others, racing safely with them)."""
    changes: dict[str, object] = {
        "lock_slot": None,
        "reopened_by": ctx.principal.subject,
        "reopened_at": datetime.now(UTC),
        "reopen_reason": reason,
    }
    audited = ({"locked": True, "period_id": submission.period_id}, {"locked": False, "reason": reason})
    return await _step(
        ctx, submission, ReviewState.REOPENED, reason=reason, changes=changes, action="period.reopened", audited=audited
    )


async def _kept(
    ctx: Context, submission: Submission, before: ReviewState, target: ReviewState, reason: str | None
) -> SubmissionReview:
    """The step in the submission's history: who, when, from, to, why."""
    return await SubmissionReview.create(
        submission_id=submission.id,
        from_state=before,
        to_state=target,
        by=ctx.principal.subject or "unknown",
        at=datetime.now(UTC),
        reason=reason,
    )
