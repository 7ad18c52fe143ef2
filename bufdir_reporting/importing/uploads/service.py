"""What a transport asks of an import: check an uploaded file, read an import, follow its
progress, commit it (``writing`` writes it, as a job or at once)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import PurePath

from ... import language
from ...errors import Conflict, InvalidInput
from ...events import ActivityImportProgress
from ...models import ActivityImport, ImportStatus
from ...resolvers.base import access, ids, jobs, live, notify
from ...resolvers.base.context import Context
from ...wording import shown
from ..errors import ImportFileError
from .writing import PURGED, import_stored, refused, run, utc_now

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".jsonl", ".ndjson", ".json")
SHEET_CHARS = 64  # ActivityImport.sheet's column


UPLOAD_WORDS = {
    "imports.reading.sheet_xlsx_workbooks_file": ("imports.uploads.sheet_for_workbooks", "sheet"),
    "imports.reading.sheet_workbook": ("imports.reading.sheet_workbook", "sheet"),
    "imports.cells.unknown_columns": ("imports.uploads.unknown_columns", "file"),
    "imports.cells.unknown_columns_one_cell": ("imports.uploads.unknown_columns_one_cell", "file"),
}
"""A file's refusal as an uploader reads it, and the input it names, where the command line's
words do not fit: an upload was told "--sheet is for .xlsx workbooks" (naming ``file``) and to
"see import --help or --template", a command it has no way to run (outsider)."""


async def check(ctx: Context, *, filename: str, content: bytes, sheet: str | None = None) -> ActivityImport:
    """Read and check an uploaded file; nothing is written. The import keeps the file and the
    report: ``checked`` (every row valid) or ``refused`` (the first errors, and how many)."""
    access.require_authenticated(ctx)
    name = PurePath(filename or "upload.csv").name
    if PurePath(name).suffix.lower() not in SUFFIXES:
        raise InvalidInput(
            field="file",
            message_id="imports.uploads.file_activities_got",
            values={"SUFFIXES": ", ".join(SUFFIXES), "name": shown(name)},
        )
    if not content:
        raise InvalidInput(field="file", message_id="imports.uploads.file_empty")
    if sheet is not None and (len(sheet) > SHEET_CHARS or "\x00" in sheet):
        raise InvalidInput(field="sheet", message_id="imports.uploads.sheet_s_name_most", values={"SHEET_CHARS": SHEET_CHARS})
    upload = ActivityImport(
        id=ids.import_id(),
        created_by=ctx.principal.subject or "unknown",
        filename=shown(name, limit=255),  # kept to show: PostgreSQL refuses a NUL in it
        content=content,
        sheet=sheet,
        status=ImportStatus.CHECKED,
        language=_asked(),
    )
    try:
        report = await import_stored(ctx, upload, dry_run=True)
    except ImportFileError as exc:
        message_id, field = UPLOAD_WORDS.get(exc.message_id, (exc.message_id, "file"))
        raise InvalidInput(field=field, message_id=message_id, values=exc.values) from None
    upload.form, upload.rows = report.form[:128], report.rows
    upload.organization_ids = _owners(ctx, report.organizations)
    if report.error_count:
        refused(upload, report)
        upload.content = PURGED
    await upload.save()
    return upload


def _owners(ctx: Context, named: set[str]) -> list[str]:
    """Whose import it is: the organisations its rows name that the uploader may write for; a
    file naming none of those (every row refused) is the uploader's organisations'."""
    writable = sorted(o for o in named if access.can_write(ctx.principal, o))
    return writable or sorted(ctx.principal.organizations)


async def get(ctx: Context, *, import_id: str) -> ActivityImport:
    """An import the caller may read (every organisation it holds); another's answers like a
    missing one."""
    upload = await ctx.loaders.activity_import_by_id.load(import_id)  # its columns but the file, which polling never needs
    return access.readable_by_all(ctx, upload, kind="activity import", key=import_id)


@dataclass(frozen=True, slots=True)
class ImportState:
    """One step of an import followed: where it stands, and the import as stored on the first
    step (as it stood when followed) and the last (its outcome, with its errors); the steps
    between carry only the counts, as the progress events do."""

    progress: ActivityImportProgress
    stored: ActivityImport | None = None


async def follow_progress(ctx: Context, *, import_id: str) -> AsyncIterator[ImportState]:
    """Where an import the caller may read stands: now, then after every chunk written, until
    it ends (done, refused or failed). Progress never goes back: a step pub/sub delivers after
    a later one was read is left out here, for every transport."""
    await get(ctx, import_id=import_id)
    return _progress(ctx, import_id)


async def _progress(ctx: Context, import_id: str) -> AsyncIterator[ImportState]:
    async with live.subscribed(ctx, ActivityImportProgress.channel(import_id), ActivityImportProgress) as progress:
        stored = await get(ctx, import_id=import_id)  # read after subscribing: no end is missed
        now = ActivityImportProgress.of(stored)
        yield ImportState(now, stored)
        if now.ended:
            return
        last = now
        async for delivery in progress:
            event = delivery.event
            # Published before the read above yet delivered after it (pub/sub lags behind the
            # database): a chunk already counted. Seen under load as 12000 written, then 5000.
            if not event.ended and event.written < last.written:
                continue
            last = event
            if event.ended:
                yield ImportState(event, await get(ctx, import_id=import_id))  # a fresh read: loaders are per delivery
                return
            yield ImportState(event)


async def commit(ctx: Context, *, import_id: str) -> ActivityImport:
    """Start writing a checked import as a persisted job (``run``)."""
    upload = await ActivityImport.get_or_none(id=import_id)
    upload = access.writable_by_all(ctx, upload, kind="activity import", key=import_id)
    if upload.status != ImportStatus.CHECKED:
        raise Conflict(
            details={"import_id": import_id, "status": str(upload.status)},
            message_id="imports.uploads.import_checked_import_every",
            values={"import_id": import_id, "status": upload.status},
        )
    async with notify.transaction(ctx) as outbox:
        claimed = await ActivityImport.filter(id=import_id, status=ImportStatus.CHECKED).update(
            status=ImportStatus.WRITING,
            committed_at=utc_now(),
            committed_by=ctx.principal.subject or "unknown",
            heartbeat_at=utc_now(),
            language=_asked() or upload.language,
        )
        if not claimed:  # another commit of the same import won the race
            raise Conflict(
                details={"import_id": import_id},
                message_id="imports.uploads.import_already_being_written",
                values={"import_id": import_id},
            )
        await upload.refresh_from_db()
        outbox.add(ActivityImportProgress.of(upload))
    if ctx.jobs is None:
        await run(ctx, import_id=import_id)
    else:
        ctx.jobs.submit(jobs.ACTIVITY_IMPORT, import_id)
    return upload


def _asked() -> str | None:
    asked = language.requested.get()
    return None if asked is None else asked.value
