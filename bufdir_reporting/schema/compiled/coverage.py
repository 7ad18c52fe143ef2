"""What the planner covers (bench S1's and S7's documents, and S3's GraphQL one): each root field
and each (type, field) below it as the SQL expression that reads it exactly as its resolver does
(the resolver each compiler follows is named in its docstring)."""

from __future__ import annotations

from graphql import FieldNode, GraphQLField

from ..node import public_key, public_key_or_none
from . import metrics, values
from .expressions import day, enum_name, instant, literal, relay_id, string
from .planner import Coverage, FieldCompiler, Planner, Request, RootCompiler, column


def _string(name: str) -> FieldCompiler:
    return column(lambda alias: string(f"{alias}.{name}"))


def _literal(name: str) -> FieldCompiler:
    """A number or boolean column."""
    return column(lambda alias: literal(f"{alias}.{name}"))


# -- Query -----------------------------------------------------------------------------------


def _organization_root(planner: Planner, node: FieldNode, definition: GraphQLField) -> str:
    """``organization(id:)``, read only where the caller reads (``organizations.get_or_raise``
    judges it on the token's claims and the tree below them): another organisation, or one that
    does not exist, is no row, and the executor words the refusal."""
    read_id = planner.argument(node, definition, "id", {"id"})
    alias = planner.alias("o")

    def named(request: Request) -> str:
        return public_key("Organization", read_id(request))

    key = planner.param(named, "text")
    return (
        f"(SELECT {planner.selection('Organization', node, alias)} FROM organization {alias} WHERE {alias}.id = {key} "
        f"AND {planner.reads(f'{alias}.id', named)})"
    )


def _snapshots_root(planner: Planner, node: FieldNode, definition: GraphQLField) -> str:
    """``snapshots(organizationId:, periodId:, first:)`` as ``snapshots.list_`` reads them: the
    organisations the caller reads (``access.readable_rows``) in the WHERE, newest run first. A
    named organisation the caller may not read makes the whole answer null: the executor's
    refusal (a required root)."""
    allowed = {"organizationId", "periodId", "first"}
    named = planner.argument(node, definition, "organizationId", allowed)
    period = planner.argument(node, definition, "periodId", allowed)
    first = planner.argument(node, definition, "first", allowed)

    def organization_key(request: Request) -> str | None:
        return public_key_or_none("Organization", named(request))

    # the readable organisations are read only where no organisation is named
    roots, readable = planner.readable(lambda request, roots: organization_key(request) is None)
    alias = planner.alias("s")
    organization = planner.param(organization_key, "text")
    period_key = planner.param(lambda request: public_key_or_none("Period", period(request)), "text")
    limit = planner.param(planner.page_size(first), "int")
    # each test of a parameter stands alone, so a plan made for its value drops what it leaves out
    rows = (
        f"FROM snapshot WHERE ({organization} IS NULL OR organization_id = {organization}) "
        f"AND ({organization} IS NOT NULL OR {roots} IS NULL OR organization_id = ANY({readable})) "
        f"AND ({period_key} IS NULL OR period_id = {period_key}) ORDER BY created_at DESC, id LIMIT {limit}"
    )
    connection = planner.connection(node, definition, rows, alias, f"{alias}.created_at DESC, {alias}.id")
    return f"CASE WHEN {organization} IS NULL OR {planner.reads(organization, organization_key)} THEN {connection} END"


def _snapshot_root(planner: Planner, node: FieldNode, definition: GraphQLField) -> str:
    """``snapshot(id:)`` as ``snapshots.get_or_raise`` reads it: a missing snapshot and another
    organisation's are both no row here (then the executor answers NOT_FOUND)."""
    read_id = planner.argument(node, definition, "id", {"id"})
    alias = planner.alias("s")
    key = planner.param(lambda request: public_key("Snapshot", read_id(request)), "text")
    selected = planner.selection("Snapshot", node, alias)
    return f"(SELECT {selected} FROM snapshot {alias} WHERE {alias}.id = {key} AND {planner.reads(f'{alias}.organization_id')})"


ROOTS: dict[str, RootCompiler] = {
    "organization": _organization_root,
    "snapshot": _snapshot_root,
    "snapshots": _snapshots_root,
}


# -- Organization ----------------------------------------------------------------------------


