"""What an analytics request asks, resolved into a plan, and who may read what of it.

A selection is fields (by key, or every field of some sections) x organisations (by id, every
organisation of a kind, or the subtree under one, optionally rolled up into it) x periods (a
list, or every period of one type between two dates), and which values count:

- ``approved``: the figures of each organisation's latest approved submission (the default for
  anyone but the organisation itself);
- ``latest_submitted``: of its latest submission that is not reopened, whatever its review;
- ``current``: its current snapshots, submitted or not (the default when every organisation
  selected is one the caller's token names).

Access: whoever reads an organisation (its users, those above it, reviewers, admins;
``base.access``) reads its figures from any source. Everyone else, anonymous callers included,
reads only **approved figures of forms Bufdir marks public** (``ReportForm.public``): naming
another organisation with any other source is FORBIDDEN, and a table over a kind or over every
organisation shows the others' cells from public forms only. Peer statistics compare with every
organisation of the same kind without showing any of their values (``table``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator
from tortoise.connection import get_connection
from tortoise.expressions import Q

from ...errors import TOKEN_REQUIRED, Forbidden, InvalidInput, NotFound, Unauthenticated
from ...language import chosen
from ...models import (
    DEFAULT_FORM,
    FieldDataType,
    FieldDefinition,
    Organization,
    OrganizationKind,
    Period,
    PeriodType,
    ReportForm,
    TranslatedAttribute,
    TranslatedSubject,
)
from ..base import access, ancestry, revision
from ..base.context import Context
from ..base.inputs import Strict
from ..base.sql import Statement
from ..structure.translations import Texts, texts

MAX_FIELDS = 200
MAX_ORGANIZATIONS = 5000
MAX_PERIODS = 200
MAX_TABLE_CELLS = 100_000
"""A table answered whole (GraphQL, REST JSON) holds at most this many cells; an export streams
any size."""
PEOPLE = "count_distinct_participants"
"""The aggregation rule that counts people (``aggregation.rules``)."""
NUMERIC = frozenset({FieldDataType.INTEGER, FieldDataType.DECIMAL, FieldDataType.PERCENT, FieldDataType.BOOLEAN})


class ValueSource(StrEnum):
    APPROVED = "approved"
    LATEST_SUBMITTED = "latest_submitted"
    CURRENT = "current"


class Selection(Strict):
    """An analytics request as a client writes it."""

    field_keys: list[str] = Field(default_factory=list, max_length=MAX_FIELDS)
    section_ids: list[str] = Field(default_factory=list, max_length=MAX_FIELDS)
    organization_ids: list[str] = Field(default_factory=list, max_length=MAX_ORGANIZATIONS)
    organization_kind: OrganizationKind | None = None
    subtree_of: str | None = Field(default=None, max_length=64)
    roll_up: bool = Field(default=False, strict=True)
    """With ``subtree_of``: one row for the subtree, each value the sum of its organisations'
    (``Cell.summed``), except a count of distinct people, which is the subtree's rolled-up
    form's own figure where it reported one (a sum would count a person once per branch)."""
    period_ids: list[str] = Field(default_factory=list, max_length=MAX_PERIODS)
    period_type: PeriodType | None = None
    period_from: date | None = None
    period_to: date | None = None
    form_id: str | None = Field(default=None, max_length=64)
    source: ValueSource | None = None

    @model_validator(mode="after")
    def _complete(self) -> Selection:
        # Raised as InvalidInput (pydantic lets it through), so each names the field to change:
        # as a model's ValueError it named none, and the message began with a space.
        if not self.field_keys and not self.section_ids:
            raise InvalidInput(field="field_keys", message_id="analytics.selection.name_fields_field_keys")
        if self.period_ids and self.period_type is not None:
            raise InvalidInput(field="period_type", message_id="analytics.selection.name_periods_period_ids")
        if not self.period_ids and self.period_type is None:
            raise InvalidInput(field="period_ids", message_id="analytics.selection.name_periods_period_ids_2")
        if self.period_from is not None and self.period_to is not None and self.period_from > self.period_to:
            raise InvalidInput(field="period_to", message_id="analytics.selection.period_after_period")
        if self.roll_up and self.subtree_of is None:
            raise InvalidInput(field="subtree_of", message_id="analytics.selection.roll_up_sums_subtree")
        return self


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


