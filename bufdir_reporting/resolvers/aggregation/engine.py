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
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from tortoise.connection import get_connection

from ...models import FieldDefinition
from ..base import revision
from ..base.sql import Statement
from ..structure.rules import AggregationRule, RuleKind, Temporal
from .statements import (
    filtered_columns,
    filters,
    grouped_count,
    grouped_filters,
    grouped_measure,
    in_scope_range,
    scope,
    types_counted,
)

CENT = Decimal("0.01")
# What the grouped pass counts and sums per group: activities, participants and hours, with the
# SQL type of each (a pass that does not take one gives a typed NULL in its place).
MEASURES = (
    ("n", "COUNT(*)", "BIGINT"),
    ("p", "SUM(a.participant_count)", "BIGINT"),
    ("h", "SUM(CAST(a.hours AS NUMERIC))", "NUMERIC"),
)
# The first columns of the grouped statement's rows (then each leaf's), read by position.
GROUPED = ("category", "source", "n", "p", "h")
CATEGORY, SOURCE, N, P, H = range(len(GROUPED))


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
    revision: str | None = None  # the structure's revision token, read by the same statements


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):  # PostgreSQL's numeric arrives as one already
        return value
    if isinstance(value, int):
        return Decimal(value)
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
    # Per leaf, where the grouped statement's rows have it: the leaf's index, the position of
    # its count, and of its sum when it adds up a measure (else None: it adds up the count).
    # Every row starts with ``GROUPED``.
    columns: tuple[tuple[int, int, int | None], ...]


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


_plans: OrderedDict[tuple[Any, ...], tuple[tuple[FieldDefinition, ...], Plan]] = OrderedDict()


def plan(
    *, organization_ids: Sequence[str], start: datetime, end: datetime, definitions: list[FieldDefinition], dialect: str
) -> Plan:
    """The plan for these definitions, organisations and range, made once while it is among the
    last 64 asked: a scope is aggregated again after each change to its activities, and writing
    ~50 conditions' SQL cost a quarter of a millisecond a run (bench S4 at 200,000 activities,
    where the bare statement takes about one). An entry holds its definitions, so their ids name
    them while it lives; callers must not change a plan's parameter lists."""
    key = (tuple(map(id, definitions)), tuple(organization_ids), start, end, dialect)
    hit = _plans.get(key)
    if hit is not None:
        _plans.move_to_end(key)
        return hit[1]
    made = _plan(organization_ids=organization_ids, start=start, end=end, definitions=definitions, dialect=dialect)
    _plans[key] = (tuple(definitions), made)
    while len(_plans) > 64:
        _plans.popitem(last=False)
    return made


