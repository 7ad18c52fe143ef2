"""Who must report what: a form assigned to organisations from a period on, and its deadlines.

An assignment names one organisation, or every organisation of a kind, or (neither) every
organisation, from a period's first day on and, if given, until a period's last day. An
organisation is **expected** to report a form for a period when an assignment of the form
covers the period and names it (and the period is of the form's kind). Only an expected
organisation counts in the form's rates and can submit it for that period. Deadlines are the
form's for the period where set, else the period's own.

Assigning and ending assignments is the admin's, audited and published (``formAssignments``).
Ending one keeps it for the periods that had ended (``unassign``), so past rates stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import Field, model_validator
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from ...errors import Conflict, InvalidInput, NotFound
from ...events import FormAssignmentsChanged
from ...models import (
    DEFAULT_FORM,
    FormAssignment,
    FormDeadline,
    Organization,
    OrganizationKind,
    Period,
    ReportForm,
    Submission,
)
from .. import periods
from ..base import access, audit, notify
from ..base.context import Context
from ..base.inputs import Day, Strict
from ..snapshots import form_choice
from ..structure import forms


class AssignmentSpec(Strict):
    """An assignment as an admin writes it."""

    organization_id: str | None = Field(default=None, max_length=64)
    organization_kind: OrganizationKind | None = None
    from_period_id: str = Field(min_length=1, max_length=32)
    until_period_id: str | None = Field(default=None, max_length=32)

    @model_validator(mode="after")
    def _one_target(self) -> AssignmentSpec:
        if self.organization_id is not None and self.organization_kind is not None:
            raise ValueError("name an organisation or a kind of organisation, not both (neither: every organisation)")
        return self


class DeadlineSpec(Strict):
    submission_deadline: Day | None = None
    correction_deadline: Day | None = None


def covers(assignment: FormAssignment, period: Period) -> bool:
    return assignment.valid_from <= period.start and (assignment.valid_until is None or period.end <= assignment.valid_until)


def names(assignment: FormAssignment, organization: Organization) -> bool:
    if assignment.organization_id is not None:
        return assignment.organization_id == organization.id
    return assignment.organization_kind is None or assignment.organization_kind == organization.kind


def asked_for(form: ReportForm, period: Period) -> bool:
    return form.period_type is None or form.period_type == period.type


async def expected(ctx: Context, *, form: ReportForm, period: Period) -> list[Organization]:
    """The organisations that must report ``form`` for ``period``, by id."""
    if not asked_for(form, period):
        return []
    assignments = [a for a in await FormAssignment.filter(form_id=form.id) if covers(a, period)]
    if not assignments:
        return []
    return [o for o in await Organization.all().order_by("id") if any(names(a, o) for a in assignments)]


async def expected_readable(ctx: Context, *, form: ReportForm, period: Period) -> list[Organization]:
    """The expected organisations the caller may read (all of them, for reviewers and admins).
    The forms are public, but a list of organisations with their numbers and kinds is not:
    ``{organizations}`` needs a token, and this listed them to anyone (#31 review, finding 3)."""
    access.require_authenticated(ctx)
    return [o for o in await expected(ctx, form=form, period=period) if access.can_read(ctx.principal, o.id)]


async def is_expected(ctx: Context, *, form: ReportForm, organization: Organization, period: Period) -> bool:
    if not asked_for(form, period):
        return False
    return any(covers(a, period) and names(a, organization) for a in await FormAssignment.filter(form_id=form.id))


async def require_expected(ctx: Context, *, form: ReportForm, organization: Organization, period: Period) -> None:
    """Refuse what only an organisation assigned the form for the period may do (submit it)."""
    if not await is_expected(ctx, form=form, organization=organization, period=period):
        raise Conflict(
            details={"organization_id": organization.id, "form_id": form.id, "period_id": period.id},
            message_id="reporting.assignments.assigned_form_period_organisation",
            values={"id": organization.id, "id2": form.id, "name": form.name, "id3": period.id},
        )


async def forms_of(ctx: Context, *, organization: Organization, period: Period) -> list[ReportForm]:
    """The forms an organisation must report for a period."""
    assignments = await FormAssignment.all().prefetch_related("form")
    found = {a.form_id: a.form for a in assignments if covers(a, period) and names(a, organization) and asked_for(a.form, period)}
    return [found[key] for key in sorted(found)]


async def assigned_form_ids(ctx: Context, *, period_id: str) -> list[str]:
    """The forms some organisation is expected to report for the period, by id."""
    period = await periods.get_or_raise(ctx, period_id=period_id)
    found = await FormAssignment.all().prefetch_related("form")
    return sorted({a.form_id for a in found if covers(a, period) and asked_for(a.form, period)})


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


async def list_(ctx: Context, *, form_id: str) -> list[FormAssignment]:
    """A form's assignments the caller may read: those naming a kind or every organisation, and
    those naming an organisation it reads. They name organisations, so they need a token, as
    ``{organizations}`` does (the form itself stays public)."""
    access.require_authenticated(ctx)
    await forms.get_or_raise(ctx, form_id=form_id)
    found = await FormAssignment.filter(form_id=form_id).order_by("valid_from", "id")
    return [a for a in found if a.organization_id is None or access.can_read(ctx.principal, a.organization_id)]


async def assign(ctx: Context, *, form_id: str, spec: AssignmentSpec) -> FormAssignment:
    access.require_admin(ctx)
    form = await forms.get_or_raise(ctx, form_id=form_id)
    first = await _period(ctx, spec.from_period_id, field="from_period_id")
    last = await _period(ctx, spec.until_period_id, field="until_period_id") if spec.until_period_id else None
    for field, period in (("from_period_id", first), ("until_period_id", last)):
        if period is not None and not asked_for(form, period):  # a year of a quarterly form was accepted
            raise InvalidInput(
                field=field,
                message_id="reporting.assignments.period_of_another_type",
                values={"form": form.id, "period_type": form.period_type, "period": period.id, "type": period.type},
            )
    if last is not None and last.end < first.start:
        raise InvalidInput(field="until_period_id", message_id="reporting.assignments.until_period_id_ends")
    if spec.organization_id is not None and not await Organization.exists(id=spec.organization_id):
        raise InvalidInput(
            field="organization_id",
            message_id="reporting.assignments.organisation",
            values={"organization_id": spec.organization_id},
        )
    async with notify.transaction(ctx) as outbox:
        await _refuse_overlap(form, spec, first, last)
        assignment = await FormAssignment.create(
            form_id=form.id,
            organization_id=spec.organization_id,
            organization_kind=spec.organization_kind,
            valid_from=first.start,
            valid_until=last.end if last else None,
            created_by=ctx.principal.subject or "unknown",
        )
        await audit.record(
            ctx,
            action="form.assigned",
            entity_type="report_form",
            entity_id=form.id,
            organization_id=spec.organization_id,
            after={**spec.model_dump(mode="json"), "assignment_id": assignment.id},
        )
        outbox.add(FormAssignmentsChanged(form_id=form.id))
    return assignment


async def unassign(ctx: Context, *, assignment_id: int, mistaken: bool = False) -> FormAssignment:
    """End an assignment: it makes no one expected for a period that has not ended by today. It
    is kept for the periods that ended before (its ``valid_until`` becomes yesterday), so their
    rates, expected organisations and late reports stay as they were: deleting it rewrote past
    reporting rates (#31 follow-up). One that covered no ended period yet (a mistake, or a
    future assignment) is deleted. One that ended already is refused (CONFLICT).

    ``mistaken`` removes it outright instead, past periods too: an assignment made by mistake
    for past periods could never be removed and made its organisations overdue there for good
    (#31 outside test, finding 1). It is refused (CONFLICT) once a submission was made under it,
    as that report was then owed."""
    access.require_admin(ctx)
    last_day = periods.local_today() - timedelta(days=1)
    async with notify.transaction(ctx) as outbox:
        assignment = await FormAssignment.select_for_update().get_or_none(id=assignment_id)
        if assignment is None:
            raise NotFound("form assignment", assignment_id)
        before = {
            "assignment_id": assignment_id,
            "organization_id": assignment.organization_id,
            "organization_kind": assignment.organization_kind,
            "valid_from": assignment.valid_from,
            "valid_until": assignment.valid_until,
        }
        if mistaken:
            await _refuse_if_submitted_under(assignment)
            await assignment.delete()
            await audit.record(
                ctx,
                action="form.assignment_removed",
                entity_type="report_form",
                entity_id=assignment.form_id,
                organization_id=assignment.organization_id,
                before=before,
                after={"deleted": True, "mistaken": True},
            )
            outbox.add(FormAssignmentsChanged(form_id=assignment.form_id))
            return assignment
        if assignment.valid_until is not None and assignment.valid_until <= last_day:
            raise Conflict(
                details={"assignment_id": assignment_id, "valid_until": assignment.valid_until.isoformat()},
                message_id="reporting.assignments.ended_already",
                values={"assignment_id": assignment_id, "valid_until": assignment.valid_until},
            )
        if assignment.valid_from > last_day:
            await assignment.delete()
            after: dict[str, object] = {"deleted": True}
        else:
            assignment.valid_until = last_day
            await assignment.save(update_fields=["valid_until"])
            after = {"valid_until": last_day}
        await audit.record(
            ctx,
            action="form.unassigned",
            entity_type="report_form",
            entity_id=assignment.form_id,
            organization_id=assignment.organization_id,
            before=before,
            after=after,
        )
        outbox.add(FormAssignmentsChanged(form_id=assignment.form_id))
    return assignment


async def _refuse_overlap(form: ReportForm, spec: AssignmentSpec, first: Period, last: Period | None) -> None:
    """Three identical assignments were accepted (#31 outside test, finding 6): one of the same
    form naming the same organisation (or kind, or everyone) may not cover a day another does."""
    same = FormAssignment.filter(
        form_id=form.id, organization_id=spec.organization_id, organization_kind=spec.organization_kind
    ).filter(Q(valid_until=None) | Q(valid_until__gte=first.start))
    if last is not None:
        same = same.filter(valid_from__lte=last.end)
    existing = await same.order_by("id").first()
    if existing is not None:
        raise Conflict(
            details={"assignment_id": existing.id, "form_id": form.id},
            message_id="reporting.assignments.overlapping"
            if spec.organization_id or spec.organization_kind
            else "reporting.assignments.overlapping_everyone",
            values={"form": form.id, "target": spec.organization_id or spec.organization_kind or "", "id": existing.id},
        )


async def _refuse_if_submitted_under(assignment: FormAssignment) -> None:
    """A submission of the form by an organisation the assignment names, for a period it covers."""
    form = await ReportForm.get(id=assignment.form_id)
    query = Submission.filter(period__start__gte=assignment.valid_from).prefetch_related("organization", "period")
    query = form_choice.of_form(query, form)
    if assignment.valid_until is not None:
        query = query.filter(period__end__lte=assignment.valid_until)
    if assignment.organization_id is not None:
        query = query.filter(organization_id=assignment.organization_id)
    elif assignment.organization_kind is not None:
        query = query.filter(organization__kind=assignment.organization_kind)
    made = await query.order_by("submitted_at").first()
    if made is not None:
        raise Conflict(
            details={"assignment_id": assignment.id, "submission_id": made.id, "period_id": made.period_id},
            message_id="reporting.assignments.submitted_under_it",
            values={"id": assignment.id, "organization": made.organization_id, "form": form.id, "period": made.period_id},
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


async def _period(ctx: Context, period_id: str, *, field: str) -> Period:
    try:
        return await periods.get_or_raise(ctx, period_id=period_id)
    except NotFound:
        raise InvalidInput(field=field, message_id="reporting.assignments.period", values={"period_id": period_id}) from None
