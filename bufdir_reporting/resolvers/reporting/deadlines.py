"""A form's deadlines for a period: the form's where set, else the period's own. Admins set
them (audited); a reviewer returning a report sets its correction deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.transactions import in_transaction

from ...errors import InvalidInput
from ...models import DEFAULT_FORM, FormDeadline, Period
from .. import periods
from ..base import access, audit
from ..base.context import Context
from ..base.inputs import Day, Strict
from ..structure import forms
from .assignments import asked_for


class DeadlineSpec(Strict):
    submission_deadline: Day | None = None
    correction_deadline: Day | None = None


@dataclass(frozen=True, slots=True)
class Deadlines:
    submission: date | None
    correction: date | None


async def deadlines(ctx: Context, *, form_id: str | None, period: Period) -> Deadlines:
    """The form's deadlines for the period, each falling back to the period's own."""
    own = await FormDeadline.get_or_none(form_id=form_id or DEFAULT_FORM, period_id=period.id)
    return Deadlines(
        own.submission_deadline if own and own.submission_deadline else period.submission_deadline,
        own.correction_deadline if own and own.correction_deadline else period.correction_deadline,
    )


async def set_deadlines(ctx: Context, *, form_id: str, period_id: str, spec: DeadlineSpec) -> FormDeadline:
    """Set the form's deadlines for a period (a field left out keeps its value). The period is
    one the form asks (a quarter's deadline on a yearly form would apply to nothing), and the
    correction deadline is not before the submission deadline (#31 review, finding 6)."""
    access.require_admin(ctx)
    form = await forms.get_or_raise(ctx, form_id=form_id)
    period = await periods.get_or_raise(ctx, period_id=period_id)
    if not asked_for(form, period):
        raise InvalidInput(
            field="period_id",
            message_id="reporting.assignments.form_asked_periods",
            values={"id": form.id, "period_type": form.period_type, "id2": period.id, "type": period.type},
        )
    _refuse_nonsense_deadlines(period, spec)
    return await _write_deadlines(ctx, form_id, period, spec)


DEADLINE_REACH_YEARS = 5
"""How long after a period's end a deadline may fall: 9999-12-31 was accepted (#31 outside test, 5)."""


def _refuse_nonsense_deadlines(period: Period, spec: DeadlineSpec) -> None:
    """A deadline given is within the period's reach: not before it starts, not more than
    ``DEADLINE_REACH_YEARS`` after it ends; a correction deadline is not in the past (a reviewer
    returning a report may not set one there either). 1900-01-01 was accepted (#31 outside test, 5)."""
    latest = period.end.replace(year=period.end.year + DEADLINE_REACH_YEARS)
    for name, day in (("submission_deadline", spec.submission_deadline), ("correction_deadline", spec.correction_deadline)):
        if day is None:
            continue
        if day < period.start:
            raise InvalidInput(
                field=name,
                message_id="reporting.assignments.deadline_before_period",
                values={"name": name, "day": day, "period": period.id, "start": period.start},
            )
        if day > latest:
            raise InvalidInput(
                field=name,
                message_id="reporting.assignments.deadline_too_far",
                values={"name": name, "day": day, "years": DEADLINE_REACH_YEARS, "period": period.id, "end": period.end},
            )
    if spec.correction_deadline is not None and spec.correction_deadline < periods.local_today():
        raise InvalidInput(
            field="correction_deadline",
            message_id="reporting.assignments.correction_deadline_past",
            values={"day": spec.correction_deadline},
        )


async def set_correction_deadline(ctx: Context, *, form_id: str | None, period: Period, day: date) -> None:
    """A returned report's correction deadline, set by the reviewer returning it (in the
    caller's transaction)."""
    await _write_deadlines(ctx, form_id or DEFAULT_FORM, period, DeadlineSpec(correction_deadline=day))


async def _write_deadlines(ctx: Context, form_id: str, period: Period, spec: DeadlineSpec) -> FormDeadline:
    given = spec.model_dump(exclude_unset=True)
    period_id = period.id
    async with in_transaction():
        deadline, _ = await FormDeadline.get_or_create(form_id=form_id, period_id=period_id)
        before = {"submission_deadline": deadline.submission_deadline, "correction_deadline": deadline.correction_deadline}
        deadline.update_from_dict(given)
        submission = deadline.submission_deadline or period.submission_deadline
        correction = deadline.correction_deadline or period.correction_deadline
        if submission is not None and correction is not None and correction < submission:
            raise InvalidInput(
                field="correction_deadline",
                message_id="reporting.assignments.correction_deadline_before_submission",
                values={"correction": correction, "submission": submission},
            )
        await deadline.save()
        await audit.record(
            ctx,
            action="form.deadlines",
            entity_type="report_form",
            entity_id=form_id,
            before={**before, "period_id": period_id},
            after={**given, "period_id": period_id},
        )
    return deadline
