"""The aggregation engine's plan: a structure's rules, parsed once, become the two statements one
aggregation asks the database (the grouped pass and the participants' pass: ``engine`` says what
each computes), made once per definitions, scope and range.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
