"""Report forms: which sections (and so fields) are asked, for which kind of period.

Forms are reference data like the structure: public to read, written by admins. A form's
sections are read in force as the structure is (a section closed from a period on leaves the
form's reports from then on). A change of a form's sections is a change of the structure for
that form's reports: it replaces the structure's revision and marks the form's current
snapshots invalid, as a section change marks those it changes. The default form holds every
section, for any period: what a request that names no form gets, as before forms existed.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from ...errors import Conflict, InvalidInput, NotFound, refuse_unknown
from ...events import CacheInvalidated
from ...models import DEFAULT_FORM, FormSection, Period, PeriodType, ReportForm, Section
from ..base import audit, invalidation, revision
from ..base.context import Context
from ..base.inputs import Name, Strict
from ..base.pagination import Page, Window, paginate
from .inputs import SECTION_ID


class FormSpec(Strict):
    """A form as an admin writes it."""

    form_id: str = Field(min_length=1, max_length=64)
    name: Name = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=4000)
    period_type: PeriodType | None = None
    rolled_up: bool = Field(default=False, strict=True)
    public: bool = Field(default=False, strict=True)
    """Its approved figures are published: anonymous callers read them through analytics."""
    require_questions_resolved: bool = Field(
        default=False, strict=True, description="submission waits until no value marked for follow-up is unresolved"
    )
    section_ids: list[str] = Field(min_length=1, max_length=200)

    @field_validator("form_id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SECTION_ID.match(value):
            raise ValueError("lower case letters and digits, words joined by - or _ (e.g. barnevern-arsrapport)")
        return value

    @field_validator("section_ids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("names a section twice")
        return value


async def get_or_raise(ctx: Context, *, form_id: str, field: str | None = None) -> ReportForm:
    """The form ``form_id`` names; ``field``: the request's field that named it, said in the refusal."""
    form = await ReportForm.get_or_none(id=form_id)
    if form is None:
        raise NotFound("report form", form_id, field=field)
    return form


async def list_(ctx: Context, *, window: Window) -> Page[ReportForm]:
    return await paginate(ReportForm.all().order_by("id"), window)


async def section_ids(ctx: Context, *, form_id: str | None) -> frozenset[str] | None:
    """The sections a form asks, read once per structure revision; ``None`` for the default
    form (``form_id`` None too), which asks every section there is."""
    if form_id in (None, DEFAULT_FORM):
        return None

    async def read() -> frozenset[str]:
        return frozenset(str(s) for s in await FormSection.filter(form_id=form_id).values_list("section_id", flat=True))

    return await revision.cached(("form-sections", form_id), read)


async def for_period(ctx: Context, *, form_id: str | None, period: Period | None) -> ReportForm:
    """The form a request names (the default form when it names none), checked against the
    kind of period it is asked for. An empty one names no form: GraphQL's ``formId: ""`` (and
    ``"ReportForm:"``) meant the default form where REST refuses it (#31 outside test, finding 9)."""
    if form_id is not None and not form_id:
        raise InvalidInput(field="form_id", message_id="structure.forms.form_id_empty")
    form = await get_or_raise(ctx, form_id=form_id or DEFAULT_FORM, field="form_id")
    if period is not None and form.period_type is not None and period.type != form.period_type:
        raise InvalidInput(
            field="form_id",
            message_id="structure.forms.form_asked_periods_period",
            values={"id": form.id, "name": form.name, "period_type": form.period_type, "id2": period.id, "type": period.type},
        )
    return form


async def sections_of(ctx: Context, *, form: ReportForm) -> list[Section]:
    """The sections a form asks, in report order (the default form: every section)."""
    asked = await section_ids(ctx, form_id=form.id)
    query = Section.all() if asked is None else Section.filter(id__in=sorted(asked))
    return await query.order_by("order", "id")


def scope_part(form_id: str | None) -> str:
    """What a snapshot's scope key adds for its form: nothing for the default form (so the scopes
    made before forms existed stay the default form's), else ``|<form id>``."""
    return "" if form_id in (None, DEFAULT_FORM) else f"|{form_id}"


