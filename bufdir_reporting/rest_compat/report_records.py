"""Contract: report-history-repository (``/api/v1/report-records``), plus the file download."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, Query
from fastapi.responses import FileResponse, JSONResponse

from ..models import ReportRecord, ReportStatus
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import Window
from ..resolvers.reporting import records
from ..resolvers.reporting.inputs import ReportRecordChange, ReportRecordSpec
from ..resolvers.reporting.renderers import XLSX_CONTENT_TYPE as CONTENT_TYPE
from ..rest.routing import (
    CodeQuery,
    ContextDep,
    ContractRouter,
    OrganizationIdQuery,
    PeriodIdQuery,
    ReportId,
    page_window,
    paginated,
)
from ..rest.shapes import documented
from ..timefmt import iso
from . import shapes

router = ContractRouter("/api/v1/report-records", tag="report-records")


def shape(record: ReportRecord) -> dict[str, Any]:
    return {
        "report_id": record.id,
        "org_id": record.organization_id,
        "report_type": record.report_type,
        "period_from": iso(record.period_from),
        "period_to": iso(record.period_to),
        "status": str(record.status),
        "file_ref": record.file_ref,
        "file_size_bytes": record.file_size_bytes,
        "generated_by": record.generated_by,
        "generated_at": iso(record.generated_at),
        "created_at": iso(record.created_at),
        "updated_at": iso(record.updated_at),
        "snapshot_id": record.snapshot_id,
        "error": record.error,
    }


@router.endpoint("GET", **documented(shapes.ReportRecordList), summary="Report records of an organisation, newest first")
async def list_records(
    ctx: Context = ContextDep,
    window: Window = Depends(page_window),
    org_id: OrganizationIdQuery = None,
    report_type: CodeQuery = None,
    status: ReportStatus | None = Query(None),
    period_id: PeriodIdQuery = None,
) -> dict[str, Any]:
    page = await records.list_(
        ctx, window=window, organization_id=org_id, report_type=report_type, status=status, period_id=period_id
    )
    return paginated(page, [shape(r) for r in page.items])


@router.endpoint("POST", status_code=201, **documented(shapes.ReportRecordShape, 201), summary="Insert a report record")
async def create_record(spec: ReportRecordSpec, ctx: Context = ContextDep) -> dict[str, Any]:
    return shape(await records.create(ctx, spec=spec))


@router.endpoint("GET", "/{report_id}/file", summary="Download the report file", response_class=FileResponse)
async def download_record(report_id: ReportId, ctx: Context = ContextDep) -> FileResponse:
    record, path = await records.file_of(ctx, report_id=report_id)
    return FileResponse(path, media_type=record.content_type or CONTENT_TYPE, filename=records.download_name(record))


@router.endpoint("GET", "/{report_id}", **documented(shapes.ReportRecordShape), summary="One report record")
async def get_record(report_id: ReportId, ctx: Context = ContextDep) -> dict[str, Any]:
    return shape(await records.get_or_raise(ctx, report_id=report_id))


@router.endpoint(
    "PUT",
    "/{report_id}",
    **documented(shapes.ReportRecordShape),
    summary="Set file reference, size and status after generation",
)
async def update_record(report_id: ReportId, change: ReportRecordChange, ctx: Context = ContextDep) -> dict[str, Any]:
    return shape(await records.update(ctx, report_id=report_id, change=change))


@router.endpoint(
    "DELETE", "/{report_id}", **documented(shapes.ReportRecordDeleted), summary="Hard-delete a report record and its file"
)
async def delete_record(report_id: ReportId, ctx: Context = ContextDep) -> JSONResponse:
    record = await records.delete(ctx, report_id=report_id)
    return JSONResponse({"report_id": record.id, "deleted": True, "deleted_at": iso(datetime.now(UTC))})