def _plan(
    *, organization_ids: Sequence[str], start: datetime, end: datetime, definitions: list[FieldDefinition], dialect: str
) -> Plan:
    rules, leaves, position = _parse(definitions)
    stock = any(leaf.temporal == Temporal.STOCK for leaf in leaves)

    # Two levels: the activities grouped by every column a rule filters on (a plain GROUP BY,
    # like a hand-written one) with the counts and sums of those in the range (flow) and of those
    # open at its end (stock), then each rule's filtered sum over those few grouped rows, so the
    # ~50 conditions are evaluated per group rather than per activity (bench S4). Only the sums
    # some rule or metric reads are taken (bench S4: the stock participants and hours no demo
    # rule reads were a tenth of the grouped pass).
    sql = Statement(dialect)
    grouped_by = ["category", "source_system", *(c for c in filtered_columns(leaves) if c != "category")]
    names = ["category", "source", *grouped_by[2:]]
    needed = {"g.n_flow", "g.p_flow", "g.h_flow"}
    for leaf in leaves:
        needed |= {grouped_count(leaf), grouped_measure(leaf)}
    kinds = ("flow", "open") if stock else ("flow",)
    taken = [(kept, name, total, kind) for kept in kinds for name, total, kind in MEASURES if f"g.{name}_{kept}" in needed]

    def branch(kept: str, keyed: Sequence[str], where: str) -> str:
        """One pass over the activities ``where`` selects, grouped by the ``keyed`` columns
        (the others NULL), with the sums of ``kept`` (the others NULL), so passes line up."""
        keys = [f"a.{c} AS {n}" if c in keyed else f"NULL AS {n}" for c, n in zip(grouped_by, names, strict=True)]
        sums = [f"{total if k == kept else f'CAST(NULL AS {kind})'} AS {name}_{k}" for k, name, total, kind in taken]
        by = ", ".join(str(i) for i, c in enumerate(grouped_by, 1) if c in keyed)
        return f"SELECT {', '.join(keys + sums)} FROM activity a WHERE {where} GROUP BY {by}"

    # With a stock rule, two passes: the range's activities (through the index on the date) by
    # every filtered column, and the ones open at its end by the source and the columns stock
    # rules filter on only, and only of the types they count when each names its types (through
    # the index on the type: not the organisation's whole history, which the bare GROUP BY
    # reads). One pass over the whole history grouped by every filtered column, each sum filtered
    # by the range, took 1.7x the bare statement's server time at 200,000 activities (bench S4:
    # ~210 groups of four keys); the two take 0.4-0.5x.
    grouped_rows = branch("flow", grouped_by, scope(sql, organization_ids, start, end, stock=False))
    if stock:
        stocked = [leaf for leaf in leaves if leaf.temporal == Temporal.STOCK]
        is_open = in_scope_range(sql, Temporal.STOCK, start, end, stock=True)
        where = f"{scope(sql, organization_ids, start, end, stock=True)} AND {is_open}"
        if (types := types_counted(stocked)) is not None:
            where += f" AND {sql.one_of('a.activity_type', types)}"
        grouped_rows += f" UNION ALL {branch('open', ['source_system', *filtered_columns(stocked)], where)}"
    # Counts and participants come back as integers: PostgreSQL sums bigints into numeric, which
    # the driver turns into Decimals one by one (bench S4: ~50 columns a row). The fold reads
    # the rows by position (``GROUPED``, then per leaf ``read``): half the cost of looking ~50
    # columns a row up by name (bench S4).
    columns = ["g.category AS category", "g.source AS source"]  # GROUPED's order
    columns += ["CAST(SUM(g.n_flow) AS BIGINT) AS n", "CAST(SUM(g.p_flow) AS BIGINT) AS p", "SUM(g.h_flow) AS h"]
    read: list[tuple[int, int, int | None]] = []
    for index, leaf in enumerate(leaves):
        matched = grouped_filters(sql, leaf)
        where_matched = f" FILTER (WHERE {matched})" if matched else ""
        counted, summed = len(columns), None
        columns.append(f"CAST(SUM({grouped_count(leaf)}){where_matched} AS BIGINT) AS m{index}")
        if leaf.kind == RuleKind.SUM:
            measure = grouped_measure(leaf)
            total = f"SUM({measure}){where_matched}"
            summed = len(columns)
            columns.append(f"{total if measure.startswith('g.h_') else f'CAST({total} AS BIGINT)'} AS v{index}")
        read.append((index, counted, summed))
    grouped = (f"SELECT {', '.join(columns)} FROM ({grouped_rows}) g GROUP BY g.category, g.source", sql.params)

    distinct = [i for i, leaf in enumerate(leaves) if leaf.kind == RuleKind.COUNT_DISTINCT_PARTICIPANTS]
    # Unique participants are a flow figure: unless a distinct rule looks at stock, this join
    # needs only the range's activities, not the organisation's whole history (bench S4); and as
    # in the grouped pass, a count does not check again what the scope has.
    distinct_stock = any(leaves[i].temporal == Temporal.STOCK for i in distinct)
    sql = Statement(dialect)
    counts = [("u", [in_scope_range(sql, Temporal.FLOW, start, end, stock=distinct_stock)])]
    for i in distinct:
        counts.append(
            (f"d{i}", [in_scope_range(sql, leaves[i].temporal, start, end, stock=distinct_stock), *filters(sql, leaves[i], "a")])
        )
    # Each participant once (one grouping by reference), with a flag per count: whether any of
    # its activities meets that count's conditions; then each count adds up its flags. A
    # COUNT(DISTINCT) per count sorted every reference again for each (bench S4's roll-up of 50
    # branches: about 13,000 references, five sorts).
    flags, columns = [], []
    for name, parts in counts:
        condition = " AND ".join(part for part in parts if part)
        flags.append(f"MAX(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {name}" if condition else f"1 AS {name}")
        columns.append(f"CAST(SUM(x.{name}) AS BIGINT) AS {name}")
    # The structure's revision token rides along (a primary-key read): a caller running these
    # statements under structure it holds checks the token without a round trip of its own
    # (bench S4 at 200,000 activities, where a round trip weighs a fifth of the bare statement).
    columns.append(f"({revision.CURRENT}) AS revision")
    where = scope(sql, organization_ids, start, end, stock=distinct_stock)
    per_participant = (
        f"SELECT {', '.join(flags)} FROM activity a JOIN activity_participant p ON p.activity_id = a.id "
        f"WHERE {where} GROUP BY p.participant_ref"
    )
    participants = (f"SELECT {', '.join(columns)} FROM ({per_participant}) x", sql.params)
    return Plan(rules, leaves, position, distinct, grouped, participants, tuple(read))


