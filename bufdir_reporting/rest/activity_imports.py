"""Activity import over REST (no legacy contract: a path of its own): upload a file and get the
dry run's report, commit a checked import, poll it. The same reading, checks and writing as the
CLI (``importing``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Form, UploadFile
from pydantic import Field, WithJsonSchema

from ..importing import reading, uploads
from ..language import requested
from ..models import ActivityImport, ImportStatus
from ..resolvers.base.context import Context
from .routing import ContextDep, ContractRouter, ImportId
from .shapes import Instant, Shape, examples

router = ContractRouter("/api/v1/activities/import", tag="activity-import", printed_paths=False)


class RowProblem(Shape):
    line: int
    column: str
    value: str | None
    message: str


class ImportShape(Shape):
    model_config = examples(
        {
            "import_id": "imp-01k2x9q4b7",
            "status": "refused",
            "filename": "aktiviteter-2024.csv",
            "form": "csv",
            "rows": 1250,
            "error_count": 1,
            "errors": [{"line": 17, "column": "occurred_at", "value": "31.02.2024", "message": "is not a date"}],
            "written": 0,
            "created": 0,
            "updated": 0,
            "failure": None,
            "created_at": "2025-01-10T09:00:00Z",
            "committed_at": None,
            "finished_at": None,
        }
    )

    import_id: str
    status: ImportStatus
    filename: str
    form: str = Field(description="how the file was read: csv, xlsx or jsonl")
    rows: int
    error_count: int
    errors: list[RowProblem] = Field(description="the first rows refused, each with its line, column and why")
    written: int
    created: int
    updated: int
    failure: str | None
    created_at: Instant | None
    committed_at: Instant | None
    finished_at: Instant | None


def shape(upload: ActivityImport) -> ImportShape:
    return ImportShape(
        import_id=upload.id,
        status=upload.status,
        filename=upload.filename,
        form=reading.form_said(upload.form, requested.get()),
        rows=upload.rows,
        error_count=upload.error_count,
        errors=[RowProblem.model_validate(problem) for problem in upload.errors],
        written=upload.written,
        created=upload.created,
        updated=upload.updated,
        failure=upload.failure,
        created_at=upload.created_at,
        committed_at=upload.committed_at,
        finished_at=upload.finished_at,
    )


# A file part, as OpenAPI 3.0 and the client generators that read it say so (FastAPI writes 3.1's
# contentMediaType alone, and openapi-python-client then sends the file as text: 422).
BINARY = WithJsonSchema({"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"})


@router.endpoint(
    "POST",
    "",
    "uploadActivityFile",
    ImportShape,
    status_code=201,
    summary="Upload an activity file (.csv, .xlsx, .jsonl) and get the dry run's report; nothing is written",
)
async def upload_file(
    file: Annotated[UploadFile, File(description="the activity file, as for bufdir-reporting import"), BINARY],
    sheet: Annotated[str | None, Form(max_length=64, description="the workbook's sheet (default: the first)")] = None,
    ctx: Context = ContextDep,
) -> ImportShape:
    upload = await uploads.check(ctx, filename=file.filename or "", content=await file.read(), sheet=sheet)
    return shape(upload)


@router.endpoint(
    "POST",
    "/{import_id}/commit",
    "commitActivityImport",
    ImportShape,
    status_code=202,
    body=False,
    errors={403, 409},
    summary="Write a checked import (all rows or none) in the background; poll it or subscribe to its progress",
)
async def commit_import(import_id: ImportId, ctx: Context = ContextDep) -> ImportShape:
    return shape(await uploads.commit(ctx, import_id=import_id))


@router.endpoint("GET", "/{import_id}", "getActivityImport", ImportShape, summary="An import's report and outcome")
async def get_import(import_id: ImportId, ctx: Context = ContextDep) -> ImportShape:
    return shape(await uploads.get(ctx, import_id=import_id))
