"""Every event the service raises, each declared once in the module of its domain (``snapshots``,
``reporting``, ``imports``, on ``base.Event``), and the one union that decodes any of them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from .base import Event
from .imports import ActivityImportProgress
from .reporting import FormAssignmentsChanged, ReportingStatusChanged, ReportRecordUpdated, SubmissionReviewed
from .snapshots import CacheInvalidated, DataUpdated, SnapshotStatusChanged, ValueNoted

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