@dataclass(frozen=True, slots=True)
class Plan:
    """A selection resolved: its dimensions in order, and what the caller may read of it."""

    fields: list[FieldInfo]
    organizations: list[OrganizationInfo]
    periods: list[PeriodInfo]
    source: ValueSource
    form_id: str | None
    members: dict[str, list[str]]
    """Each row's organisations: itself, or (rolled up) its whole subtree."""
    readable: frozenset[str] | None
    """The organisations whose figures the caller reads from any form; None: every one."""
    public_forms: frozenset[str]
    """Forms whose approved figures everyone reads (the default form's id for snapshots of none)."""
    peers: bool
    """Whether the caller gets peer statistics (an authenticated caller)."""
    whole_kinds: bool = False
    """The rows are every organisation of their kinds (a selection by kind, or of all)."""
    every_organization: bool = False
    """The rows are every organisation there is: the values statement needs no list of them."""

    @property
    def cell_count(self) -> int:
        return len(self.fields) * len(self.organizations) * len(self.periods)


async def plan(ctx: Context, *, selection: Selection) -> Plan:
    """Resolve ``selection`` in at most five statements (the structure's revision, periods,
    organisations; fields and forms once per revision), checking who may read what."""
    principal = ctx.principal
    if not principal.is_authenticated and selection.source not in (None, ValueSource.APPROVED):
        raise Unauthenticated(
            message_id="analytics.selection.anonymous_callers_read_approved", values={"TOKEN_REQUIRED": TOKEN_REQUIRED}
        )
    readable = None if access.reads_all(principal) else principal.organizations | principal.below
    translated = await texts(ctx, language=chosen())
    periods = await _periods(selection, translated)
    last = max((p.end for p in periods), default=None)
    fields, forms, public = await revision.cached(
        ("analytics", tuple(selection.field_keys), tuple(selection.section_ids), last), lambda: _structure(selection, last)
    )
    fields = _translated(fields, translated)
    organizations, members = await _organizations(selection)
    source = selection.source or _default_source(principal.organizations, members)
    if readable is not None and source is not ValueSource.APPROVED:
        others = sorted({m for group in members.values() for m in group} - readable)
        if others:
            raise Forbidden(
                details={"organization_ids": others[:20]}, message_id="analytics.selection.token_reads_other_organisations"
            )
    form_id = selection.form_id
    if form_id is not None and form_id not in forms:
        raise NotFound("report form", form_id)
    whole = not selection.organization_ids and selection.subtree_of is None
    plan_ = Plan(
        fields=fields,
        organizations=organizations,
        periods=periods,
        source=source,
        form_id=form_id,
        members=members,
        readable=readable,
        public_forms=public,
        peers=principal.is_authenticated,
        whole_kinds=whole,
        every_organization=whole and selection.organization_kind is None,
    )
    return plan_


def require_table_size(plan: Plan) -> None:
    if plan.cell_count > MAX_TABLE_CELLS:
        raise InvalidInput(
            field="field_keys",
            message_id="analytics.selection.selection_cells_table_holds",
            values={"cell_count": plan.cell_count, "MAX_TABLE_CELLS": MAX_TABLE_CELLS},
        )


async def _structure(selection: Selection, last: date | None) -> tuple[list[FieldInfo], frozenset[str], frozenset[str]]:
    """The fields, every form's id and the public forms' ids: read once per structure revision
    (forms are written with it too)."""
    rows = await ReportForm.all().values_list("id", "public")
    forms = frozenset(str(i) for i, _ in rows), frozenset(str(i) for i, public in rows if public)
    return await _fields(selection, last), *forms


def _translated(fields: list[FieldInfo], translated: Texts) -> list[FieldInfo]:
    """The fields labelled (and their units said) in the request's language (Bokmål by default,
    the report's own words); the structure is cached once per revision, the labels are the request's."""
    return [
        replace(
            f,
            label=translated.of(TranslatedSubject.FIELD, f.key, TranslatedAttribute.LABEL, f.label),
            unit=translated.unit(f.key, f.unit),
        )
        for f in fields
    ]


def _default_source(own: frozenset[str], members: dict[str, list[str]]) -> ValueSource:
    selected = {m for group in members.values() for m in group}
    return ValueSource.CURRENT if selected and selected <= own else ValueSource.APPROVED


async def _periods(selection: Selection, translated: Texts) -> list[PeriodInfo]:
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
    return [PeriodInfo(p.id, translated.period_name(p), p.type, p.start, p.end) for p in rows]


async def _fields(selection: Selection, last: date | None) -> list[FieldInfo]:
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


async def _organizations(selection: Selection) -> tuple[list[OrganizationInfo], dict[str, list[str]]]:
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


def is_default_form(form_id: str | None) -> bool:
    return form_id in (None, DEFAULT_FORM)
