"""The aggregation engine: one organisation's activities over a range -> metrics and field values.

Everything is computed in the database in two statements, whatever the number of fields:

1. one pass over the activities, grouped by Bufdir category and source system, with one
   filtered aggregate per rule (and per rule a count of matching activities, which names the
   field's dominant ``data_source``) plus the flow metrics;
2. one pass over activities joined to their participant references for every
   count-distinct rule and the unique-participant metric.

Python only folds the few grouped rows (categories x source systems) and divides ratios.
A computed field with no matching activity is a reported 0; a ratio over nothing is NULL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.connection import get_connection

from ..models import FieldDefinition
from .engine_sql import Statement, condition, in_range, measure_of, scope
from .structure_input import AggregationRule, RuleKind, Temporal

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
    return Decimal(0) if value is None else Decimal(str(value))


def _leaves(rules: dict[str, AggregationRule]) -> list[AggregationRule]:
    leaves: list[AggregationRule] = []
    for rule in rules.values():
        parts = [rule.numerator, rule.denominator] if rule.kind == RuleKind.RATIO else [rule]
        leaves += [part for part in parts if part is not None and part not in leaves]
    return leaves


async def aggregate(
    *, organization_id: str, start: datetime, end: datetime, definitions: list[FieldDefinition]
) -> Aggregate:
    rules = {d.key: AggregationRule.model_validate(d.aggregation_rule) for d in definitions if d.aggregation_rule}
    leaves = _leaves(rules)
    stock = any(leaf.temporal == Temporal.STOCK for leaf in leaves)
    connection = get_connection("default")
    dialect = connection.capabilities.dialect
    result = Aggregate()

    sql = Statement(dialect)
    flow = in_range(sql, Temporal.FLOW, start, end)
    # FILTER rather than CASE: the same result (NULL for no match is folded as 0 below), and
    # PostgreSQL skips the aggregate's work for rows that do not match (bench S4).
    columns = [
        f"COUNT(*) FILTER (WHERE {flow}) AS n",
        f"SUM(a.participant_count) FILTER (WHERE {flow}) AS p",
        f"SUM(CAST(a.hours AS NUMERIC)) FILTER (WHERE {flow}) AS h",
    ]
    for index, leaf in enumerate(leaves):
        matched = condition(sql, leaf, start, end)
        columns.append(f"COUNT(*) FILTER (WHERE {matched}) AS m{index}")
        if leaf.kind == RuleKind.SUM:
            columns.append(f"SUM({measure_of(leaf)}) FILTER (WHERE {matched}) AS v{index}")
    where = scope(sql, organization_id, start, end, stock=stock)
    _, grouped = await connection.execute_query(
        f"SELECT a.category AS category, a.source_system AS source, {', '.join(columns)} "
        f"FROM activity a WHERE {where} GROUP BY a.category, a.source_system",
        sql.params,
    )

    distinct = [i for i, leaf in enumerate(leaves) if leaf.kind == RuleKind.COUNT_DISTINCT_PARTICIPANTS]
    sql = Statement(dialect)
    columns = [f"COUNT(DISTINCT p.participant_ref) FILTER (WHERE {in_range(sql, Temporal.FLOW, start, end)}) AS u"]
    columns += [
        f"COUNT(DISTINCT p.participant_ref) FILTER (WHERE {condition(sql, leaves[i], start, end)}) AS d{i}"
        for i in distinct
    ]
    # Unique participants are a flow figure: unless a distinct rule looks at stock, this join
    # needs only the range's activities, not the organisation's whole history (bench S4).
    distinct_stock = any(leaves[i].temporal == Temporal.STOCK for i in distinct)
    where = scope(sql, organization_id, start, end, stock=distinct_stock)
    _, (unique_row,) = await connection.execute_query(
        f"SELECT {', '.join(columns)} FROM activity a "
        f"JOIN activity_participant p ON p.activity_id = a.id WHERE {where}",
        sql.params,
    )
    result.statements = 2
    result.rows = len(grouped) + 1

    leaf_values: dict[int, Decimal] = defaultdict(Decimal)
    leaf_sources: dict[int, Counter[str]] = defaultdict(Counter)
    categories: dict[str, list[Any]] = defaultdict(lambda: [0, 0, Decimal(0)])
    for row in grouped:
        totals = categories[row["category"]]
        totals[0] += int(row["n"] or 0)
        totals[1] += int(row["p"] or 0)
        totals[2] += _decimal(row["h"])
        for index, leaf in enumerate(leaves):
            matches = int(row[f"m{index}"] or 0)
            leaf_sources[index][row["source"]] += matches
            leaf_values[index] += _decimal(row[f"v{index}"]) if leaf.kind == RuleKind.SUM else matches
    for index in distinct:
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
        counts = leaf_sources[leaves.index(leaf)]
        ranked = sorted((-n, name) for name, n in counts.items() if n)
        return ranked[0][1] if ranked else None

    for key, rule in rules.items():
        if rule.kind == RuleKind.RATIO:
            assert rule.numerator is not None and rule.denominator is not None
            numerator = leaf_values[leaves.index(rule.numerator)]
            denominator = leaf_values[leaves.index(rule.denominator)]
            value = None if not denominator else (Decimal(str(rule.scale)) * numerator / denominator).quantize(CENT)
            result.values[key] = FieldResult(value, source(rule.numerator))
        else:
            value = leaf_values[leaves.index(rule)]
            result.values[key] = FieldResult(value.quantize(CENT) if rule.kind == RuleKind.SUM else value, source(rule))
    return result
