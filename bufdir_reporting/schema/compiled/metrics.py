"""A snapshot's metrics as the planner writes them: ``Snapshot.metrics`` (``SnapshotNode.metrics``)
and its categories (``snapshots.category_breakdown``)."""

from __future__ import annotations

from collections.abc import Callable

from graphql import FieldNode, GraphQLField

from ...resolvers.structure.rules import CATEGORY_ORDER, BufdirCategory
from .expressions import json_array, literal, plain_decimal, text, typename
from .planner import FieldCompiler, Planner, column

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
    none was counted. The categories are the enum's, known when planning: the list is written
    out, one object a category read from the row's breakdown, not aggregated over a function
    scan of them (a subplan, an aggregate and a sort set up on every execution; bench S11)."""
    return json_array(
        planner.selection("CategoryMetrics", node, f"{category.name}|{_counts(alias, category)}") for category in BufdirCategory
    )


def _counts(alias: str, category: BufdirCategory) -> str:
    empty = """'{"activities": 0, "participants": 0, "hours": "0"}'::jsonb"""
    return f"coalesce({alias}.category_breakdown -> {text(category.value)}, {empty})"


def _category(read: Callable[[str, str], str]) -> FieldCompiler:
    """A CategoryMetrics field, from the category's GraphQL name (the enum member's, a constant)
    and the SQL of its counts (``name|counts``), as JSON text."""

    def compile_field(planner: Planner, node: FieldNode, definition: GraphQLField, alias: str) -> str:
        name, counts = alias.split("|", 1)
        return read(name, counts)

    return compile_field


FIELDS: dict[tuple[str, str], FieldCompiler] = {
    ("Snapshot", "metrics"): _metrics,
    ("SnapshotMetrics", "activityCount"): column(lambda a: literal(f"{a}.activity_count")),
    ("SnapshotMetrics", "participantCount"): column(lambda a: literal(f"{a}.participant_count")),
    ("SnapshotMetrics", "uniqueParticipants"): column(lambda a: literal(f"{a}.unique_participants")),
    ("SnapshotMetrics", "hoursDelivered"): column(lambda a: plain_decimal(f"{a}.hours_delivered")),
    ("SnapshotMetrics", "categories"): _categories,
    ("CategoryMetrics", "category"): _category(lambda name, counts: typename(name)),
    ("CategoryMetrics", "activities"): _category(lambda name, counts: literal(f"{counts} -> 'activities'")),
    ("CategoryMetrics", "participants"): _category(lambda name, counts: literal(f"{counts} -> 'participants'")),
    ("CategoryMetrics", "hours"): _category(lambda name, counts: plain_decimal(f"({counts} ->> 'hours')::numeric")),
}
"""The snapshot's metrics: the (type, field) pairs this module compiles."""