def _organization_snapshots(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """``Organization.snapshots(periodId:, first:)``: ``snapshots.list_(by_period=True)`` of an
    organisation the caller reads already (named and checked, or the owner of a readable
    snapshot), so no scope beyond it."""
    allowed = {"periodId", "first"}
    period = planner.argument(node, definition, "periodId", allowed)
    first = planner.argument(node, definition, "first", allowed)
    rows_alias = planner.alias("s")
    period_key = planner.param(lambda request: public_key_or_none("Period", period(request)), "text")
    limit = planner.param(planner.page_size(first), "int")
    rows = (
        f"FROM snapshot WHERE organization_id = {alias}.id AND ({period_key} IS NULL OR period_id = {period_key}) "
        f"ORDER BY range_end DESC, created_at DESC, id LIMIT {limit}"
    )
    order = f"{rows_alias}.range_end DESC, {rows_alias}.created_at DESC, {rows_alias}.id"
    return planner.connection(node, definition, rows, rows_alias, order)


# -- Snapshot --------------------------------------------------------------------------------


def _snapshot_organization(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """The owner of a snapshot the caller reads: readable (``organizations.get_or_raise``)."""
    inner = planner.alias("o")
    selected = planner.selection("Organization", node, inner)
    return f"(SELECT {selected} FROM organization {inner} WHERE {inner}.id = {alias}.organization_id)"


def _snapshot_period(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    inner = planner.alias("p")
    return f"(SELECT {planner.selection('Period', node, inner)} FROM period {inner} WHERE {inner}.id = {alias}.period_id)"


def _section_title(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """The stored title: what ``texts_of`` answers in Bokmål (the request's language is checked
    per request, see ``Plan.titles``); a ``language`` argument is not covered."""
    planner.titles = True
    return string(f"{alias}.title")


def _period_name(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """The stored name: what ``texts_of(...).period_name`` answers in Bokmål (a request in another
    language reads the calendar's name or a translation, checked per request as for titles)."""
    planner.titles = True
    return string(f"{alias}.name")


FIELDS: dict[tuple[str, str], FieldCompiler] = (
    {
        ("Organization", "id"): column(lambda a: relay_id("Organization", f"{a}.id")),
        ("Organization", "organizationId"): _string("id"),
        ("Organization", "name"): _string("name"),
        ("Organization", "orgNumber"): _string("org_number"),
        ("Organization", "kind"): column(lambda a: enum_name(f"{a}.kind")),
        ("Organization", "snapshots"): _organization_snapshots,
        ("Period", "id"): column(lambda a: relay_id("Period", f"{a}.id")),
        ("Period", "periodId"): _string("id"),
        ("Period", "name"): _period_name,
        ("Period", "type"): column(lambda a: enum_name(f"{a}.type")),
        ("Period", "start"): column(lambda a: day(f"{a}.start")),
        ("Period", "end"): column(lambda a: day(f'{a}."end"')),
        ("Period", "submissionDeadline"): column(lambda a: day(f"{a}.submission_deadline")),
        ("Snapshot", "id"): column(lambda a: relay_id("Snapshot", f"{a}.id")),
        ("Snapshot", "snapshotId"): _string("id"),
        ("Snapshot", "status"): column(lambda a: enum_name(f"{a}.status")),
        ("Snapshot", "rangeStart"): column(lambda a: instant(f"{a}.range_start")),
        ("Snapshot", "rangeEnd"): column(lambda a: instant(f"{a}.range_end")),
        ("Snapshot", "cacheValid"): _literal("cache_valid"),
        ("Snapshot", "invalidationReason"): _string("invalidation_reason"),
        ("Snapshot", "invalidatedAt"): column(lambda a: instant(f"{a}.invalidated_at")),
        ("Snapshot", "fieldCount"): _literal("field_count"),
        ("Snapshot", "populatedFieldCount"): _literal("populated_field_count"),
        ("Snapshot", "error"): _string("error"),
        ("Snapshot", "aggregatedAt"): column(lambda a: instant(f"{a}.aggregated_at")),
        ("Snapshot", "createdAt"): column(lambda a: instant(f"{a}.created_at")),
        ("Snapshot", "missingRequiredFields"): column(lambda a: f"coalesce({a}.missing_required_fields::text, '[]')"),
        ("Snapshot", "organization"): _snapshot_organization,
        ("Snapshot", "period"): _snapshot_period,
        ("Section", "id"): column(lambda a: relay_id("Section", f"{a}.id")),
        ("Section", "sectionId"): _string("id"),
        ("Section", "order"): column(lambda a: literal(f'{a}."order"')),
        ("Section", "isActive"): _literal("is_active"),
        ("Section", "validFrom"): column(lambda a: day(f"{a}.valid_from")),
        ("Section", "validTo"): column(lambda a: day(f"{a}.valid_to")),
        ("Section", "title"): _section_title,
    }
    | metrics.FIELDS
    | values.FIELDS
)
"""What the planner covers: every (type, field) it reads exactly as the field's resolver does."""

COVERAGE = Coverage(
    roots=ROOTS,
    required_roots=frozenset({"organization", "snapshot", "snapshots"}),
    fields=FIELDS,
    takes_arguments=frozenset({("Organization", "snapshots")}),
)
