"""The aggregation engine: one organisation's activities over a range -> metrics and field values.

Everything is computed in the database in two statements, whatever the number of fields:

1. one pass over the activities, grouped by Bufdir category, source system and the columns the
   rules filter on, folded per category and source system into one filtered sum per rule (and
   per rule a count of matching activities, which names the field's dominant ``data_source``)
   plus the flow metrics;
2. one pass over activities joined to their participant references for every
   count-distinct rule and the unique-participant metric.

Python only folds the few grouped rows (categories x source systems) and divides ratios.
A computed field with no matching activity is a reported 0; a ratio over nothing is NULL.
"""

from __future__ import annotations

import asyncio
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.connection import get_connection

from ...models import FieldDefinition
from ..base.sql import Statement
from ..structure.rules import AggregationRule, RuleKind, Temporal
from .statements import (
    condition,
    filtered_columns,
    grouped_count,
    grouped_filters,
    grouped_measure,
    in_range,
    scope,
)

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class CategoryMetrics:
    activities: int
    participants: int
    hours: Decimal


@dataclass(frozen=True, slots=True)
class FieldResult:
    value: Decimal | None
    data_source: str | None


@dataclass(slots=True)
class Aggregate:
    activity_count: int = 0
    participant_count: int = 0
    unique_participants: int = 0
    hours: Decimal = Decimal(0)
    categories: dict[str, CategoryMetrics] = field(default_factory=dict)
    values: dict[str, FieldResult] = field(default_factory=dict)
    statements: int = 0
    rows: int = 0  # rows the database sent to Python


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):  # PostgreSQL's numeric arrives as one already
        return value
    return Decimal(0) if value is None else Decimal(str(value))


def _leaves(rules: dict[str, AggregationRule]) -> tuple[list[AggregationRule], dict[int, int]]:
    """The distinct leaf rules (equal ones share a column) and, by ``id()`` of every leaf object
    of ``rules``, its position among them. Keyed by the canonical JSON: comparing pydantic
    models field by field, as ``list.index`` did, cost a third of the engine's time (bench S4)."""
    leaves: list[AggregationRule] = []
    by_key: dict[str, int] = {}
    position: dict[int, int] = {}
    for rule in rules.values():
        parts = [rule.numerator, rule.denominator] if rule.kind == RuleKind.RATIO else [rule]
        for part in parts:
            if part is None:
                continue
            key = part.model_dump_json()
            if key not in by_key:
                by_key[key] = len(leaves)
                leaves.append(part)
            position[id(part)] = by_key[key]
    return leaves, position


@dataclass(frozen=True, slots=True)
class Plan:
    """What one aggregation asks the database: the rules by field key, their distinct leaves
    (equal leaves share a column), and the two statements with their parameters."""

    rules: dict[str, AggregationRule]
    leaves: list[AggregationRule]
    position: dict[int, int]
    distinct: list[int]
    grouped: tuple[str, list[Any]]
    participants: tuple[str, list[Any]]


Parsed = tuple[dict[str, AggregationRule], list[AggregationRule], dict[int, int]]
_parsed: OrderedDict[tuple[int, ...], tuple[tuple[FieldDefinition, ...], Parsed]] = OrderedDict()


def _parse(definitions: list[FieldDefinition]) -> Parsed:
    """The definitions' rules and their leaves, parsed once for the same definitions: the
    structure in force is cached per revision, so runs get the very same objects (bench S4:
    parsing ~50 rules with pydantic on every run cost a third of a millisecond). An entry holds
    its definitions, so their ids name them while it lives."""
    key = tuple(map(id, definitions))
    hit = _parsed.get(key)
    if hit is not None:
        _parsed.move_to_end(key)
        return hit[1]
    rules = {d.key: AggregationRule.model_validate(d.aggregation_rule) for d in definitions if d.aggregation_rule}
    parsed = (rules, *_leaves(rules))
    _parsed[key] = (tuple(definitions), parsed)
    while len(_parsed) > 32:
        _parsed.popitem(last=False)
    return parsed


