"""What a section or field definition may say: one validation for REST bodies and GraphQL inputs.

REST uses these models as its request bodies; GraphQL inputs are converted to the same models
with ``base.inputs.parse``. Either way a problem is reported as ``InvalidInput`` naming the
offending field (``fields.1.max_value``, ``fields.0.aggregation_rule.denominator``). A field's
aggregation rule is the rule language's (``rules``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

from ...models import STORED_LIMIT, FieldDataType
from ..base.inputs import PrintedText, Strict
from .rules import AggregationRule, RuleKind

FIELD_KEY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
SECTION_ID = re.compile(r"^[a-z][a-z0-9]*([-_][a-z0-9]+)*$")
NUMERIC_TYPES = {FieldDataType.INTEGER, FieldDataType.DECIMAL, FieldDataType.PERCENT}


Bound = Annotated[Decimal, Field(gt=-STORED_LIMIT, lt=STORED_LIMIT, allow_inf_nan=False)]
"""A field's min_value or max_value: a finite number small enough to be stored."""


class FieldSpec(Strict):
    field_key: str = Field(min_length=2, max_length=64, json_schema_extra={"pattern": FIELD_KEY.pattern})
    label: PrintedText = Field(min_length=1, max_length=255)
    description: PrintedText = Field(default="", max_length=2000)
    data_type: FieldDataType
    required: bool = Field(default=False, strict=True)
    min_value: Bound | None = None
    max_value: Bound | None = Field(default=None, validate_default=True)
    unit: PrintedText | None = Field(default=None, max_length=32)
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

    section_title: PrintedText = Field(min_length=1, max_length=255)
    section_order: int = Field(ge=1, le=10_000, strict=True)
    description: PrintedText | None = Field(default=None, max_length=2000)
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
