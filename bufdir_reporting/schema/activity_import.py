"""Activity import in the graph: upload a file (the GraphQL multipart request spec), read the dry
run's report, commit it, and follow it (``activityImport`` polls, the subscription
``activityImportProgress`` streams)."""

from __future__ import annotations

import dataclasses
import datetime

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from .. import events, models
from ..importing import reading, uploads
from ..language import requested
from .context import Info
from .node import ModelNode, public_key

strawberry.enum(
    models.ImportStatus,
    name="ImportStatus",
    description="CHECKED: every row valid, ready to commit. REFUSED: rows have errors; nothing will be written. "
    "WRITING, DONE, FAILED (nothing was written).",
)


@strawberry.type(description="A row the import refused: its line in the file, the column, the value and why.")
class ImportRowError:
    line: int
    column: str
    value: str | None
    message: str


@strawberry.type(
    name="ActivityImport",
    description="An uploaded activity file: its dry run's report and, once committed, the outcome. Its progress "
    "(activityImportProgress) is this object again, under the same id, so a normalising cache keeps one import.",
)
class ActivityImportType(ModelNode):
    """Built from the row (``of``), not the row itself: its errors become ``ImportRowError``s and
    a progress event moves it on (``moved``) without reading the row again."""

    model = models.ActivityImport

    id: relay.NodeID[str]
    import_id: str
    status: models.ImportStatus
    filename: str
    form: str = strawberry.field(description="What the file was read as, e.g. \"CSV, Windows-1252, ';'-separated\".")
    rows: int
    error_count: int
    errors: list[ImportRowError] = strawberry.field(description="The first 50 errors, by line.")
    written: int
    created: int
    updated: int
    failure: str | None
    created_at: datetime.datetime
    committed_at: datetime.datetime | None
    finished_at: datetime.datetime | None

    @classmethod
    def of(cls, upload: models.ActivityImport) -> ActivityImportType:
        return cls(
            id=upload.id,
            import_id=upload.id,
            status=upload.status,
            filename=upload.filename,
            form=reading.form_said(upload.form, requested.get()),
            rows=upload.rows,
            error_count=upload.error_count,
            errors=[ImportRowError(**error) for error in upload.errors],
            written=upload.written,
            created=upload.created,
            updated=upload.updated,
            failure=upload.failure,
            created_at=upload.created_at,
            committed_at=upload.committed_at,
            finished_at=upload.finished_at,
        )

    def moved(self, progress: events.ActivityImportProgress) -> ActivityImportType:
        """This import as a progress event says it stands now: an event carries the counts and
        the outcome, not the file's name or its errors."""
        return dataclasses.replace(
            self,
            status=progress.status,
            rows=progress.rows,
            written=progress.written,
            created=progress.created,
            updated=progress.updated,
            error_count=progress.error_count,
            failure=progress.failure,
            committed_at=progress.committed_at,
            finished_at=progress.finished_at,
        )

    @classmethod
    async def fetch(cls, info: Info, key: str) -> ActivityImportType:
        return cls.of(await uploads.get(info.context, import_id=key))


@strawberry.type
class ActivityImportQuery:
    @strawberry.field(description="An import you uploaded (admins: any): its report and outcome.")
    async def activity_import(self, info: Info, id: strawberry.ID) -> ActivityImportType | None:
        return await ActivityImportType.fetch(info, public_key("ActivityImport", id))


@strawberry.type
class ActivityImportMutation:
    @strawberry.mutation(
        description="Upload an activity file (.csv, .xlsx, .jsonl; as for bufdir-reporting import) and get the dry "
        "run's report; nothing is written. Send it as a GraphQL multipart request."
    )
    async def check_activity_import(self, info: Info, file: Upload, sheet: str | None = None) -> ActivityImportType:
        content = await file.read()  # type: ignore[attr-defined]  # Starlette's UploadFile
        filename = getattr(file, "filename", None) or "upload.csv"
        return ActivityImportType.of(await uploads.check(info.context, filename=filename, content=content, sheet=sheet))

    @strawberry.mutation(
        description="Write a checked import, all rows or none, in the background; follow it with activityImport "
        "or the activityImportProgress subscription."
    )
    async def commit_activity_import(self, info: Info, import_id: strawberry.ID) -> ActivityImportType:
        return ActivityImportType.of(await uploads.commit(info.context, import_id=public_key("ActivityImport", import_id)))
