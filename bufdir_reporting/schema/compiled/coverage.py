"""What the planner covers (bench S1's and S7's documents, and S3's GraphQL one): each root field
and each (type, field) below it as the SQL expression that reads it exactly as its resolver does
(the resolver each compiler follows is named in its docstring)."""

from __future__ import annotations

from collections.abc import Callable

from graphql import FieldNode, GraphQLField

from ...resolvers.structure.rules import CATEGORY_ORDER
from ..node import public_key, public_key_or_none
from .expressions import (
    day,
    enum_name,
    instant,
    json_items,
    json_list,
    json_object,
    literal,
    plain_decimal,
    relay_id,
    string,
    text,
    typename,
)
from .planner import Coverage, FieldCompiler, NotCovered, Planner, RootCompiler, fields_of, key_of


def _column(expression: Callable[[str], str]) -> FieldCompiler:
    return lambda planner, node, definition, alias: expression(alias)


def _string(column: str) -> FieldCompiler:
    return _column(lambda alias: string(f"{alias}.{column}"))


def _literal(column: str) -> FieldCompiler:
    """A number or boolean column."""
    return _column(lambda alias: literal(f"{alias}.{column}"))


# -- Query -----------------------------------------------------------------------------------


def _organization_root(planner: Planner, node: FieldNode, definition: GraphQLField) -> str:
    """``organization(id:)``, read only where the caller reads (``organizations.get_or_raise``
    judges it on the token's claims and the tree below them): another organisation, or one that
    does not exist, is no row, and the executor words the refusal."""
    read_id = planner.argument(node, definition, "id", {"id"})
    alias = planner.alias("o")
    key = planner.param(lambda request: public_key("Organization", read_id(request)), "text")
    return (
        f"(SELECT {planner.selection('Organization', node, alias)} FROM organization {alias} WHERE {alias}.id = {key} "
        f"AND {planner.reads(f'{alias}.id')})"
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
    roots, readable = planner.readable()
    alias = planner.alias("s")
    organization = planner.param(lambda request: public_key_or_none("Organization", named(request)), "text")
    period_key = planner.param(lambda request: public_key_or_none("Period", period(request)), "text")
    limit = planner.param(planner.page_size(first), "int")
    # each test of a parameter stands alone, so a plan made for its value drops what it leaves out
    rows = (
        f"FROM snapshot WHERE ({organization} IS NULL OR organization_id = {organization}) "
        f"AND ({organization} IS NOT NULL OR {roots} IS NULL OR organization_id = ANY({readable})) "
        f"AND ({period_key} IS NULL OR period_id = {period_key}) ORDER BY created_at DESC, id LIMIT {limit}"
    )
    connection = planner.connection(node, definition, rows, alias, f"{alias}.created_at DESC, {alias}.id")
    return f"CASE WHEN {organization} IS NULL OR {planner.reads(organization)} THEN {connection} END"


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


def _snapshot_sections(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """``section_values.by_section``: the sections its values name, by (order, id) as Python
    sorts them (``COLLATE "C"``: code points), each with its values by (position, id). The
    values are read once and grouped by section (one scan a snapshot, not one a section)."""
    section, grouped, v, d = planner.alias("c"), planner.alias("g"), planner.alias("v"), planner.alias("d")
    pairs: list[tuple[str, str]] = []
    values = ""
    if node.selection_set is None:
        raise NotCovered("sections without a selection")
    for child in fields_of(node.selection_set):
        name = child.name.value
        if child.arguments:
            raise NotCovered("arguments of SnapshotSection")
        if name == "__typename":
            pairs.append((key_of(child), typename("SnapshotSection")))
        elif name == "id":
            pairs.append((key_of(child), string(f"{alias}.id || '/' || {section}.id")))
        elif name == "section":
            pairs.append((key_of(child), planner.selection("Section", child, section)))
        elif name == "fieldValues" and not values:
            item = planner.selection("FieldValue", child, f"{v}|{d}")
            values = f", {json_items(item, f'{d}.position, {d}.id')} AS field_values"
            pairs.append((key_of(child), f"'[' || {grouped}.field_values || ']'"))
        else:
            raise NotCovered(f"SnapshotSection.{name}")
    by_section = (
        f"(SELECT {v}.section_key{values} FROM field_value {v} JOIN field_definition {d} ON {d}.id = {v}.field_definition_id "
        f"WHERE {v}.snapshot_id = {alias}.id GROUP BY {v}.section_key) {grouped}"
    )
    return json_list(
        json_object(pairs),
        f"FROM {by_section} JOIN section {section} ON {section}.id = {grouped}.section_key",
        f'{section}."order", {section}.id COLLATE "C"',
    )


def _snapshot_field_values(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """``section_values.values_of``: every value of the snapshot, in the order they were stored."""
    return _values(planner, node, alias)


def _values(planner: Planner, node: FieldNode, snapshot: str) -> str:
    """Every value of the snapshot row ``snapshot`` with its definition, by id."""
    v, d = planner.alias("v"), planner.alias("d")
    source = (
        f"FROM field_value {v} JOIN field_definition {d} ON {d}.id = {v}.field_definition_id "
        f"WHERE {v}.snapshot_id = {snapshot}.id"
    )
    return json_list(planner.selection("FieldValue", node, f"{v}|{d}"), source, f"{v}.id")


KNOWN_CATEGORIES = "ARRAY[" + ", ".join(text(category) for category in CATEGORY_ORDER) + "]::text[]"


def _breakdown(alias: str) -> str:
    return f"coalesce({alias}.category_breakdown, '{{}}'::jsonb)"


def _metrics(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """``SnapshotNode.metrics``. A stored category outside ``BufdirCategory`` makes the executor
    fail on the enum (whatever is selected): the statement then fails too, on a cast of text
    that is no number, and the executor answers with its error. The test is an expression on
    the row (the breakdown less the known keys is empty), not a subquery over its keys: an
    aggregate and a function scan less to start on every execution (bench S11)."""
    unknown = f"{_breakdown(alias)} - {KNOWN_CATEGORIES}"
    refused = f"('unknown category ' || ({unknown})::text)::int::text"
    return f"CASE WHEN {unknown} = '{{}}'::jsonb THEN {planner.selection('SnapshotMetrics', node, alias)} ELSE {refused} END"


def _categories(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """``snapshots.category_breakdown``: every Bufdir category in the report's order, zero where
    none was counted."""
    row = planner.alias("k")
    empty = """'{"activities": 0, "participants": 0, "hours": "0"}'::jsonb"""
    source = (
        f"FROM (SELECT name, coalesce({_breakdown(alias)} -> name, {empty}) AS counts, position "
        f"FROM unnest({KNOWN_CATEGORIES}) WITH ORDINALITY AS category(name, position)) {row}"
    )
    return json_list(planner.selection("CategoryMetrics", node, row), source, f"{row}.position")


def _value(column: Callable[[str, str], str]) -> FieldCompiler:
    """A FieldValue field, from the value row and its definition (aliases ``v|d``), as JSON text."""

    def compile_field(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
        value, field_definition = alias.split("|")
        return column(value, field_definition)

    return compile_field


def _boolean(column: str) -> Callable[[str, str], str]:
    """``FieldValue.of``: for a BOOLEAN field, the number as true (not zero) or false."""
    return lambda v, d: f"CASE WHEN {d}.data_type = 'boolean' AND {v}.{column} IS NOT NULL THEN ({v}.{column} <> 0)::text END"


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


def _field_label(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
    """The stored label: Bokmål, what ``FieldValue.label`` answers only for a request in Bokmål
    (the request's language is checked per request, as for titles)."""
    planner.titles = True
    _, field_definition = alias.split("|")
    return string(f"{field_definition}.label")


FIELDS: dict[tuple[str, str], FieldCompiler] = {
    ("Organization", "id"): _column(lambda a: relay_id("Organization", f"{a}.id")),
    ("Organization", "organizationId"): _string("id"),
    ("Organization", "name"): _string("name"),
    ("Organization", "orgNumber"): _string("org_number"),
    ("Organization", "kind"): _column(lambda a: enum_name(f"{a}.kind")),
    ("Organization", "snapshots"): _organization_snapshots,
    ("Period", "id"): _column(lambda a: relay_id("Period", f"{a}.id")),
    ("Period", "periodId"): _string("id"),
    ("Period", "name"): _period_name,
    ("Period", "type"): _column(lambda a: enum_name(f"{a}.type")),
    ("Period", "start"): _column(lambda a: day(f"{a}.start")),
    ("Period", "end"): _column(lambda a: day(f'{a}."end"')),
    ("Period", "submissionDeadline"): _column(lambda a: day(f"{a}.submission_deadline")),
    ("Snapshot", "id"): _column(lambda a: relay_id("Snapshot", f"{a}.id")),
    ("Snapshot", "snapshotId"): _string("id"),
    ("Snapshot", "status"): _column(lambda a: enum_name(f"{a}.status")),
    ("Snapshot", "rangeStart"): _column(lambda a: instant(f"{a}.range_start")),
    ("Snapshot", "rangeEnd"): _column(lambda a: instant(f"{a}.range_end")),
    ("Snapshot", "cacheValid"): _literal("cache_valid"),
    ("Snapshot", "invalidationReason"): _string("invalidation_reason"),
    ("Snapshot", "invalidatedAt"): _column(lambda a: instant(f"{a}.invalidated_at")),
    ("Snapshot", "fieldCount"): _literal("field_count"),
    ("Snapshot", "populatedFieldCount"): _literal("populated_field_count"),
    ("Snapshot", "error"): _string("error"),
    ("Snapshot", "aggregatedAt"): _column(lambda a: instant(f"{a}.aggregated_at")),
    ("Snapshot", "createdAt"): _column(lambda a: instant(f"{a}.created_at")),
    ("Snapshot", "missingRequiredFields"): _column(lambda a: f"coalesce({a}.missing_required_fields::text, '[]')"),
    ("Snapshot", "metrics"): _metrics,
    ("Snapshot", "organization"): _snapshot_organization,
    ("Snapshot", "period"): _snapshot_period,
    ("Snapshot", "sections"): _snapshot_sections,
    ("Snapshot", "fieldValues"): _snapshot_field_values,
    ("SnapshotMetrics", "activityCount"): _literal("activity_count"),
    ("SnapshotMetrics", "participantCount"): _literal("participant_count"),
    ("SnapshotMetrics", "uniqueParticipants"): _literal("unique_participants"),
    ("SnapshotMetrics", "hoursDelivered"): _column(lambda a: plain_decimal(f"{a}.hours_delivered")),
    ("SnapshotMetrics", "categories"): _categories,
    ("CategoryMetrics", "category"): _column(lambda k: enum_name(f"{k}.name")),
    ("CategoryMetrics", "activities"): _column(lambda k: literal(f"{k}.counts -> 'activities'")),
    ("CategoryMetrics", "participants"): _column(lambda k: literal(f"{k}.counts -> 'participants'")),
    ("CategoryMetrics", "hours"): _column(lambda k: plain_decimal(f"({k}.counts ->> 'hours')::numeric")),
    ("Section", "id"): _column(lambda a: relay_id("Section", f"{a}.id")),
    ("Section", "sectionId"): _string("id"),
    ("Section", "order"): _column(lambda a: literal(f'{a}."order"')),
    ("Section", "isActive"): _literal("is_active"),
    ("Section", "validFrom"): _column(lambda a: day(f"{a}.valid_from")),
    ("Section", "validTo"): _column(lambda a: day(f"{a}.valid_to")),
    ("Section", "title"): _section_title,
    ("FieldValue", "id"): _value(lambda v, d: string(f"{v}.snapshot_id || '/' || {v}.field_key")),
    ("FieldValue", "fieldKey"): _value(lambda v, d: string(f"{v}.field_key")),
    ("FieldValue", "label"): _field_label,
    ("FieldValue", "value"): _value(lambda v, d: plain_decimal(f"{v}.value")),
    ("FieldValue", "textValue"): _value(lambda v, d: string(f"{v}.text_value")),
    ("FieldValue", "priorValue"): _value(lambda v, d: plain_decimal(f"{v}.prior_value")),
    ("FieldValue", "priorTextValue"): _value(lambda v, d: string(f"{v}.prior_text_value")),
    ("FieldValue", "change"): _value(lambda v, d: plain_decimal(f"({v}.value - {v}.prior_value)")),
    ("FieldValue", "booleanValue"): _value(_boolean("value")),
    ("FieldValue", "priorBooleanValue"): _value(_boolean("prior_value")),
    ("FieldValue", "dataSource"): _value(lambda v, d: string(f"{v}.data_source")),
    ("FieldValue", "setBy"): _value(lambda v, d: string(f"{v}.set_by")),
    ("FieldValue", "setAt"): _value(lambda v, d: instant(f"{v}.set_at")),
}
"""What the planner covers: every (type, field) it reads exactly as the field's resolver does."""

COVERAGE = Coverage(
    roots=ROOTS,
    required_roots=frozenset({"organization", "snapshot", "snapshots"}),
    fields=FIELDS,
    takes_arguments=frozenset({("Organization", "snapshots")}),
)
