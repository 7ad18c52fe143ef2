"""The answers of report-history-repository (``/api/v1/report-records``)."""

from __future__ import annotations

from datetime import date

from ...models import ReportStatus
from ...rest.shapes import Instant, Pagination, Shape, examples
from .. import examples as contract

_RECORD = {"snapshot_id": "snap-001", "error": None}


class ReportRecordShape(Shape):
    model_config = examples({**contract.REPORT_RECORD, **_RECORD}, {**contract.REPORT_POST_RESPONSE, **_RECORD})

    report_id: str
    org_id: str
    report_type: str
    period_from: date
    period_to: date
    status: ReportStatus
    file_ref: str | None
    file_size_bytes: int | None
    generated_by: str | None
    generated_at: Instant | None
    created_at: Instant | None
    updated_at: Instant | None
    snapshot_id: str | None
    error: str | None


class ReportRecordList(Shape):
    model_config = examples({"data": [{**contract.REPORT_RECORD, **_RECORD}], "pagination": {"page": 1, "limit": 20, "total": 1}})

    data: list[ReportRecordShape]
    pagination: Pagination


class ReportRecordDeleted(Shape):
    model_config = examples(contract.REPORT_DELETE_RESPONSE)

    report_id: str
    deleted: bool
    deleted_at: Instant
