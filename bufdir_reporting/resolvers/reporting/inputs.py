"""What a report record may say (the report-history contract's POST and PUT bodies)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from ...models import ReportStatus
from ..activities.inputs import CODE
from ..base.inputs import Day, Strict, not_a_boolean
from .filestore import FileStore


def _ref(value: str | None) -> str | None:
    return None if value is None else FileStore.checked(value)


REPORT_TYPE_LENGTH = 64
"""A report type's longest (its column's length)."""

FILE_REF = r"^(?![/~])(?!.*\\)(?!.*//)(?!(?:.*/)?\.\.(?:/|$))[^\u0000]{1,512}$"
"""A relative path inside the store (``FileStore.checked``), for the OpenAPI document."""


class ReportRecordChange(Strict):
    file_ref: str | None = Field(default=None, json_schema_extra={"pattern": FILE_REF})
    # At most the largest integer JSON carries exactly; never a boolean (Python counts True as 1).
    file_size_bytes: Annotated[int, Field(ge=0, le=2**53 - 1), BeforeValidator(not_a_boolean)] | None = None
    status: ReportStatus | SkipJsonSchema[None] = None  # may be left out, never null (see below)
    generated_at: datetime | None = None

    @model_validator(mode="after")
    def _no_null_status(self) -> ReportRecordChange:
        if "status" in self.model_fields_set and self.status is None:
            raise ValueError("status cannot be null; leave it out to keep it")  # a model rule: the field is named here
        return self

    @field_validator("file_ref")
    @classmethod
    def _inside_store(cls, value: str | None) -> str | None:
        try:
            return _ref(value)
        except Exception:
            # a type of its own (wording.INPUT_IDS), said after the field's name: str(exc) named the
            # field twice ("file_ref file_ref must be …") and stayed English under nb (outsider)
            raise PydanticCustomError("file_ref_outside", "must be a relative path inside the report store") from None


class ReportRecordSpec(ReportRecordChange):
    org_id: str = Field(min_length=1, max_length=64)
    report_type: str = Field(min_length=1, max_length=REPORT_TYPE_LENGTH, json_schema_extra={"pattern": CODE.pattern})
    period_from: Day
    period_to: Day
    status: ReportStatus = ReportStatus.PENDING
    generated_by: str | None = Field(default=None, max_length=128)
    snapshot_id: str | None = Field(default=None, max_length=40)

    @field_validator("report_type")
    @classmethod
    def _type(cls, value: str) -> str:
        if not CODE.match(value):
            raise ValueError("use lower-case snake_case, e.g. quarterly_activity")
        return value

    @field_validator("period_to")
    @classmethod
    def _ordered(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("period_from")
        if start is not None and value < start:
            raise ValueError("is before period_from")
        return value
