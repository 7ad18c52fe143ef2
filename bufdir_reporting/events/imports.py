"""The event of an uploaded activity import: where it stands."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ..models import ActivityImport, ImportStatus
from .base import Event, Instant, _now


class ActivityImportProgress(Event):
    """Where an uploaded import stands: status, rows written so far, the outcome."""

    ENDED: ClassVar[frozenset[ImportStatus]] = frozenset({ImportStatus.REFUSED, ImportStatus.DONE, ImportStatus.FAILED})

    event: Literal["activity_import_progress"] = "activity_import_progress"
    import_id: str
    status: ImportStatus
    rows: int
    written: int
    created: int
    updated: int
    error_count: int
    failure: str | None
    committed_at: Instant | None = None
    finished_at: Instant | None = None
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(import_id: str) -> str:
        return f"activity_import_progress:{import_id}"

    def channels(self) -> tuple[str, ...]:
        return (self.channel(self.import_id),)

    @property
    def ended(self) -> bool:
        return self.status in self.ENDED

    @classmethod
    def of(cls, upload: ActivityImport) -> ActivityImportProgress:
        return cls(
            import_id=upload.id,
            status=upload.status,
            rows=upload.rows,
            written=upload.written,
            created=upload.created,
            updated=upload.updated,
            error_count=upload.error_count,
            failure=upload.failure,
            committed_at=upload.committed_at,
            finished_at=upload.finished_at,
        )
