"""Activity import over REST (no legacy contract: a path of its own): upload a file and get the
dry run's report, commit a checked import, poll it. The same reading, checks and writing as the
CLI (``importing``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Form, UploadFile
from pydantic import BaseModel

from ..importing import uploads
from ..models import ActivityImport
from ..resolvers.base.context import Context
from ..timefmt import iso
from .routing import ContextDep, ContractRouter, ImportId

router = ContractRouter("/api/v1/activities/import", tag="activity-import", printed_paths=False)


class RowProblem(BaseModel):
    line: int
    column: str
    value: str | None
    message: str


class ImportShape(BaseModel):
    import_id: str
    status: str  # checked, refused, writing, done, failed
    filename: str
    form: str
    rows: int
    error_count: int
    errors: list[RowProblem]
    written: int
    created: int
    updated: int
    failure: str | None
    created_at: str | None
    committed_at: str | None
    finished_at: str | None


def shape(upload: ActivityImport) -> dict[str, Any]:
    return {
        "import_id": upload.id,
        "status": str(upload.status),
        "filename": upload.filename,
        "form": upload.form,
        "rows": upload.rows,
        "error_count": upload.error_count,
        "errors": upload.errors,
        "written": upload.written,
        "created": upload.created,
        "updated": upload.updated,
        "failure": upload.failure,
        "created_at": iso(upload.created_at),
        "committed_at": iso(upload.committed_at),
        "finished_at": iso(upload.finished_at),
    }


@router.endpoint(
    "POST",
    status_code=201,
    response_model=None,
    responses={201: {"model": ImportShape}},
    summary="Upload an activity file (.csv, .xlsx, .jsonl) and get the dry run's report; nothing is written",
)
async def upload_file(
    file: Annotated[UploadFile, File(description="the activity file, as for bufdir-reporting import")],
    sheet: Annotated[str | None, Form(max_length=64, description="the workbook's sheet (default: the first)")] = None,
    ctx: Context = ContextDep,
) -> dict[str, Any]:
    upload = await uploads.check(ctx, filename=file.filename or "", content=await file.read(), sheet=sheet)
    return shape(upload)


@router.endpoint(
    "POST",
    "/{import_id}/commit",
    status_code=202,
    response_model=None,
    responses={202: {"model": ImportShape}},
    summary="Write a checked import (all rows or none) in the background; poll it or subscribe to its progress",
)
async def commit_import(import_id: ImportId, ctx: Context = ContextDep) -> dict[str, Any]:
    return shape(await uploads.commit(ctx, import_id=import_id))


@router.endpoint(
    "GET", "/{import_id}", response_model=None, responses={200: {"model": ImportShape}}, summary="An import's report and outcome"
)
async def get_import(import_id: ImportId, ctx: Context = ContextDep) -> dict[str, Any]:
    return shape(await uploads.get(ctx, import_id=import_id))
