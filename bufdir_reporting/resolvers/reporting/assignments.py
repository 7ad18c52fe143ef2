"""Who must report what: a form assigned to organisations from a period on (its deadlines:
``deadlines``).

An assignment names one organisation, or every organisation of a kind, or (neither) every
organisation, from a period's first day on and, if given, until a period's last day. An
organisation is **expected** to report a form for a period when an assignment of the form
covers the period and names it (and the period is of the form's kind). Only an expected
organisation counts in the form's rates and can submit it for that period.

Assigning and ending assignments is the admin's, audited and published (``formAssignments``).
Ending one keeps it for the periods that had ended (``unassign``), so past rates stay as they were.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator
from tortoise.expressions import Q

from ...errors import Conflict, InvalidInput, NotFound
from ...events import FormAssignmentsChanged
from ...models import (
    FormAssignment,
    Organization,
    OrganizationKind,
    Period,
    ReportForm,
    Submission,
)
from .. import periods
from ..base import access, audit, notify
from ..base.context import Context
from ..base.inputs import Strict
from ..base.rows import AnyOrganization
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


def covers(assignment: FormAssignment, period: Period) -> bool:
    return assignment.valid_from <= period.start and (assignment.valid_until is None or period.end <= assignment.valid_until)


def names(assignment: FormAssignment, organization: AnyOrganization) -> bool:
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


async def is_expected(ctx: Context, *, form: ReportForm, organization: AnyOrganization, period: Period) -> bool:
    if not asked_for(form, period):
        return False
    return any(covers(a, period) and names(a, organization) for a in await FormAssignment.filter(form_id=form.id))


async def require_expected(ctx: Context, *, form: ReportForm, organization: AnyOrganization, period: Period) -> None:
    """Refuse what only an organisation assigned the form for the period may do (submit it)."""
    if not await is_expected(ctx, form=form, organization=organization, period=period):
        raise Conflict(
            details={"organization_id": organization.id, "form_id": form.id, "period_id": period.id},
            message_id="reporting.assignments.assigned_form_period_organisation",
            # nb/nn name the organisation and the period as a person knows them ("org-4420 er ikke
            # tildelt … for perioden rp-2026-q1", outsider); English keeps the ids it always said
            values={
                "id": organization.id,
                "id2": form.id,
                "name": form.name,
                "id3": period.id,
                **await periods.named(organization.id, period.id),
            },
        )


async def forms_of(ctx: Context, *, organization: AnyOrganization, period: Period) -> list[ReportForm]:
    """The forms an organisation must report for a period."""
    assignments = await FormAssignment.all().prefetch_related("form")
    found = {a.form_id: a.form for a in assignments if covers(a, period) and names(a, organization) and asked_for(a.form, period)}
    return [found[key] for key in sorted(found)]


async def assigned_form_ids(ctx: Context, *, period_id: str) -> list[str]:
    """The forms some organisation is expected to report for the period, by id."""
    period = await periods.get_or_raise(ctx, period_id=period_id)
    found = await FormAssignment.all().prefetch_related("form")
    return sorted({a.form_id for a in found if covers(a, period) and asked_for(a.form, period)})


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
        # The form's row locked first: two assignments checked for overlap at once both found none
        # and both were made (four identical ones from four concurrent requests on PostgreSQL;
        # attacker's review), and unassigning one left the others in force.
        await ReportForm.select_for_update().get(id=form.id)
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
            raise NotFound("form assignment", str(assignment_id))
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


async def _period(ctx: Context, period_id: str, *, field: str) -> Period:
    try:
        return await periods.get_or_raise(ctx, period_id=period_id)
    except NotFound:
        raise InvalidInput(field=field, message_id="reporting.assignments.period", values={"period_id": period_id}) from None
