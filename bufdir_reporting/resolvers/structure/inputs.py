"""What a section or field definition may say: one validation for REST bodies and GraphQL inputs.

REST uses these models as its request bodies; GraphQL inputs are converted to the same models
with ``parse``. Either way a problem is reported as ``InvalidInput`` naming the offending field
(``fields.1.max_value``, ``fields.0.aggregation_rule.denominator``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ...errors import InvalidInput
from ...models import STORED_LIMIT, FieldDataType
from ...wording import plain

FIELD_KEY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
SECTION_ID = re.compile(r"^[a-z][a-z0-9]*([-_][a-z0-9]+)*$")
# Bufdir's participant categories, in the order its report and the legacy contract print them
CATEGORY_ORDER = ("foreldre_barn", "ungdom", "eldre", "funksjonsnedsettelse", "annet")
BUFDIR_CATEGORIES = frozenset(CATEGORY_ORDER)
NUMERIC_TYPES = {FieldDataType.INTEGER, FieldDataType.DECIMAL, FieldDataType.PERCENT}


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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true/false")
    return value


Count = Annotated[int, BeforeValidator(not_a_boolean)]
"""A whole number from JSON or a CSV cell ("3"), but never a boolean (which Python counts as 1)."""


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


Bound = Annotated[Decimal, Field(gt=-STORED_LIMIT, lt=STORED_LIMIT, allow_inf_nan=False)]
"""A field's min_value or max_value: a finite number small enough to be stored."""


class FieldSpec(Strict):
    field_key: str = Field(min_length=2, max_length=64, json_schema_extra={"pattern": FIELD_KEY.pattern})
    label: str = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=2000)
    data_type: FieldDataType
    required: bool = Field(default=False, strict=True)
    min_value: Bound | None = None
    max_value: Bound | None = Field(default=None, validate_default=True)
    unit: str | None = Field(default=None, max_length=32)
    explain_large_change: bool = Field(
        default=False, strict=True, description="true: a large change against the prior period needs an explanation to submit"
    )
    aggregation_rule: AggregationRule | None = Field(default=None, validate_default=True)

    @field_validator("field_key")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not FIELD_KEY.match(value):
            raise ValueError("a field key is snake_case: lower-case letters, digits and single underscores")
        return value

    @field_validator("max_value")
    @classmethod
    def _bounds(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        low = info.data.get("min_value")
        if low is not None and value is not None and low > value:
            raise ValueError(f"{value} is below min_value {low}")
        bounded = low is not None or value is not None
        if bounded and info.data.get("data_type") not in NUMERIC_TYPES:
            raise ValueError("only integer, decimal and percent fields take min_value/max_value")
        return value

    @field_validator("aggregation_rule")
    @classmethod
    def _rule_fits_type(cls, value: AggregationRule | None, info: ValidationInfo) -> AggregationRule | None:
        computed = value is not None and value.kind != RuleKind.MANUAL
        if computed and info.data.get("data_type") not in NUMERIC_TYPES:
            raise ValueError("only numeric fields can be computed; text and boolean fields are manual")
        return value


class SectionChange(Strict):
    """The body of PUT: replaces title, order and the field list."""

    section_title: str = Field(min_length=1, max_length=255)
    section_order: int = Field(ge=1, le=10_000, strict=True)
    description: str | None = Field(default=None, max_length=2000)
    is_active: bool = Field(default=True, strict=True)
    fields: list[FieldSpec] = Field(min_length=1, max_length=500)
    effective_from_period_id: str | None = Field(
        default=None, description="The period from whose start the change applies (default: today)."
    )

    @field_validator("fields")
    @classmethod
    def _unique_keys(cls, value: list[FieldSpec]) -> list[FieldSpec]:
        keys = [spec.field_key for spec in value]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"field keys repeat within the section: {repeated}")
        return value


class SectionSpec(SectionChange):
    """The body of POST: a new section."""

    section_id: str = Field(min_length=2, max_length=64, json_schema_extra={"pattern": SECTION_ID.pattern})

    @field_validator("section_id")
    @classmethod
    def _section_id_shape(cls, value: str) -> str:
        if not SECTION_ID.match(value):
            raise ValueError("a section id is lower-case letters and digits joined by - or _")
        return value


Spec = TypeVar("Spec", bound=BaseModel)


def field_path(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location if part != "body")


def invalid_input(error: ValidationError) -> InvalidInput:
    problems = [{"field": field_path(e["loc"]), "message": plain(e)} for e in error.errors()]
    first = problems[0]
    return InvalidInput(f"{first['field']} {first['message']}", field=first["field"], errors=problems)


def parse(model: type[Spec], data: dict[str, Any]) -> Spec:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc) from None