def plan(
    *, organization_ids: Sequence[str], start: datetime, end: datetime, definitions: list[FieldDefinition], dialect: str
) -> Plan:
    rules, leaves, position = _parse(definitions)
    stock = any(leaf.temporal == Temporal.STOCK for leaf in leaves)

    # Two levels: the activities grouped by every column a rule filters on (a plain GROUP BY,
    # like a hand-written one) with the counts and sums of those in the range (flow) and of those
    # open at its end (stock) side by side, then each rule's filtered sum over those few grouped
    # rows, so the ~50 conditions are evaluated per group rather than per activity (bench S4).
    # The range is a filter on the sums, not a grouping key: grouping by it too doubled the groups
    # and cost a millisecond more than the bare GROUP BY's scan (bench S4).
    sql = Statement(dialect)
    keys = ["a.category AS category", "a.source_system AS source"]
    keys += [f"a.{column} AS {column}" for column in filtered_columns(leaves) if column != "category"]
    sums = []
    for kept, temporal in (("flow", Temporal.FLOW), ("open", Temporal.STOCK)) if stock else (("flow", Temporal.FLOW),):
        taken = in_range(sql, temporal, start, end)
        sums += [
            f"COUNT(*) FILTER (WHERE {taken}) AS n_{kept}",
            f"SUM(a.participant_count) FILTER (WHERE {taken}) AS p_{kept}",
            f"SUM(CAST(a.hours AS NUMERIC)) FILTER (WHERE {taken}) AS h_{kept}",
        ]
    where = scope(sql, organization_ids, start, end, stock=stock)
    grouped_rows = (
        f"SELECT {', '.join(keys + sums)} FROM activity a WHERE {where} "
        f"GROUP BY {', '.join(str(i) for i in range(1, len(keys) + 1))}"
    )
    columns = ["SUM(g.n_flow) AS n", "SUM(g.p_flow) AS p", "SUM(g.h_flow) AS h"]
    for index, leaf in enumerate(leaves):
        only = grouped_filters(sql, leaf)
        where_matched = f" FILTER (WHERE {only})" if only else ""
        columns.append(f"SUM({grouped_count(leaf)}){where_matched} AS m{index}")
        if leaf.kind == RuleKind.SUM:
            columns.append(f"SUM({grouped_measure(leaf)}){where_matched} AS v{index}")
    grouped = (
        f"SELECT g.category AS category, g.source AS source, {', '.join(columns)} "
        f"FROM ({grouped_rows}) g GROUP BY g.category, g.source",
        sql.params,
    )

    distinct = [i for i, leaf in enumerate(leaves) if leaf.kind == RuleKind.COUNT_DISTINCT_PARTICIPANTS]
    sql = Statement(dialect)
    columns = [f"COUNT(DISTINCT p.participant_ref) FILTER (WHERE {in_range(sql, Temporal.FLOW, start, end)}) AS u"]
    columns += [
        f"COUNT(DISTINCT p.participant_ref) FILTER (WHERE {condition(sql, leaves[i], start, end)}) AS d{i}" for i in distinct
    ]
    # Unique participants are a flow figure: unless a distinct rule looks at stock, this join
    # needs only the range's activities, not the organisation's whole history (bench S4).
    distinct_stock = any(leaves[i].temporal == Temporal.STOCK for i in distinct)
    where = scope(sql, organization_ids, start, end, stock=distinct_stock)
    participants = (
        f"SELECT {', '.join(columns)} FROM activity a JOIN activity_participant p ON p.activity_id = a.id WHERE {where}",
        sql.params,
    )
    return Plan(rules, leaves, position, distinct, grouped, participants)


async def aggregate(
    *, organization_ids: Sequence[str], start: datetime, end: datetime, definitions: list[FieldDefinition]
) -> Aggregate:
    """The figures of the activities of ``organization_ids`` (one organisation, or a subtree
    rolled up) over [start, end], in two statements."""
    connection = get_connection("default")
    planned = plan(
        organization_ids=organization_ids,
        start=start,
        end=end,
        definitions=definitions,
        dialect=connection.capabilities.dialect,
    )
    # Independent reads: outside a transaction each takes its own pooled connection, so they run
    # side by side (SQLite's single connection takes them in turn). Neither holds a connection
    # while waiting for another, so a full pool only queues them (bench S4).
    (_, grouped), (_, (unique_row,)) = await asyncio.gather(
        connection.execute_query(*planned.grouped), connection.execute_query(*planned.participants)
    )
    result = fold(planned, grouped, unique_row)
    result.statements = 2
    result.rows = len(grouped) + 1
    return result


def fold(planned: Plan, grouped: Sequence[Mapping[str, Any]], unique_row: Mapping[str, Any]) -> Aggregate:
    """The statements' rows folded into metrics and one value per rule: pure, no database."""
    leaves, position = planned.leaves, planned.position
    result = Aggregate()
    leaf_values: dict[int, Decimal] = defaultdict(Decimal)
    leaf_sources: dict[int, Counter[str]] = defaultdict(Counter)
    categories: dict[str, list[Any]] = defaultdict(lambda: [0, 0, Decimal(0)])
    # Per leaf: its count column, and its sum column when it adds up a measure (else the count).
    columns = [(index, f"m{index}", f"v{index}" if leaf.kind == RuleKind.SUM else None) for index, leaf in enumerate(leaves)]
    for row in grouped:
        totals = categories[row["category"]]
        totals[0] += int(row["n"] or 0)
        totals[1] += int(row["p"] or 0)
        totals[2] += _decimal(row["h"])
        system = row["source"]
        for index, counted, summed in columns:
            matches = int(row[counted] or 0)
            if matches:  # no matching activity adds nothing: its sum is NULL too
                leaf_sources[index][system] += matches
                leaf_values[index] += _decimal(row[summed]) if summed else matches
    for index in planned.distinct:
        leaf_values[index] = Decimal(int(unique_row[f"d{index}"] or 0))

    result.categories = {
        name: CategoryMetrics(activities, participants, hours.quantize(CENT))
        for name, (activities, participants, hours) in sorted(categories.items())
        if activities
    }
    result.activity_count = sum(c.activities for c in result.categories.values())
    result.participant_count = sum(c.participants for c in result.categories.values())
    result.hours = sum((c.hours for c in result.categories.values()), Decimal(0)).quantize(CENT)
    result.unique_participants = int(unique_row["u"] or 0)

    def source(leaf: AggregationRule) -> str | None:
        counts = leaf_sources[position[id(leaf)]]
        ranked = sorted((-n, name) for name, n in counts.items() if n)
        return ranked[0][1] if ranked else None

    for key, rule in planned.rules.items():
        if rule.kind == RuleKind.RATIO:
            assert rule.numerator is not None and rule.denominator is not None
            numerator = leaf_values[position[id(rule.numerator)]]
            denominator = leaf_values[position[id(rule.denominator)]]
            value = None if not denominator else (Decimal(str(rule.scale)) * numerator / denominator).quantize(CENT)
            result.values[key] = FieldResult(value, source(rule.numerator))
        else:
            value = leaf_values[position[id(rule)]]
            result.values[key] = FieldResult(value.quantize(CENT) if rule.kind == RuleKind.SUM else value, source(rule))
    return result
