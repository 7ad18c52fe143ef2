"""The vocabulary the demo's report structure is written in.

Rules use the aggregation-rule shape the engine reads: ``kind`` (count, sum,
count_distinct_participants, ratio; no rule means manual entry), ``measure`` for sums,
``filters`` on activity types, categories, statuses and locations, and ``temporal``
(``flow``: what happened in the period; ``stock``: what was ongoing at its end).
"""

from __future__ import annotations

from typing import Any

Rule = dict[str, Any]


def count(*types: str, statuses: tuple[str, ...] = (), temporal: str = "flow") -> Rule:
    filters: dict[str, list[str]] = {"activity_types": list(types)}
    if statuses:
        filters["statuses"] = list(statuses)
    return {"kind": "count", "filters": filters, "temporal": temporal}


def stock(*types: str) -> Rule:
    return count(*types, temporal="stock")


def hours(*types: str, categories: tuple[str, ...] = ()) -> Rule:
    filters: dict[str, list[str]] = {}
    if types:
        filters["activity_types"] = list(types)
    if categories:
        filters["categories"] = list(categories)
    return {"kind": "sum", "measure": "hours", "filters": filters, "temporal": "flow"}


def participants(*types: str, categories: tuple[str, ...] = ()) -> Rule:
    filters: dict[str, list[str]] = {}
    if types:
        filters["activity_types"] = list(types)
    if categories:
        filters["categories"] = list(categories)
    return {"kind": "count_distinct_participants", "filters": filters, "temporal": "flow"}


def share(numerator: Rule, denominator: Rule) -> Rule:
    return {"kind": "ratio", "numerator": numerator, "denominator": denominator, "scale": 100}


def field(
    key: str,
    label: str,
    rule: Rule | None,
    *,
    required: bool = False,
    data_type: str = "integer",
    description: str = "",
    min_value: float | None = 0,
    max_value: float | None = 99999,
    unit: str | None = None,
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "description": description,
        "data_type": data_type,
        "required": required,
        "min_value": min_value,
        "max_value": max_value,
        "unit": unit,
        "aggregation_rule": rule,
    }


PLACEMENTS = ("placement_foster_home", "placement_institution", "placement_emergency_home")
