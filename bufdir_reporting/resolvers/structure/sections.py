"""The report structure: sections and their field definitions, as they stand and as they stood.

Reading is public. Writing needs the admin role and happens in one transaction: a request
that fails leaves the structure exactly as it was.

Which fields a section has depends on *when*: for a period, the versions valid on the period's
last day; without a period, an active section's open versions, and an inactive section's
versions as they were when it was deactivated.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ...errors import Conflict, NotFound
from ...events import CacheInvalidated
from ...models import FieldDefinition, Period, Section, Snapshot
from .. import periods
from ..base import audit, invalidation, revision
from ..base.context import Context
from ..base.pagination import Page, Window, paginate
from ..base.validity import valid_at
from . import forms
from .inputs import SectionChange, SectionSpec
from .versions import close_or_remove, replace_fields


@dataclass(frozen=True, slots=True)
class StructureView:
    """The moment a structure is read at: a period's (or range's) last day, or "as it stands"."""

    period: Period | None = None
    on: date | None = None

    @property
    def day(self) -> date | None:
        return self.period.end if self.period else self.on

    def field_key_for(self, section: Section) -> tuple[str, date | None]:
        """The ``FieldsBySectionLoader`` key: which versions of this section to show."""
        if self.day is not None:
            return section.id, self.day
        if section.is_active or section.valid_to is None:
            return section.id, None
        return section.id, section.valid_to - timedelta(days=1)


async def view(ctx: Context, *, period_id: str | None) -> StructureView:
    if period_id is None:
        return StructureView()
    return StructureView(await periods.get_or_raise(ctx, period_id=period_id))


async def _effective_date(ctx: Context, period_id: str | None) -> date:
    if period_id is None:
        return periods.local_today()
    return (await periods.get_or_raise(ctx, period_id=period_id)).start


async def get_or_raise(ctx: Context, *, section_id: str) -> Section:
    section = await ctx.loaders.section_by_id.load(section_id)
    if section is None:
        raise NotFound("section", section_id)
    return section


async def get_field_or_raise(ctx: Context, *, field_id: int) -> FieldDefinition:
    definition = await ctx.loaders.field_definition_or_none_by_id.load(field_id)
    if definition is None:
        raise NotFound("field definition", field_id)
    return definition


async def list_(ctx: Context, *, window: Window, is_active: bool | None = None, period_id: str | None = None) -> Page[Section]:
    query = Section.all().order_by("order", "id")
    if is_active is not None:
        query = query.filter(is_active=is_active)
    if period_id is not None:
        query = query.filter(valid_at((await periods.get_or_raise(ctx, period_id=period_id)).end))
    return await paginate(query, window)


async def fields_of(ctx: Context, *, section: Section, at: StructureView = StructureView()) -> list[FieldDefinition]:
    return await ctx.loaders.fields_by_section.load(at.field_key_for(section))


async def required_keys(ctx: Context, *, section: Section, at: StructureView = StructureView()) -> list[str]:
    return [f.key for f in await fields_of(ctx, section=section, at=at) if f.required]


async def sections_in_force(ctx: Context, *, at: StructureView) -> list[Section]:
    """The sections a report for ``at`` contains, in report order."""
    sections = list(await ctx.loaders.sections_in_force.load((at.day,)))
    for section in sections:
        ctx.loaders.section_by_id.prime(section.id, section)
    return sections


async def required_fields(
    ctx: Context, *, period_id: str | None = None, form_id: str | None = None
) -> tuple[StructureView, list[FieldDefinition]]:
    """The required fields of the sections in force (for a period, or as they stand): of every
    section, or of those the form ``form_id`` asks (a form asked for another kind of period than
    ``period_id``'s is refused, naming form_id)."""
    at = await view(ctx, period_id=period_id)
    in_force = await sections_in_force(ctx, at=at)
    if form_id is not None:
        await forms.get_or_raise(ctx, form_id=form_id, field="form_id")
        form = await forms.for_period(ctx, form_id=form_id, period=at.period)
        asked = await forms.section_ids(ctx, form_id=form.id)
        in_force = [s for s in in_force if asked is None or s.id in asked]
    per_section = await asyncio.gather(*(fields_of(ctx, section=section, at=at) for section in in_force))  # one batch
    return at, [f for fields in per_section for f in fields if f.required]


async def field_by_key(ctx: Context, *, field_key: str, period_id: str | None = None) -> FieldDefinition:
    """The definition of a key: as it stands (or stood last), or as it applied in a period."""
    query = FieldDefinition.filter(key=field_key)
    if period_id is not None:
        query = query.filter(valid_at((await periods.get_or_raise(ctx, period_id=period_id)).end))
    definition = await query.order_by("-valid_from").first()
    if definition is None:
        raise NotFound("field", field_key)
    return definition


@dataclass
class StructureWrite:
    """What a structure write changed: the snapshots it made invalid, told when it commits."""

    invalidated: list[Snapshot] = field(default_factory=list)

    async def fields_changed(self, section: Section, effective: date) -> None:
        """The section's fields apply otherwise from ``effective``: snapshots read at a day from
        then on (their values, completeness and findings) are no longer valid."""
        reason = f"the report structure changed from {effective.isoformat()} (section {section.id})"
        self.invalidated += await invalidation.invalidate_structure_from(periods.day_start(effective), reason)


@asynccontextmanager
async def _structure_write(ctx: Context, section_id: str) -> AsyncIterator[StructureWrite]:
    """An admin's write of the structure (``audit.admin_write``): the revision replaced, the
    snapshots it made invalid told when it commits, a race on the section's key a conflict."""
    write = StructureWrite()
    conflict = Conflict(
        details={"section_id": section_id},
        message_id="structure.sections.section_conflicts_concurrent_existing",
        values={"section_id": section_id},
    )
    async with audit.admin_write(ctx, conflict=conflict) as outbox:
        yield write
        await revision.bump()
        if write.invalidated:
            outbox.add(*CacheInvalidated.each(write.invalidated, write.invalidated[0].invalidation_reason or ""))


async def create(ctx: Context, *, spec: SectionSpec) -> Section:
    async with _structure_write(ctx, spec.section_id) as write:
        effective = await _effective_date(ctx, spec.effective_from_period_id)
        await audit.refuse_taken(
            Section, spec.section_id, field="section_id", message_id="structure.sections.section_already_exists"
        )
        section = await Section.create(
            id=spec.section_id,
            title=spec.section_title,
            description=spec.description or "",
            order=spec.section_order,
            is_active=True,
            valid_from=effective,
        )
        await replace_fields(section, spec.fields, effective)
        if not spec.is_active:
            await _deactivate(section, effective)
        elif spec.fields:
            await write.fields_changed(section, effective)
        await audit.record(ctx, action="section.created", entity_type="section", entity_id=section.id, after=spec.model_dump())
    return section


async def update(ctx: Context, *, section_id: str, change: SectionChange) -> Section:
    async with _structure_write(ctx, section_id) as write:
        effective = await _effective_date(ctx, change.effective_from_period_id)
        section = await Section.select_for_update().get_or_none(id=section_id)
        if section is None:
            raise NotFound("section", section_id)
        before = await _described(section)
        section.title = change.section_title
        section.order = change.section_order
        if change.description is not None:
            section.description = change.description
        reactivated = change.is_active and not section.is_active
        if change.is_active:
            section.is_active, section.valid_to = True, None
        await section.save()
        changed = await replace_fields(section, change.fields, effective)
        if not change.is_active:
            await _deactivate(section, effective)
        if changed or reactivated or not change.is_active:
            await write.fields_changed(section, effective)
        await audit.record(
            ctx, action="section.updated", entity_type="section", entity_id=section.id, before=before, after=change.model_dump()
        )
    ctx.loaders.forget_section(section_id)
    return section


async def deactivate(ctx: Context, *, section_id: str, effective_from_period_id: str | None = None) -> Section:
    """Soft delete: the section stays, valid until ``effective``, for historical reports."""
    async with _structure_write(ctx, section_id) as write:
        effective = await _effective_date(ctx, effective_from_period_id)
        section = await Section.select_for_update().get_or_none(id=section_id)
        if section is None:
            raise NotFound("section", section_id)
        if section.is_active:
            before = await _described(section)
            await _deactivate(section, effective)
            await write.fields_changed(section, effective)
            await audit.record(
                ctx,
                action="section.deactivated",
                entity_type="section",
                entity_id=section.id,
                before=before,
                after={"is_active": False, "valid_to": section.valid_to},
            )
    ctx.loaders.forget_section(section_id)
    return section


async def _described(section: Section) -> dict[str, Any]:
    fields = await FieldDefinition.filter(section_id=section.id, valid_to=None).order_by("position")
    return {
        "section_title": section.title,
        "section_order": section.order,
        "is_active": section.is_active,
        "fields": [{"field_key": f.key, "label": f.label, "required": f.required, "rule": f.aggregation_rule} for f in fields],
    }


async def _deactivate(section: Section, effective: date) -> None:
    closing = max(effective, section.valid_from)
    for version in await FieldDefinition.filter(section_id=section.id, valid_to=None):
        await close_or_remove(version, max(closing, version.valid_from))
    section.is_active = False
    section.valid_to = closing
    await section.save(update_fields=["is_active", "valid_to", "updated_at"])