async def create(ctx: Context, *, spec: FormSpec) -> ReportForm:
    conflict = Conflict(
        details={"field": "form_id"},
        message_id="structure.forms.report_form_conflicts_concurrent",
        values={"form_id": spec.form_id},
    )
    async with audit.admin_write(ctx, conflict=conflict):
        await _sections_exist(spec.section_ids)
        await audit.refuse_taken(
            ReportForm, spec.form_id, field="form_id", message_id="structure.forms.report_form_already_exists"
        )
        form = await ReportForm.create(
            id=spec.form_id,
            name=spec.name,
            description=spec.description,
            period_type=spec.period_type,
            rolled_up=spec.rolled_up,
            public=spec.public,
            require_questions_resolved=spec.require_questions_resolved,
        )
        await FormSection.bulk_create([FormSection(form_id=form.id, section_id=s) for s in spec.section_ids])
        await revision.bump()
        await audit.record(ctx, action="form.created", entity_type="report_form", entity_id=form.id, after=spec.model_dump())
    return form


async def update(ctx: Context, *, form_id: str, spec: FormSpec) -> ReportForm:
    """Replace a form's name, period type, roll-up and sections. The default form asks every
    section there is, for any period (it is what naming no form means): its sections and period
    type do not change."""
    async with audit.admin_write(ctx) as outbox:
        if spec.form_id != form_id:
            raise InvalidInput(field="form_id", message_id="structure.forms.form_id_change_create")
        await _sections_exist(spec.section_ids)
        form = await ReportForm.select_for_update().get_or_none(id=form_id)
        if form is None:
            raise NotFound("report form", form_id)
        before = await _described(form)
        if form.is_default and (spec.period_type is not None or spec.rolled_up):
            raise Conflict(details={"form_id": form_id}, message_id="structure.forms.default_form_asks_every")
        if form.is_default and set(spec.section_ids) != {str(s) for s in await Section.all().values_list("id", flat=True)}:
            # they were ignored with 200 (#31 review, finding 8): a client believed it had changed them
            raise Conflict(
                details={"form_id": form_id, "field": "section_ids"}, message_id="structure.forms.default_form_asks_every_2"
            )
        form.update_from_dict(
            {
                "name": spec.name,
                "description": spec.description,
                "period_type": spec.period_type,
                "rolled_up": spec.rolled_up,
                "public": spec.public,
                "require_questions_resolved": spec.require_questions_resolved,
            }
        )
        await form.save()
        changed = not form.is_default and (
            set(spec.section_ids) != set(before["section_ids"]) or before["rolled_up"] != spec.rolled_up
        )
        if changed:
            await FormSection.filter(form_id=form_id).delete()
            await FormSection.bulk_create([FormSection(form_id=form_id, section_id=s) for s in spec.section_ids])
        # what is read once per revision reads the form as written: its sections, whether it is
        # rolled up, and whether it is public (analytics' readers: a form made private without a
        # new revision stayed published) — every update, not a list of the attributes cached
        await revision.bump()
        if changed:
            reason = f"report form {form_id} changed"
            outbox.add(*CacheInvalidated.each(await invalidation.invalidate_form(form_id, reason), reason))
        await audit.record(
            ctx, action="form.updated", entity_type="report_form", entity_id=form_id, before=before, after=spec.model_dump()
        )
    return form


async def _sections_exist(section_ids: list[str]) -> None:
    found = {str(s) for s in await Section.filter(id__in=section_ids).values_list("id", flat=True)}
    refuse_unknown(
        section_ids,
        found,
        field="section_ids",
        message_id="structure.forms.section",
        many_id="structure.forms.sections_many",
    )


async def _section_ids(form_id: str) -> list[str]:
    return sorted(str(s) for s in await FormSection.filter(form_id=form_id).values_list("section_id", flat=True))


async def _described(form: ReportForm) -> dict[str, Any]:
    return {
        "name": form.name,
        "period_type": form.period_type,
        "rolled_up": form.rolled_up,
        "public": form.public,
        "section_ids": await _section_ids(form.id),
    }
