"""Every event the service raises, each declared once: its name, its typed body, the channels it
goes to and how it is made from the rows that made it true.

An event is a frozen pydantic model. The name is the ``event`` literal (the key the watch
contract documents, ``"event": "data_updated"``) and tells the kinds apart when a message is
decoded (``decode``), once per replica for all its subscribers. Pydantic rather than dataclasses:
one ``TypeAdapter`` over the union validates and decodes any message into its class (enums,
instants, lists) and writes it back, where dataclasses would need a reader and a writer per event,
the key-by-key code this module replaces.

The wire shape is a flat JSON object: ``event``, the body's fields in the order declared here,
then ``event_id`` (the event log's id) once the event is logged. Legacy clients of the watch
stream read ``data_updated`` in exactly this shape, and replicas of the version before read the
same keys, so a field is only ever added, with a default. Every backend carries it as text under
``MAX_PAYLOAD_BYTES`` (PostgreSQL NOTIFY's limit), which is why texts are cut; a logged event
that is larger still travels as a reference to its log row (``EventHub.publish``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, TypeAdapter

from ..models import (
    ActivityImport,
    FieldValue,
    ImportStatus,
    ReportRecord,
    ReportStatus,
    ReviewState,
    Snapshot,
    SnapshotStatus,
    Submission,
    SubmissionReview,
    ValueNote,
    ValueNoteKind,
)
from ..timefmt import iso_z

MAX_PAYLOAD_BYTES = 8000
MAX_KEYS = 150
"""Field keys a data_updated names; more are flagged ``changed_field_keys_truncated``."""

Instant = Annotated[datetime, PlainSerializer(iso_z, return_type=str)]
"""An instant written as the contracts print them: UTC, whole seconds, ``Z``."""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    event: str

    def channels(self) -> tuple[str, ...]:
        """Where it is published (and logged, once per channel)."""
        raise NotImplementedError

    def also(self) -> tuple[Event, ...]:
        """Events this one implies, raised with it."""
        return ()

    def body(self, event_id: int | None = None) -> dict[str, Any]:
        """The event as JSON values in the wire's order, with its id last when it has one."""
        body = self.model_dump(mode="json")
        if event_id is not None:
            body["event_id"] = event_id
        return body

    def message(self, event_id: int | None = None) -> str:
        """The text every pub/sub backend carries."""
        return json.dumps(self.body(event_id), separators=(",", ":"), ensure_ascii=False)


class DataUpdated(Event):
    """A snapshot's values changed (a run, a manual value): the watch stream's documented event."""

    event: Literal["data_updated"] = "data_updated"
    snapshot_id: str
    organization_id: str
    period_id: str | None
    changed_sections: tuple[str, ...]
    changed_field_keys: tuple[str, ...]
    changed_field_keys_truncated: bool = False
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def period_channel(organization_id: str, period_id: str | None) -> str:
        return f"data_updated:{organization_id}:{period_id or '-'}"

    @staticmethod
    def organization_channel(organization_id: str) -> str:
        """Every data_updated of one organisation, whatever its period."""
        return f"data_updated:{organization_id}:*"

    def channels(self) -> tuple[str, ...]:
        return self.period_channel(self.organization_id, self.period_id), self.organization_channel(self.organization_id)

    def also(self) -> tuple[Event, ...]:
        return ReportingStatusChanged.of(self.organization_id, self.period_id)

    @classmethod
    def of(cls, snapshot: Snapshot, changed: Iterable[FieldValue]) -> DataUpdated:
        values = list(changed)
        keys = [value.field_key for value in values]
        return cls(
            snapshot_id=snapshot.id,
            organization_id=snapshot.organization_id,
            period_id=snapshot.period_id,
            changed_sections=tuple(dict.fromkeys(value.section_key for value in values)),
            changed_field_keys=tuple(keys[:MAX_KEYS]),
            changed_field_keys_truncated=len(keys) > MAX_KEYS,
        )


def changed_values(before: Iterable[FieldValue], after: Iterable[FieldValue]) -> list[FieldValue]:
    """The values of ``after`` that differ from ``before`` (new keys included)."""
    old = {v.field_key: (v.value, v.text_value) for v in before}
    return [v for v in after if old.get(v.field_key, (None, None)) != (v.value, v.text_value) or v.field_key not in old]


class SnapshotStatusChanged(Event):
    """A snapshot became processing, current, historical or failed."""

    event: Literal["snapshot_status_changed"] = "snapshot_status_changed"
    snapshot_id: str
    organization_id: str
    period_id: str | None
    status: SnapshotStatus
    error: str | None
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(snapshot_id: str) -> str:
        return f"snapshot_status_changed:{snapshot_id}"

    def channels(self) -> tuple[str, ...]:
        return (self.channel(self.snapshot_id),)

    @classmethod
    def of(cls, snapshot: Snapshot) -> SnapshotStatusChanged:
        return cls(
            snapshot_id=snapshot.id,
            organization_id=snapshot.organization_id,
            period_id=snapshot.period_id,
            status=snapshot.status,
            error=(snapshot.error or "")[:500] or None,
        )


