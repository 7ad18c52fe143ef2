"""The events of a snapshot's data: its values changed, its status moved, its cache no longer
answers, a note was made about one of its values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field

from ..models import FieldValue, NoteState, Snapshot, SnapshotStatus, ValueNote, ValueNoteKind
from .base import MAX_KEYS, Event, Instant, _now
from .reporting import ReportingStatusChanged


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


class NoteFields(BaseModel):
    """A value note as its event and the REST answer both carry it, declared once and read from
    the row (``model_validate(note, from_attributes=True)``): a field added here is in both. The
    row's ``id`` is ``note_id`` on the wire."""

    note_id: int = Field(validation_alias=AliasChoices("note_id", "id"))
    organization_id: str
    period_id: str
    field_key: str
    kind: ValueNoteKind
    text: str
    author: str
    parent_id: int | None = Field(description="the comment an answer answers")
    # How the note stands: a live subscriber told of a question resolved (or an explanation
    # accepted) got the note as when it was made, the same event as its adding (outsider).
    # Defaults, so events logged before these fields replay.
    state: NoteState | None = Field(
        default=None,
        description="a comment's or follow-up mark's state; an explanation's pending, accepted once a reviewer "
        "accepts it; null for answers",
    )
    resolved_by: str | None = Field(default=None, description="who resolved the question, or accepted the explanation")
    resolved_at: Instant | None = Field(default=None, description="when the question was resolved, or the explanation accepted")


class ValueNoted(NoteFields, Event):
    """An explanation, comment or answer about a value, to the organisation and every reviewer; a
    question's or explanation's state as it now stands (the note again when it is resolved,
    accepted, or its question answered)."""

    event: Literal["value_noted"] = "value_noted"
    updated_at: Instant = Field(default_factory=_now)

    @staticmethod
    def channel(organization_id: str | None) -> str:
        """One organisation's explanations, comments and answers; ``None``: every organisation's."""
        return f"value_noted:{organization_id or '*'}"

    def channels(self) -> tuple[str, ...]:
        return self.channel(self.organization_id), self.channel(None)

    @classmethod
    def of(cls, note: ValueNote) -> ValueNoted:
        return cls.model_validate(note, from_attributes=True)