async def aggregate(
    *, organization_ids: Sequence[str], start: datetime, end: datetime, definitions: list[FieldDefinition]
) -> Aggregate:
    """The figures of the activities of ``organization_ids`` (one organisation, or a subtree
    rolled up) over [start, end], in two statements, with the structure revision's token they
    read (``Aggregate.revision``)."""
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
    # Records (asyncpg's, sqlite3's) are sequences too: the fold reads them by position.
    result = fold(planned, cast("Sequence[Sequence[Any]]", grouped), unique_row)
    token = unique_row["revision"]
    result.revision = None if token is None else str(token)
    result.statements = 2
    result.rows = len(grouped) + 1
    return result


def _source(row: Sequence[Any]) -> str:
    return str(row[SOURCE])


def fold(planned: Plan, grouped: Sequence[Sequence[Any]], unique_row: Mapping[str, Any]) -> Aggregate:
    """The statements' rows folded into metrics and one value per rule: pure, no database.

    Written for the ~50 leaves x the grouped rows it visits on every run (bench S4: at 200,000
    activities this loop cost as much as the bare statement): plain lists by leaf, counts kept as
    integers until the end, and each leaf's main source found once, not once per rule using it."""
    leaves, position = planned.leaves, planned.position
    result = Aggregate()
    totals: list[int | Decimal] = [0] * len(leaves)
    sources: list[dict[str, int]] = [{} for _ in leaves]
    categories: dict[str, list[Any]] = {}
    # In the sources' order, so that a leaf's counts meet its sources in that order and the first
    # of the most matching is the first name on a tie (Python's order, not the database's).
    for row in sorted(grouped, key=_source):
        if row[N]:  # else only activities open at the end (``_plan``'s stock pass), no metric
            category = categories.get(row[CATEGORY])
            if category is None:
                category = categories[row[CATEGORY]] = [0, 0, Decimal(0)]
            category[0] += row[N]
            category[1] += row[P] or 0
            category[2] += _decimal(row[H])
        system = row[SOURCE]
        for index, counted, summed in planned.columns:
            matches = row[counted]
            if matches:  # no matching activity adds nothing: its sum is NULL too
                counts = sources[index]
                counts[system] = counts.get(system, 0) + matches
                if summed is None:
                    totals[index] += matches
                else:
                    amount = row[summed]  # numeric (hours, a Decimal on PostgreSQL) or an integer
                    totals[index] += amount if amount.__class__ is Decimal or amount.__class__ is int else _decimal(amount)
    for index in planned.distinct:
        totals[index] = int(unique_row[f"d{index}"] or 0)
    leaf_values = [total if isinstance(total, Decimal) else Decimal(total) for total in totals]
    # The main source: most matching activities, the first name on a tie (max keeps the first).
    leaf_sources = [max(counts, key=counts.__getitem__) if counts else None for counts in sources]

    result.categories = {
        name: CategoryMetrics(activities, participants, hours.quantize(CENT))
        for name, (activities, participants, hours) in sorted(categories.items())
        if activities
    }
    result.activity_count = sum(c.activities for c in result.categories.values())
    result.participant_count = sum(c.participants for c in result.categories.values())
    result.hours = sum((c.hours for c in result.categories.values()), Decimal(0)).quantize(CENT)
    result.unique_participants = int(unique_row["u"] or 0)

    for key, rule in planned.rules.items():
        if rule.kind == RuleKind.RATIO:
            assert rule.numerator is not None and rule.denominator is not None
            numerator = leaf_values[position[id(rule.numerator)]]
            denominator = leaf_values[position[id(rule.denominator)]]
            value = None if not denominator else (Decimal(str(rule.scale)) * numerator / denominator).quantize(CENT)
            result.values[key] = FieldResult(value, leaf_sources[position[id(rule.numerator)]])
        else:
            index = position[id(rule)]
            value = leaf_values[index]
            result.values[key] = FieldResult(value.quantize(CENT) if rule.kind == RuleKind.SUM else value, leaf_sources[index])
    return result
