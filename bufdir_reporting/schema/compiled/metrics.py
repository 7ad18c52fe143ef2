"""A snapshot's metrics as the planner writes them: ``Snapshot.metrics`` (``SnapshotNode.metrics``)
and its categories (``snapshots.category_breakdown``)."""

from __future__ import annotations

from graphql import FieldNode, GraphQLField

from ...resolvers.structure.rules import CATEGORY_ORDER
from .expressions import enum_name, json_list, literal, plain_decimal, text
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
    none was counted."""
    row = planner.alias("k")
    empty = """'{"activities": 0, "participants": 0, "hours": "0"}'::jsonb"""
    source = (
        f"FROM (SELECT name, coalesce({_breakdown(alias)} -> name, {empty}) AS counts, position "
        f"FROM unnest({KNOWN_CATEGORIES}) WITH ORDINALITY AS category(name, position)) {row}"
    )
    return json_list(planner.selection("CategoryMetrics", node, row), source, f"{row}.position")


FIELDS: dict[tuple[str, str], FieldCompiler] = {
    ("Snapshot", "metrics"): _metrics,
    ("SnapshotMetrics", "activityCount"): column(lambda a: literal(f"{a}.activity_count")),
    ("SnapshotMetrics", "participantCount"): column(lambda a: literal(f"{a}.participant_count")),
    ("SnapshotMetrics", "uniqueParticipants"): column(lambda a: literal(f"{a}.unique_participants")),
    ("SnapshotMetrics", "hoursDelivered"): column(lambda a: plain_decimal(f"{a}.hours_delivered")),
    ("SnapshotMetrics", "categories"): _categories,
    ("CategoryMetrics", "category"): column(lambda k: enum_name(f"{k}.name")),
    ("CategoryMetrics", "activities"): column(lambda k: literal(f"{k}.counts -> 'activities'")),
    ("CategoryMetrics", "participants"): column(lambda k: literal(f"{k}.counts -> 'participants'")),
    ("CategoryMetrics", "hours"): column(lambda k: plain_decimal(f"({k}.counts ->> 'hours')::numeric")),
}
"""The snapshot's metrics: the (type, field) pairs this module compiles."""
