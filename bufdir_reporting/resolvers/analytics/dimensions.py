"""The plan's dimensions read from the database: its periods, its organisations (a subtree in
the same statement as its rows), and its fields and the forms (once per structure revision,
``base.revision``), each checked against what the selection named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from tortoise.connection import get_connection
from tortoise.expressions import Q

from ...errors import InvalidInput
from ...models import (
    FieldDataType,
    FieldDefinition,
    Organization,
    OrganizationKind,
    Period,
    PeriodType,
    ReportForm,
)
from ..base import ancestry
from ..base.sql import Statement

if TYPE_CHECKING:
    from .selection import Selection

MAX_FIELDS = 200
MAX_ORGANIZATIONS = 5000
MAX_PERIODS = 200
PEOPLE = "count_distinct_participants"
"""The aggregation rule that counts people (``aggregation.rules``)."""
NUMERIC = frozenset({FieldDataType.INTEGER, FieldDataType.DECIMAL, FieldDataType.PERCENT, FieldDataType.BOOLEAN})


@dataclass(frozen=True, slots=True)
class FieldInfo:
    key: str
    label: str
    section_id: str
    data_type: FieldDataType
    unit: str | None
    counts_people: bool = False
    """Its rule counts distinct participants: a subtree's figure is not the sum of its
    organisations' (a person served by two branches counts once)."""

    @property
    def numeric(self) -> bool:
        return self.data_type in NUMERIC


@dataclass(frozen=True, slots=True)
class OrganizationInfo:
    id: str
    name: str
    kind: OrganizationKind


@dataclass(frozen=True, slots=True)
class PeriodInfo:
    id: str
    name: str
    type: PeriodType
    start: date
    end: date


async def read_structure(selection: Selection, last: date | None) -> tuple[list[FieldInfo], frozenset[str], frozenset[str]]:
    """The fields, every form's id and the public forms' ids: read once per structure revision
    (forms are written with it too)."""
    rows = await ReportForm.all().values_list("id", "public")
    forms = frozenset(str(i) for i, _ in rows), frozenset(str(i) for i, public in rows if public)
    return await read_fields(selection, last), *forms


async def read_periods(selection: Selection) -> list[PeriodInfo]:
    if selection.period_ids:
        found = {p.id: p for p in await Period.filter(id__in=selection.period_ids)}
        missing = [p for p in selection.period_ids if p not in found]
        if missing:
            raise InvalidInput(
                field="period_ids", message_id="analytics.selection.period", values={"missing": ", ".join(missing)}
            )
        rows = sorted(found.values(), key=lambda p: (p.start, p.end, p.id))
    else:
        query = Period.filter(type=selection.period_type)
        if selection.period_from is not None:
            query = query.filter(start__gte=selection.period_from)
        if selection.period_to is not None:
            query = query.filter(end__lte=selection.period_to)
        rows = await query.order_by("start", "end", "id").limit(MAX_PERIODS + 1)
        if len(rows) > MAX_PERIODS:
            raise InvalidInput(
                field="period_to", message_id="analytics.selection.range_holds_more_periods", values={"MAX_PERIODS": MAX_PERIODS}
            )
    return [PeriodInfo(p.id, p.name, p.type, p.start, p.end) for p in rows]


async def read_fields(selection: Selection, last: date | None) -> list[FieldInfo]:
    """The fields named, in report order; a field's label and type are those of its newest
    definition in force by the last period's end (else its newest). Read once per structure
    revision (``base.revision``)."""
    condition = Q(key__in=selection.field_keys) | Q(section_id__in=selection.section_ids)
    definitions = await FieldDefinition.filter(condition).select_related("section").order_by("key", "-valid_from")
    chosen: dict[str, FieldDefinition] = {}
    for d in definitions:
        held = chosen.get(d.key)
        if held is None or (last is not None and held.valid_from > last and d.valid_from <= last):
            chosen[d.key] = d
    missing = [k for k in selection.field_keys if k not in chosen]
    if missing:
        raise InvalidInput(field="field_keys", message_id="analytics.selection.field", values={"missing": ", ".join(missing)})
    unknown = [s for s in selection.section_ids if s not in {d.section_id for d in definitions}]
    if unknown:
        raise InvalidInput(
            field="section_ids", message_id="analytics.selection.section_none_fields", values={"unknown": ", ".join(unknown)}
        )
    if len(chosen) > MAX_FIELDS:
        raise InvalidInput(
            field="section_ids", message_id="analytics.selection.selection_holds_more_fields", values={"MAX_FIELDS": MAX_FIELDS}
        )
    ordered = sorted(chosen.values(), key=lambda d: (d.section.order, d.section_id, d.position, d.key))
    return [
        FieldInfo(d.key, d.label, d.section_id, d.data_type, d.unit, (d.aggregation_rule or {}).get("kind") == PEOPLE)
        for d in ordered
    ]


async def read_organizations(selection: Selection) -> tuple[list[OrganizationInfo], dict[str, list[str]]]:
    """The rows and each row's organisations; the subtree in the same statement as the rows."""
    if selection.subtree_of is not None:
        sql = Statement(get_connection("default").capabilities.dialect)
        root = sql.bind(selection.subtree_of)
        statement = (
            "WITH RECURSIVE below(id, depth) AS ("
            f"SELECT id, 0 FROM organization WHERE id = {root} "
            "UNION SELECT o.id, b.depth + 1 FROM organization o JOIN below b ON o.parent_id = b.id "
            f"WHERE b.depth < {ancestry.MAX_DEPTH}"
            ") SELECT o.id, o.name, o.kind FROM organization o WHERE o.id IN (SELECT id FROM below) ORDER BY o.id"
        )
        _, rows = await get_connection("default").execute_query(statement, sql.params)
        found = [OrganizationInfo(str(r["id"]), str(r["name"]), OrganizationKind(r["kind"])) for r in rows]
        if not found:
            raise InvalidInput(
                field="subtree_of", message_id="analytics.selection.organisation_2", values={"subtree_of": selection.subtree_of}
            )
        if selection.organization_kind is not None:
            found = [o for o in found if o.id == selection.subtree_of or o.kind == selection.organization_kind]
        if selection.roll_up:
            root_info = next(o for o in found if o.id == selection.subtree_of)
            return [root_info], {root_info.id: [o.id for o in found]}
        return found, {o.id: [o.id] for o in found}
    query = Organization.all()
    if selection.organization_ids:
        query = query.filter(id__in=selection.organization_ids)
    if selection.organization_kind is not None:
        query = query.filter(kind=selection.organization_kind)
    listed = await query.order_by("id").limit(MAX_ORGANIZATIONS + 1).values_list("id", "name", "kind")
    if len(listed) > MAX_ORGANIZATIONS:
        raise InvalidInput(
            field="organization_kind",
            message_id="analytics.selection.selection_holds_more_organisations",
            values={"MAX_ORGANIZATIONS": MAX_ORGANIZATIONS},
        )
    found = [OrganizationInfo(str(id_), str(name), OrganizationKind(kind)) for id_, name, kind in listed]
    missing = sorted(set(selection.organization_ids) - {o.id for o in found})
    if missing:
        raise InvalidInput(
            field="organization_ids", message_id="analytics.selection.organisation", values={"missing": ", ".join(missing)}
        )
    return found, {o.id: [o.id] for o in found}
