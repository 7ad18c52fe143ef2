"""The report structure's rule language: how a field's value is computed from activities.

A rule is a kind (count, sum of a measure, count of distinct participants, a ratio of two rules,
or manual), filters on the activities it counts (types, Bufdir categories, statuses, locations)
and whether it counts what happened in the period (flow) or what was ongoing at its end (stock).
This module says what a rule may say and keeps it in one canonical form; the aggregation engine
(``aggregation``) turns rules into statements, the structure (``inputs``, ``versions``) stores
them on field definitions.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from ..base.inputs import Strict


class BufdirCategory(StrEnum):
    """Bufdir's participant categories, in the order its report and the legacy contract print
    them; a closed set (an activity in another is refused), unlike an activity's status or type,
    which are each case-management system's own codes."""

    FORELDRE_BARN = "foreldre_barn"
    UNGDOM = "ungdom"
    ELDRE = "eldre"
    FUNKSJONSNEDSETTELSE = "funksjonsnedsettelse"
    ANNET = "annet"


CATEGORY_ORDER = tuple(category.value for category in BufdirCategory)
BUFDIR_CATEGORIES = frozenset(CATEGORY_ORDER)


class RuleKind(StrEnum):
    COUNT = "count"
    SUM = "sum"
    COUNT_DISTINCT_PARTICIPANTS = "count_distinct_participants"
    RATIO = "ratio"
    MANUAL = "manual"


class Measure(StrEnum):
    PARTICIPANT_COUNT = "participant_count"
    HOURS = "hours"


class Temporal(StrEnum):
    FLOW = "flow"
    STOCK = "stock"


class RuleFilters(Strict):
    activity_types: list[str] = Field(default_factory=list, max_length=50)
    categories: list[str] = Field(default_factory=list, max_length=50)
    statuses: list[str] = Field(default_factory=list, max_length=50)
    locations: list[str] = Field(default_factory=list, max_length=200)

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - BUFDIR_CATEGORIES)
        if unknown:
            raise ValueError(f"unknown Bufdir categories {unknown}; known: {sorted(BUFDIR_CATEGORIES)}")
        return value


class AggregationRule(Strict):
    """How a field's value is computed from activities; ``manual`` means entered by hand."""

    # What the validators below enforce, stated for the OpenAPI document: a sum names its
    # measure, nothing else does; a ratio has both parts, nothing else has either.
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"kind": {"const": "sum"}}},
                    "then": {"required": ["measure"], "properties": {"measure": {"type": "string"}}},
                    "else": {"properties": {"measure": {"type": "null"}}},
                },
                {
                    "if": {"properties": {"kind": {"const": "ratio"}}},
                    "then": {
                        "required": ["numerator", "denominator"],
                        "properties": {"numerator": {"type": "object"}, "denominator": {"type": "object"}},
                    },
                    "else": {"properties": {"numerator": {"type": "null"}, "denominator": {"type": "null"}}},
                },
            ]
        }
    )

    kind: RuleKind
    measure: Measure | None = Field(default=None, validate_default=True)
    filters: RuleFilters = Field(default_factory=RuleFilters)
    temporal: Temporal = Temporal.FLOW
    numerator: AggregationRule | None = Field(default=None, validate_default=True)
    denominator: AggregationRule | None = Field(default=None, validate_default=True)
    scale: float = Field(default=1, gt=0, description="multiplies a ratio, e.g. 100 for percent")

    @field_validator("measure")
    @classmethod
    def _measure_fits_kind(cls, value: Measure | None, info: ValidationInfo) -> Measure | None:
        kind = info.data.get("kind")
        if kind == RuleKind.SUM and value is None:
            raise ValueError("a sum needs a measure: participant_count or hours")
        if kind != RuleKind.SUM and value is not None:
            raise ValueError(f"a {kind} rule takes no measure")
        return value

    @field_validator("numerator", "denominator")
    @classmethod
    def _parts_fit_kind(cls, value: AggregationRule | None, info: ValidationInfo) -> AggregationRule | None:
        kind = info.data.get("kind")
        if kind == RuleKind.RATIO:
            if value is None:
                raise ValueError("a ratio needs both a numerator and a denominator")
            if value.kind in (RuleKind.RATIO, RuleKind.MANUAL):
                raise ValueError("the parts of a ratio must be count, sum or count_distinct_participants")
        elif value is not None:
            raise ValueError(f"only a ratio has a {info.field_name}")
        return value

    def stored(self) -> dict[str, Any] | None:
        """The canonical JSON kept on the field definition (defaults left out); NULL when manual."""
        if self.kind == RuleKind.MANUAL:
            return None
        return self.model_dump(mode="json", exclude_defaults=True)

    @classmethod
    def canonical(cls, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if stored is None else cls.model_validate(stored).stored()
