"""A snapshot's field values, grouped by the sections of the structure it was made with."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import FieldDefinition, FieldValue, Section, Snapshot
from .context import Context


@dataclass(frozen=True, slots=True)
class SectionValues:
    section: Section
    values: list[tuple[FieldValue, FieldDefinition]]


async def values_of(ctx: Context, *, snapshot: Snapshot) -> list[FieldValue]:
    return await ctx.loaders.field_values_by_snapshot.load(snapshot.id)


async def by_section(ctx: Context, *, snapshot: Snapshot) -> list[SectionValues]:
    values = await values_of(ctx, snapshot=snapshot)
    definitions = await ctx.loaders.field_definition_by_id.load_many([v.field_definition_id for v in values])
    grouped: dict[str, list[tuple[FieldValue, FieldDefinition]]] = {}
    for value, definition in zip(values, definitions, strict=True):
        grouped.setdefault(value.section_key, []).append((value, definition))
    found = await ctx.loaders.section_by_id.load_many(list(grouped))
    ordered = sorted((s for s in found if s is not None), key=lambda s: (s.order, s.id))
    return [
        SectionValues(section, sorted(grouped[section.id], key=lambda pair: (pair[1].position, pair[1].id)))
        for section in ordered
    ]

