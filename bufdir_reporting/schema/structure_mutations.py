"""Admin mutations on the report structure. Inputs carry no validation of their own: they are
turned into the same specs the REST bodies are, and validated there."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import strawberry

from .. import models
from ..resolvers.base.inputs import parse
from ..resolvers.structure import sections
from ..resolvers.structure.inputs import SectionChange, SectionSpec
from .context import Info
from .enums import BufdirCategory, Measure, RuleKind, Temporal
from .node import node_of, public_key, public_key_or_none
from .structure import SectionNode


@strawberry.input
class RuleFiltersInput:
    activity_types: list[str] | None = None
    categories: list[BufdirCategory] | None = None
    statuses: list[str] | None = None
    locations: list[str] | None = None


@strawberry.input
class AggregationRuleInput:
    kind: RuleKind
    measure: Measure | None = None
    filters: RuleFiltersInput | None = None
    temporal: Temporal | None = None
    numerator: AggregationRuleInput | None = None
    denominator: AggregationRuleInput | None = None
    scale: float | None = None


@strawberry.input
class FieldDefinitionInput:
    key: str
    label: str
    data_type: models.FieldDataType
    description: str | None = None
    required: bool | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    unit: str | None = None
    aggregation_rule: AggregationRuleInput | None = None
    explain_large_change: bool | None = None


@strawberry.input
class UpdateSectionInput:
    title: str
    order: int
    fields: list[FieldDefinitionInput]
    description: str | None = None
    is_active: bool | None = None
    effective_from_period_id: strawberry.ID | None = strawberry.field(
        default=None, description="The change applies from this period's start (default: today)."
    )


@strawberry.input
class CreateSectionInput(UpdateSectionInput):
    section_id: str


def _plain(value: Any) -> Any:
    """Input objects -> dicts, leaving out what the client did not say."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if getattr(value, f.name) is not None}
    return value


def _spec_data(data: dict[str, Any]) -> dict[str, Any]:
    renamed = {"title": "section_title", "order": "section_order"}
    result = {renamed.get(name, name): item for name, item in data.items()}
    if "effective_from_period_id" in result:
        result["effective_from_period_id"] = public_key("Period", result["effective_from_period_id"])
    result["fields"] = [
        {("field_key" if name == "key" else name): item for name, item in spec.items()} for spec in result.get("fields", [])
    ]
    return result


@strawberry.type
class StructureMutation:
    @strawberry.mutation(description="Create a section (admin).")
    async def create_section(self, info: Info, input: CreateSectionInput) -> SectionNode:
        spec = parse(SectionSpec, _spec_data(_plain(input)))
        return node_of(SectionNode, await sections.create(info.context, spec=spec))

    @strawberry.mutation(description="Replace a section's title, order and field list (admin).")
    async def update_section(self, info: Info, id: strawberry.ID, input: UpdateSectionInput) -> SectionNode:
        change = parse(SectionChange, _spec_data(_plain(input)))
        section_id = public_key("Section", id)
        return node_of(SectionNode, await sections.update(info.context, section_id=section_id, change=change))

    @strawberry.mutation(description="Deactivate a section; it stays for historical reports (admin).")
    async def deactivate_section(
        self, info: Info, id: strawberry.ID, effective_from_period_id: strawberry.ID | None = None
    ) -> SectionNode:
        section = await sections.deactivate(
            info.context,
            section_id=public_key("Section", id),
            effective_from_period_id=public_key_or_none("Period", effective_from_period_id),
        )
        return node_of(SectionNode, section)
