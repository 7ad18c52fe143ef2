"""The report structure in the graph: Section <-> FieldDefinition, rules, required fields."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay

from .. import models
from ..resolvers.structure import sections
from .context import Info
from .enums import BufdirCategory, Measure, RuleKind, Temporal
from .node import ModelNode, node_of, nodes_of, public_key, public_key_or_none
from .pagination import CountedConnection, resolve_connection
from .translations import LanguageArgument, texts_of

strawberry.enum(models.FieldDataType, name="FieldDataType")

SectionRoot = strawberry.Parent[models.Section]
DefinitionRoot = strawberry.Parent[models.FieldDefinition]
if TYPE_CHECKING:
    from .period import PeriodNode


@strawberry.type(description="Which activities a rule counts.")
class RuleFilters:
    activity_types: list[str]
    categories: list[BufdirCategory]
    statuses: list[str]
    locations: list[str]


@strawberry.type(description="How a field's value is computed from activities.")
class AggregationRule:
    kind: RuleKind
    measure: Measure | None
    filters: RuleFilters
    temporal: Temporal
    scale: float
    numerator: AggregationRule | None
    denominator: AggregationRule | None

    @classmethod
    def from_stored(cls, rule: dict[str, Any] | None) -> AggregationRule:
        if rule is None:
            rule = {"kind": "manual"}
        filters = rule.get("filters") or {}
        return cls(
            kind=RuleKind(rule["kind"]),
            measure=Measure(rule["measure"]) if rule.get("measure") else None,
            filters=RuleFilters(**{name: filters.get(name, []) for name in RuleFilters.__annotations__}),
            temporal=Temporal(rule.get("temporal", "flow")),
            scale=float(rule.get("scale", 1)),
            numerator=cls.from_stored(rule["numerator"]) if rule.get("numerator") else None,
            denominator=cls.from_stored(rule["denominator"]) if rule.get("denominator") else None,
        )


@strawberry.type(name="FieldDefinition", description="One field of the Bufdir report, in one version.")
class FieldDefinitionNode(ModelNode):
    model = models.FieldDefinition

    id: relay.NodeID[int]
    key: str
    data_type: models.FieldDataType
    required: bool
    min_value: Decimal | None
    max_value: Decimal | None
    explain_large_change: bool
    position: int
    valid_from: datetime.date = strawberry.field(description="First day this version applies.")
    valid_to: datetime.date | None = strawberry.field(description="Day it stopped applying; null while in force.")

    @strawberry.field(description="The label, in the language asked (Bokmål where it is not translated).")
    @staticmethod
    async def label(root: DefinitionRoot, info: Info, language: LanguageArgument = None) -> str:
        return (await texts_of(info, language)).field_label(root)

    @strawberry.field(description="What the field asks, in the language asked (Bokmål where it is not translated).")
    @staticmethod
    async def description(root: DefinitionRoot, info: Info, language: LanguageArgument = None) -> str:
        return (await texts_of(info, language)).field_description(root)

    @strawberry.field(description="The unit, e.g. timer or kr, in the language asked (Bokmål where it is not translated).")
    @staticmethod
    async def unit(root: DefinitionRoot, info: Info, language: LanguageArgument = None) -> str | None:
        return (await texts_of(info, language)).field_unit(root)

    @strawberry.field(description="True when the value is entered by hand, not computed.")
    @staticmethod
    def is_manual(root: DefinitionRoot) -> bool:
        return root.aggregation_rule is None

    @strawberry.field(description="How the value is computed (kind MANUAL when entered by hand).")
    @staticmethod
    def aggregation_rule(root: DefinitionRoot) -> AggregationRule:
        return AggregationRule.from_stored(root.aggregation_rule)

    @strawberry.field
    @staticmethod
    async def section(root: DefinitionRoot, info: Info) -> Annotated[SectionNode, strawberry.lazy(__name__)]:
        return node_of(SectionNode, await sections.get_or_raise(info.context, section_id=root.section_id))

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.FieldDefinition:
        return await sections.get_field_or_raise(info.context, field_id=int(key))


@strawberry.type(name="Section", description="A section of the Bufdir report.")
class SectionNode(ModelNode):
    model = models.Section

    id: relay.NodeID[str]
    section_id: str = strawberry.field(description="The public key, e.g. barn-under-omsorg.", resolver=lambda root: root.id)
    order: int
    is_active: bool
    valid_from: datetime.date
    valid_to: datetime.date | None

    @strawberry.field(description="The title, in the language asked (Bokmål where it is not translated).")
    @staticmethod
    async def title(root: SectionRoot, info: Info, language: LanguageArgument = None) -> str:
        return (await texts_of(info, language)).section_title(root)

    @strawberry.field(description="What the section covers, in the language asked (Bokmål where it is not translated).")
    @staticmethod
    async def description(root: SectionRoot, info: Info, language: LanguageArgument = None) -> str:
        return (await texts_of(info, language)).section_description(root)

    @strawberry.field(description="Its fields as they stand, or as they applied in a period.")
    @staticmethod
    async def fields(root: SectionRoot, info: Info, period_id: strawberry.ID | None = None) -> list[FieldDefinitionNode]:
        at = await sections.view(info.context, period_id=public_key_or_none("Period", period_id))
        return nodes_of(FieldDefinitionNode, await sections.fields_of(info.context, section=root, at=at))

    @strawberry.field(description="Keys of its required fields, as they stand or applied in a period.")
    @staticmethod
    async def required_fields(root: SectionRoot, info: Info, period_id: strawberry.ID | None = None) -> list[str]:
        at = await sections.view(info.context, period_id=public_key_or_none("Period", period_id))
        return await sections.required_keys(info.context, section=root, at=at)

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.Section:
        return await sections.get_or_raise(info.context, section_id=key)


@strawberry.type(description="The required fields of the report, as they stand or for a period.")
class RequiredFields:
    period: Annotated[PeriodNode, strawberry.lazy(".period")] | None
    fields: list[FieldDefinitionNode]

    @strawberry.field
    def total_required_fields(self) -> int:
        return len(self.fields)


async def required_fields_for(info: Info, period_id: str | None) -> RequiredFields:
    at, fields = await sections.required_fields(info.context, period_id=period_id)
    return RequiredFields(period=cast("PeriodNode | None", at.period), fields=nodes_of(FieldDefinitionNode, fields))


@strawberry.type
class StructureQuery:
    @strawberry.field(description="Sections ordered by section order.")
    async def sections(
        self,
        info: Info,
        is_active: bool | None = None,
        period_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CountedConnection[SectionNode]:
        period = public_key_or_none("Period", period_id)
        return await resolve_connection(
            CountedConnection[SectionNode],
            info,
            lambda window: sections.list_(info.context, window=window, is_active=is_active, period_id=period),
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(description="One section, by public key or global ID.")
    async def section(self, info: Info, id: strawberry.ID) -> SectionNode | None:
        return node_of(SectionNode, await SectionNode.fetch(info, public_key("Section", id)))

    @strawberry.field(description="A field definition by key: as it stands, or as it applied in a period.")
    async def field_definition(self, info: Info, key: str, period_id: strawberry.ID | None = None) -> FieldDefinitionNode | None:
        period = public_key_or_none("Period", period_id)
        return node_of(FieldDefinitionNode, await sections.field_by_key(info.context, field_key=key, period_id=period))

    @strawberry.field(description="Every required field of the report, as it stands or for a period.")
    async def required_fields(self, info: Info, period_id: strawberry.ID | None = None) -> RequiredFields:
        return await required_fields_for(info, public_key_or_none("Period", period_id))