class CacheInvalidated(Event):
    """A snapshot no longer answers for its data (activities or the structure changed)."""

    event: Literal["cache_invalidated"] = "cache_invalidated"
    snapshot_id: str
    organization_id: str
    period_id: str | None
    reason: str
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(organization_id: str) -> str:
        return f"cache_invalidated:{organization_id}"

    def channels(self) -> tuple[str, ...]:
        return (self.channel(self.organization_id),)

    @classmethod
    def each(cls, snapshots: Iterable[Snapshot], reason: str) -> tuple[CacheInvalidated, ...]:
        return tuple(
            cls(snapshot_id=s.id, organization_id=s.organization_id, period_id=s.period_id, reason=reason[:500])
            for s in snapshots
        )


class ReportRecordUpdated(Event):
    """A report record was made, changed or generated."""

    event: Literal["report_record_updated"] = "report_record_updated"
    report_id: str
    organization_id: str
    snapshot_id: str | None
    status: ReportStatus
    file_ref: str | None
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(organization_id: str) -> str:
        return f"report_record_updated:{organization_id}"

    def channels(self) -> tuple[str, ...]:
        return (self.channel(self.organization_id),)

    @classmethod
    def of(cls, record: ReportRecord) -> ReportRecordUpdated:
        return cls(
            report_id=record.id,
            organization_id=record.organization_id,
            snapshot_id=record.snapshot_id,
            status=record.status,
            file_ref=record.file_ref,
        )


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


class SubmissionReviewed(Event):
    """A submission arrived (``from_state`` None) or took a step in Bufdir's review."""

    event: Literal["submission_reviewed"] = "submission_reviewed"
    submission_id: str
    organization_id: str
    period_id: str
    version: int
    from_state: ReviewState | None
    review_state: ReviewState
    by: str
    reason: str | None
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(organization_id: str | None) -> str:
        """One organisation's review steps; ``None``: every organisation's (the reviewers')."""
        return f"submission_reviewed:{organization_id or '*'}"

    def channels(self) -> tuple[str, ...]:
        return self.channel(self.organization_id), self.channel(None)

    def also(self) -> tuple[Event, ...]:
        return ReportingStatusChanged.of(self.organization_id, self.period_id)

    @classmethod
    def of(cls, submission: Submission, step: SubmissionReview | None) -> SubmissionReviewed:
        return cls(
            submission_id=submission.id,
            organization_id=submission.organization_id,
            period_id=submission.period_id,
            version=submission.version,
            from_state=step.from_state if step else None,
            review_state=step.to_state if step else submission.review_state,
            by=step.by if step else submission.submitted_by,
            reason=step.reason if step else None,
        )


class ReportingStatusChanged(Event):
    """An organisation's state for a period may have moved (a first snapshot, a submission, a
    review step, a reopening): the reviewers' dashboard reads it again."""

    event: Literal["reporting_status"] = "reporting_status"
    organization_id: str
    period_id: str
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(period_id: str) -> str:
        return f"reporting_status:{period_id}"

    def channels(self) -> tuple[str, ...]:
        return (self.channel(self.period_id),)

    @classmethod
    def of(cls, organization_id: str, period_id: str | None) -> tuple[ReportingStatusChanged, ...]:
        """None for an ad-hoc range, which has no reporting status."""
        return () if period_id is None else (cls(organization_id=organization_id, period_id=period_id),)


class ValueNoted(Event):
    """An explanation, comment or answer about a value, to the organisation and every reviewer."""

    event: Literal["value_noted"] = "value_noted"
    note_id: int
    organization_id: str
    period_id: str
    field_key: str
    kind: ValueNoteKind
    text: str
    author: str
    parent_id: int | None
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(organization_id: str | None) -> str:
        """One organisation's explanations, comments and answers; ``None``: every organisation's."""
        return f"value_noted:{organization_id or '*'}"

    def channels(self) -> tuple[str, ...]:
        return self.channel(self.organization_id), self.channel(None)

    @classmethod
    def of(cls, note: ValueNote) -> ValueNoted:
        return cls(
            note_id=note.id,
            organization_id=note.organization_id,
            period_id=note.period_id,
            field_key=note.field_key,
            kind=note.kind,
            text=note.text,
            author=note.author,
            parent_id=note.parent_id,
        )


class FormAssignmentsChanged(Event):
    """Who must report a form changed (an assignment made or ended): to the form's followers and
    every form's."""

    event: Literal["form_assignments"] = "form_assignments"
    form_id: str
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(form_id: str | None) -> str:
        """One form's; ``None``: every form's."""
        return f"form_assignments:{form_id or '*'}"

    def channels(self) -> tuple[str, ...]:
        return (self.channel(self.form_id), self.channel(None))


AnyEvent = Annotated[
    DataUpdated
    | SnapshotStatusChanged
    | CacheInvalidated
    | ReportRecordUpdated
    | ActivityImportProgress
    | SubmissionReviewed
    | ReportingStatusChanged
    | ValueNoted
    | FormAssignmentsChanged,
    Field(discriminator="event"),
]
_EVENTS: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def decode(body: Any) -> tuple[Event, int | None]:
    """An event as logged or published (decoded JSON), and its id (None before it is logged).
    Raises pydantic's ``ValidationError`` for anything that is no event."""
    event = _EVENTS.validate_python(body)
    event_id = body.get("event_id")
    return event, event_id if isinstance(event_id, int) else None
