"""The Bufdir report rendered from a snapshot over REST (no legacy contract: a path of its own;
the report-history contract's records are made by their own clients): the same use case as
GraphQL's generateReport, with the document's format and language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body
from pydantic import Field

from ..language import Language, chosen
from ..models import ReportRecord, ReportStatus
from ..resolvers.activities.inputs import CODE
from ..resolvers.base.context import Context
from ..resolvers.base.inputs import Strict
from ..resolvers.reporting import records
from ..resolvers.reporting.renderers import ReportFormat
from .routing import ContextDep, ContractRouter, examples_of
from .shapes import Shape, examples

router = ContractRouter("/api/v1/report-documents", tag="report-documents", printed_paths=False)

_REQUEST = {"snapshot_id": "snap-001", "format": "pdf", "language": "nn", "report_type": "bufdir_report"}
_DOCUMENT = {
    "report_id": "rep-01J9Z8",
    "snapshot_id": "snap-001",
    "status": "completed",
    "format": "pdf",
    "language": "nn",
    "file_size_bytes": 48211,
    "download_url": "/api/v1/report-records/rep-01J9Z8/file",
    "error": None,
}


class DocumentBody(Strict):
    snapshot_id: str = Field(min_length=1, max_length=40)
    format: ReportFormat = ReportFormat.XLSX
    language: Language | None = Field(default=None, description="nb, nn or en; default: Accept-Language, else nb")
    report_type: str = Field(default="bufdir_report", max_length=64, pattern=CODE.pattern)
    """A report record's report type (lower-case snake_case): it goes into the record and the
    file's name. The record's own rule, not a looser one: "46" passed a looser pattern here and
    the record refused it inside the use case, a 500 (schemathesis)."""


class DocumentShape(Shape):
    model_config = examples(_DOCUMENT)

    report_id: str
    snapshot_id: str | None
    status: ReportStatus
    format: ReportFormat
    language: Language
    file_size_bytes: int | None
    download_url: str | None
    error: str | None


def shape(record: ReportRecord, body: DocumentBody, language: Language) -> DocumentShape:
    return DocumentShape(
        report_id=record.id,
        snapshot_id=record.snapshot_id,
        status=record.status,
        format=body.format,
        language=language,
        file_size_bytes=record.file_size_bytes,
        download_url=f"/api/v1/report-records/{record.id}/file" if record.file_ref else None,
        error=record.error,
    )


@router.endpoint(
    "POST",
    "",
    "generateReportDocument",
    DocumentShape,
    status_code=201,
    errors={403, 404, 409},
    summary="Render a snapshot's report (XLSX or PDF) in Bokmål, Nynorsk or English",
)
async def generate_document(
    body: Annotated[DocumentBody, Body(openapi_examples=examples_of(nynorsk_pdf=_REQUEST))], ctx: Context = ContextDep
) -> DocumentShape:
    language = body.language or chosen()
    record = await records.generate(
        ctx, snapshot_id=body.snapshot_id, report_type=body.report_type, report_format=body.format, language=language
    )
    return shape(record, body, language)
