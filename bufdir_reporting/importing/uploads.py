"""The import over the API: upload a file, read the dry run's report, commit it.

``check`` reads and checks an uploaded file at once, exactly as the CLI does, and keeps it (with
its report) as an ``ActivityImport``. ``commit`` writes it as background work: the rows are read
and checked again (a period may have been locked since), then written in one transaction.
Subscribers hear progress after every chunk and the outcome after the commit; ``get`` polls
the outcome. Only the uploader (or an admin) sees or commits an import, and writing still needs
write access to every organisation the rows name.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePath

from ..errors import Conflict, DomainError, InvalidInput, NotFound
from ..models import ActivityImport, ImportStatus
from ..resolvers import activities
from ..resolvers.base import access, ids, notify
from ..resolvers.base.context import Context
from ..wording import shown
from . import SHOWN_ERRORS, ImportReport, import_file
from .errors import ImportFileError

log = logging.getLogger(__name__)

OUTCOME = ["status", "error_count", "errors", "created", "updated", "written", "failure", "finished_at"]
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".jsonl", ".ndjson", ".json")
SHEET_CHARS = 64  # ActivityImport.sheet's column


def _error_dicts(errors: list[activities.RowError]) -> list[dict[str, object]]:
    return [{"line": e.row, "column": e.field, "value": e.value, "message": e.message} for e in errors[:SHOWN_ERRORS]]


def _refused(upload: ActivityImport, report: ImportReport) -> None:
    upload.status = ImportStatus.REFUSED
    upload.error_count, upload.errors = len(report.errors), _error_dicts(report.errors)


async def _import(ctx: Context, upload: ActivityImport, *, dry_run: bool) -> ImportReport:
    async def written(done: int) -> None:
        upload.written = done
        await notify.activity_import_written(ctx, upload)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{PurePath(upload.filename).suffix.lower()}"
        path.write_bytes(upload.content)
        return await import_file(ctx, path, dry_run=dry_run, sheet=upload.sheet, written=written)


async def check(ctx: Context, *, filename: str, content: bytes, sheet: str | None = None) -> ActivityImport:
    """Read and check an uploaded file; nothing is written. The import keeps the file and the
    report: ``checked`` (every row valid) or ``refused`` (the first errors, and how many)."""
    access.require_authenticated(ctx)
    name = PurePath(filename or "upload.csv").name
    if PurePath(name).suffix.lower() not in SUFFIXES:
        raise InvalidInput(f"a file of activities is one of {', '.join(SUFFIXES)}; got '{shown(name)}'", field="file")
    if not content:
        raise InvalidInput("the file is empty", field="file")
    if sheet is not None and (len(sheet) > SHEET_CHARS or "\x00" in sheet):
        raise InvalidInput(f"a sheet's name is at most {SHEET_CHARS} characters, without NUL", field="sheet")
    upload = ActivityImport(
        id=ids.import_id(),
        created_by=ctx.principal.subject or "unknown",
        filename=shown(name, limit=255),  # kept to show: PostgreSQL refuses a NUL in it
        content=content,
        sheet=sheet,
        status=ImportStatus.CHECKED,
    )
    try:
        report = await _import(ctx, upload, dry_run=True)
    except ImportFileError as exc:
        raise InvalidInput(str(exc), field="file") from None
    upload.form, upload.rows = report.form[:128], report.rows
    if report.errors:
        _refused(upload, report)
    await upload.save()
    return upload


async def get(ctx: Context, *, import_id: str) -> ActivityImport:
    """The uploader's (or, for an admin, any) import; another's answers like a missing one."""
    access.require_authenticated(ctx)
    upload = await ActivityImport.get_or_none(id=import_id)
    if upload is None or not (ctx.principal.is_admin or upload.created_by == ctx.principal.subject):
        raise NotFound("activity import", import_id)
    return upload


async def commit(ctx: Context, *, import_id: str) -> ActivityImport:
    """Start writing a checked import in the background."""
    upload = await get(ctx, import_id=import_id)
    if upload.status != ImportStatus.CHECKED:
        raise Conflict(
            f"import {import_id} is {upload.status}; only a checked import (every row valid) can be committed",
            details={"import_id": import_id, "status": str(upload.status)},
        )
    claimed = await ActivityImport.filter(id=import_id, status=ImportStatus.CHECKED).update(
        status=ImportStatus.WRITING, committed_at=datetime.now(UTC)
    )
    if not claimed:  # another commit of the same import won the race
        raise Conflict(f"import {import_id} is already being written", details={"import_id": import_id})
    await upload.refresh_from_db()
    await notify.activity_import_progress(ctx, upload)
    if ctx.jobs is None:
        await write(ctx, upload)
    else:
        ctx.jobs.spawn(f"activity-import:{import_id}", write(ctx, upload))
    return upload


async def write(ctx: Context, upload: ActivityImport) -> None:
    """Check again and write; the import records the outcome, whatever happens."""
    try:
        report = await _import(ctx, upload, dry_run=False)
        if report.errors:  # something changed since the check, e.g. a period was locked
            _refused(upload, report)
        else:
            upload.status, upload.written = ImportStatus.DONE, report.rows
            upload.created, upload.updated = report.result.created, report.result.updated
    except DomainError as exc:
        upload.status, upload.failure = ImportStatus.FAILED, f"{exc.message}; nothing was written"
    except Exception:
        log.exception("activity import %s failed while writing", upload.id)
        upload.status, upload.failure = ImportStatus.FAILED, "Unexpected error while writing; nothing was written."
    upload.finished_at = datetime.now(UTC)
    await upload.save(update_fields=OUTCOME)
    await notify.activity_import_progress(ctx, upload)
