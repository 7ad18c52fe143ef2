"""A snapshot's field values, grouped by the sections of the structure it was made with."""

from __future__ import annotations

from dataclasses import dataclass

from ...models import FieldDefinition, Section
from ..base.context import Context
from ..base.loaders import FieldValueRow
from ..base.rows import AnySnapshot


@dataclass(frozen=True, slots=True)
class SectionValues:
    section: Section
    values: list[tuple[FieldValueRow, FieldDefinition]]


async def values_of(ctx: Context, *, snapshot: AnySnapshot) -> list[FieldValueRow]:
    """The snapshot's values, each with its definition loaded (see ``loaded_definition``)."""
    return await ctx.loaders.field_values_by_snapshot.load(snapshot.id)


def loaded_definition(ctx: Context, value: FieldValueRow) -> FieldDefinition | None:
    """The value's definition when this request has read it already (``values_of`` does), else None."""
    return ctx.loaders.known_definitions.get(value.field_definition_id)


async def definition_of(ctx: Context, value: FieldValueRow) -> FieldDefinition:
    return loaded_definition(ctx, value) or await ctx.loaders.field_definition_by_id.load(value.field_definition_id)


async def by_section(ctx: Context, *, snapshot: AnySnapshot) -> list[SectionValues]:
    values = await values_of(ctx, snapshot=snapshot)
    definitions = [d for d in (loaded_definition(ctx, v) for v in values) if d is not None]
    if len(definitions) != len(values):
        definitions = [await definition_of(ctx, v) for v in values]
    grouped: dict[str, list[tuple[FieldValueRow, FieldDefinition]]] = {}
    for value, definition in zip(values, definitions, strict=True):
        grouped.setdefault(value.section_key, []).append((value, definition))
    held = await ctx.loaders.structure.get()
    if held is not None and all(key in held.sections for key in grouped):
        found: list[Section | None] = [held.sections[key] for key in grouped]
    else:
        found = await ctx.loaders.section_by_id.load_many(list(grouped))
    ordered = sorted((s for s in found if s is not None), key=lambda s: (s.order, s.id))
    return [
        SectionValues(section, sorted(grouped[section.id], key=lambda pair: (pair[1].position, pair[1].id)))
        for section in ordered
    ]
