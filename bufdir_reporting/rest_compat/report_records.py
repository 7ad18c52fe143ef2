"""Contract: report-history-repository (``/api/v1/report-records``), plus the file download."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Body, Depends, Query
from fastapi.responses import FileResponse

from ..models import ReportRecord, ReportStatus
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import Window
from ..resolvers.reporting import files, records
from ..resolvers.reporting.inputs import ReportRecordChange, ReportRecordSpec
from ..resolvers.reporting.renderers import PDF_CONTENT_TYPE
from ..resolvers.reporting.renderers import XLSX_CONTENT_TYPE as CONTENT_TYPE
from ..rest.routing import (
    ContextDep,
    ContractRouter,
    OrganizationIdQuery,
    PeriodIdQuery,
    ReportId,
    ReportTypeQuery,
    examples_of,
    page_window,
    pagination,
)
from . import examples
from .shapes import report_records as shapes

router = ContractRouter("/api/v1/report-records", tag="report-records")
FILE_TYPES = (CONTENT_TYPE, PDF_CONTENT_TYPE)
BINARY = {"type": "string", "format": "binary"}


def shape(record: ReportRecord) -> shapes.ReportRecordShape:
    return shapes.ReportRecordShape(
        report_id=record.id,
        org_id=record.organization_id,
        report_type=record.report_type,
        period_from=record.period_from,
        period_to=record.period_to,
        status=record.status,
        file_ref=record.file_ref,
        file_size_bytes=record.file_size_bytes,
        generated_by=record.generated_by,
        generated_at=record.generated_at,
        created_at=record.created_at,
        updated_at=record.updated_at,
        snapshot_id=record.snapshot_id,
        error=record.error,
    )


@router.endpoint(
    "GET",
    "",
    "listReportRecords",
    shapes.ReportRecordList,
    errors={403},
    summary="Report records of an organisation, newest first",
)
async def list_records(
    ctx: Context = ContextDep,
    window: Window = Depends(page_window),
    org_id: OrganizationIdQuery = None,
    report_type: ReportTypeQuery = None,
    status: ReportStatus | None = Query(None),
    period_id: PeriodIdQuery = None,
) -> shapes.ReportRecordList:
    page = await records.list_(
        ctx, window=window, organization_id=org_id, report_type=report_type, status=status, period_id=period_id
    )
    return shapes.ReportRecordList(data=[shape(r) for r in page.items], pagination=pagination(page))


@router.endpoint(
    "POST",
    "",
    "createReportRecord",
    shapes.ReportRecordShape,
    status_code=201,
    errors={403, 404, 409},
    summary="Insert a report record",
)
async def create_record(
    spec: Annotated[ReportRecordSpec, Body(openapi_examples=examples_of(contract=examples.REPORT_POST_REQUEST))],
    ctx: Context = ContextDep,
) -> shapes.ReportRecordShape:
    return shape(await records.create(ctx, spec=spec))


@router.endpoint(
    "GET",
    "/{report_id}/file",
    "getReportRecordFile",
    None,
    summary="Download the report file",
    response_class=FileResponse,
    responses={200: {"description": "The report's file", "content": {kind: {"schema": BINARY} for kind in FILE_TYPES}}},
)
async def download_record(report_id: ReportId, ctx: Context = ContextDep) -> FileResponse:
    record, path = await records.file_of(ctx, report_id=report_id)
    # the document's own language, which the request's (language.LanguageOfRequest) does not override
    stated = await asyncio.to_thread(files.language_of, path)
    headers = {"Content-Language": stated.value} if stated is not None else None
    return FileResponse(
        path, media_type=record.content_type or CONTENT_TYPE, filename=files.download_name(record, stated), headers=headers
    )


@router.endpoint("GET", "/{report_id}", "getReportRecord", shapes.ReportRecordShape, summary="One report record")
async def get_record(report_id: ReportId, ctx: Context = ContextDep) -> shapes.ReportRecordShape:
    return shape(await records.get_or_raise(ctx, report_id=report_id))


@router.endpoint(
    "PUT",
    "/{report_id}",
    "updateReportRecord",
    shapes.ReportRecordShape,
    errors={403, 409},
    summary="Set file reference, size and status after generation",
)
async def update_record(
    report_id: ReportId,
    change: Annotated[ReportRecordChange, Body(openapi_examples=examples_of(contract=examples.REPORT_PUT_REQUEST))],
    ctx: Context = ContextDep,
) -> shapes.ReportRecordShape:
    return shape(await records.update(ctx, report_id=report_id, change=change))


@router.endpoint(
    "DELETE",
    "/{report_id}",
    "deleteReportRecord",
    shapes.ReportRecordDeleted,
    errors={403, 409},
    summary="Hard-delete a report record and its file",
)
async def delete_record(report_id: ReportId, ctx: Context = ContextDep) -> shapes.ReportRecordDeleted:
    record = await records.delete(ctx, report_id=report_id)
    return shapes.ReportRecordDeleted(report_id=record.id, deleted=True, deleted_at=datetime.now(UTC))
