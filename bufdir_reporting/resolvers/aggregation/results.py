"""The aggregation engine's results: the rows of a plan's statements (see ``plans``) folded into
metrics and one value per rule, in Python and without a database.

Python only folds the few grouped rows (categories x source systems) and divides ratios.
A computed field with no matching activity is a reported 0; a ratio over nothing is NULL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..structure.rules import RuleKind
from .plans import CATEGORY, SOURCE, H, N, P, Plan

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
    revision: str | None = None  # the structure's revision token, read by the same statements


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):  # PostgreSQL's numeric arrives as one already
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(0) if value is None else Decimal(str(value))


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
        if row[N]:  # else only activities open at the end (``plans._plan``'s stock pass), no metric
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
