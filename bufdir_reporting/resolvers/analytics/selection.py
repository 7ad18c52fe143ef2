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

from ...errors import TOKEN_REQUIRED, Forbidden, InvalidInput, NotFound, Unauthenticated
from ...language import chosen
from ...models import OrganizationKind, PeriodType, TranslatedAttribute, TranslatedSubject
from ..base import access, revision
from ..base.context import Context
from ..base.inputs import Strict
from ..structure.translations import Texts, texts
from .dimensions import (
    MAX_FIELDS,
    MAX_ORGANIZATIONS,
    MAX_PERIODS,
    FieldInfo,
    OrganizationInfo,
    PeriodInfo,
    checked_organizations,
    checked_periods,
    read_dimensions,
    read_structure,
)

MAX_TABLE_CELLS = 100_000
"""A table answered whole (GraphQL, REST JSON) holds at most this many cells; an export streams
any size."""


class ValueSource(StrEnum):
    APPROVED = "approved"
    LATEST_SUBMITTED = "latest_submitted"
    CURRENT = "current"


PERIOD_INPUTS = ("period_ids", "period_type", "period_from", "period_to")


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
        # as a model's ValueError it named none, and the message began with a space. The inputs
        # a message names are placeholders (``inputs``), each named as the caller's transport
        # names it (REST's ``fields``, GraphQL's ``selection.fieldKeys``): written into the text,
        # REST was told to give "field_keys", a parameter it does not have.
        if not self.field_keys and not self.section_ids:
            raise InvalidInput(
                field="field_keys", message_id="analytics.selection.name_fields_field_keys", inputs=("field_keys", "section_ids")
            )
        if self.period_ids and self.period_type is not None:
            raise InvalidInput(
                field="period_type", message_id="analytics.selection.name_periods_period_ids", inputs=PERIOD_INPUTS
            )
        if not self.period_ids and self.period_type is None:
            raise InvalidInput(
                field="period_ids", message_id="analytics.selection.name_periods_period_ids_2", inputs=PERIOD_INPUTS
            )
        if self.period_from is not None and self.period_to is not None and self.period_from > self.period_to:
            raise InvalidInput(field="period_to", message_id="analytics.selection.period_after_period", inputs=PERIOD_INPUTS)
        if self.roll_up and self.subtree_of is None:
            raise InvalidInput(
                field="subtree_of", message_id="analytics.selection.roll_up_sums_subtree", inputs=("roll_up", "subtree_of")
            )
        return self


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
    rolled_forms: frozenset[str] = frozenset()
    """The rolled-up forms' ids (an organisation's report for its whole subtree)."""

    @property
    def cell_count(self) -> int:
        return len(self.fields) * len(self.organizations) * len(self.periods)


async def plan(ctx: Context, *, selection: Selection) -> Plan:
    """Resolve ``selection`` in one statement (the structure's revision, periods and
    organisations), two more for fields and forms once per revision, checking who may read
    what."""
    principal = ctx.principal
    if not principal.is_authenticated and selection.source not in (None, ValueSource.APPROVED):
        raise Unauthenticated(
            message_id="analytics.selection.anonymous_callers_read_approved", values={"TOKEN_REQUIRED": TOKEN_REQUIRED}
        )
    readable = None if access.reads_all(principal) else principal.organizations | principal.below
    translated = await texts(ctx, language=chosen())
    dimensions = await read_dimensions(selection)
    periods = [replace(p, name=translated.period_name(p)) for p in checked_periods(selection, dimensions)]
    last = max((p.end for p in periods), default=None)
    fields, forms, public, rolled = await revision.cached_under(
        dimensions.revision,
        ("analytics", tuple(selection.field_keys), tuple(selection.section_ids), last),
        lambda: read_structure(selection, last),
    )
    fields = _translated(fields, translated)
    organizations, members = checked_organizations(selection, dimensions)
    source = selection.source or _default_source(principal.organizations, members)
    if readable is not None and source is not ValueSource.APPROVED:
        others = sorted({m for group in members.values() for m in group} - readable)
        if others:
            # the input to change is the source (its message says which one it may read), as a
            # client is told of every other refusal of a selection (outsider: it named none)
            raise Forbidden(
                details={"field": "source", "organization_ids": others[:20]},
                message_id="analytics.selection.token_reads_other_organisations",
            )
    form_id = selection.form_id
    if form_id is not None and form_id not in forms:
        raise NotFound("report form", form_id, field="form_id")  # named as each transport spells it (outsider)
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
        rolled_forms=rolled,
    )
    return plan_


def require_table_size(ctx: Context, plan: Plan) -> None:
    """A table is at most ``MAX_TABLE_CELLS``, and so are one request's tables together: a GraphQL
    document of 29 aliased tables, each under the limit and costed as a usual table, had one
    process build 193,401 cells for an anonymous caller in 10 s, every other request waiting (on
    the demo's 9 organisations; 2.9 million on full data; attacker's review)."""
    if plan.cell_count > MAX_TABLE_CELLS:
        raise InvalidInput(
            field="field_keys",
            message_id="analytics.selection.selection_cells_table_holds",
            values={"cell_count": plan.cell_count, "MAX_TABLE_CELLS": MAX_TABLE_CELLS},
        )
    ctx.table_cells += plan.cell_count
    if ctx.table_cells > MAX_TABLE_CELLS:
        raise InvalidInput(
            field="field_keys",
            message_id="analytics.selection.request_cells_tables_hold",
            values={"cell_count": ctx.table_cells, "MAX_TABLE_CELLS": MAX_TABLE_CELLS},
        )


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
