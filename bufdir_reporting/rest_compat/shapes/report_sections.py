"""The answers of report-structure-mapper (``/api/v1/report-sections``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ...models import FieldDataType
from ...rest.shapes import Instant, Number, Pagination, Shape, examples
from .. import examples as contract


class SectionSummary(Shape):
    section_id: str
    section_title: str
    section_order: int
    description: str
    required_field_count: int
    total_field_count: int
    is_active: bool


class SectionList(Shape):
    model_config = examples(contract.SECTIONS_LIST)

    data: list[SectionSummary]
    pagination: Pagination


class FieldShape(Shape):
    field_key: str
    label: str
    description: str
    data_type: FieldDataType
    required: bool
    min_value: Number | None
    max_value: Number | None
    unit: str | None
    aggregation_rule: dict[str, Any] = Field(description="how the value is computed (as AggregationRule); kind manual: by hand")
    explain_large_change: bool


_FIELD_EXTRAS = {"description": "", "unit": None, "aggregation_rule": {"kind": "manual"}, "explain_large_change": False}


class SectionDetail(Shape):
    model_config = examples(
        {**contract.SECTION_GET, "fields": [{**field, **_FIELD_EXTRAS} for field in contract.SECTION_GET["fields"]]}
    )

    section_id: str
    section_title: str
    section_order: int
    description: str
    is_active: bool
    fields: list[FieldShape]
    required_fields: list[str]


_NEW_SECTION = {"description": "Tjenester levert av familievernkontorer."}


class SectionCreated(SectionSummary):
    model_config = examples({**contract.SECTION_POST_RESPONSE, **_NEW_SECTION})

    created_at: Instant | None


class SectionUpdated(SectionSummary):
    model_config = examples({**contract.SECTION_PUT_RESPONSE, **_NEW_SECTION})

    updated_at: Instant | None


class SectionDeleted(Shape):
    model_config = examples(contract.SECTION_DELETE_RESPONSE)

    deleted: bool
    section_id: str
    soft_delete: bool


class FieldLabel(Shape):
    model_config = examples(contract.FIELD_LABEL)

    field_key: str
    label: str
    description: str
    section_id: str
    section_title: str


class RequiredField(Shape):
    field_key: str
    label: str
    section_id: str
    section_title: str


class RequiredFields(Shape):
    model_config = examples(contract.REQUIRED_FIELDS)

    period_id: str | None
    total_required_fields: int
    required_fields: list[RequiredField]
