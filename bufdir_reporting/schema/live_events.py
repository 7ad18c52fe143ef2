"""The events live subscribers get, as GraphQL types: each made from its typed event (``events``)
with Strawberry's pydantic integration, so a field added to an event is in its type; beside it
the event log's id, and for the snapshot ones the snapshot as it is now.

What a type says of its own: ids typed as IDs where the graph types them so (a note's, a form's),
lists where the event keeps a tuple, the snapshot id its resolver reads (typed for mypy), and the
event's name kept out (``strawberry.Private``: the type names the kind). A field left out of the
graph would be ``Private`` too, and a test (``tests/events/test_declared_once.py``) holds every
event field in its type but the name.
Descriptions: the shared table (``descriptions``) by ``Type.field`` or field name, or the graph's
own words (``shaped.worded``) where the event's say something else.
"""

# No ``from __future__ import annotations``: the pydantic integration reads each class's annotations
# as written, and only an evaluated ``strawberry.Private`` keeps a field out of the graph.
from typing import Any, TypeVar

import strawberry

from .. import events
from ..events import Delivery
from ..resolvers import snapshots
from .context import Info
from .node import node_of
from .shaped import made, resolved_last, worded
from .snapshot import SnapshotNode

T = TypeVar("T")


def live(type_: type[T], delivery: Delivery[Any]) -> T:
    """The event delivered, as its GraphQL type: its fields, its id in the log, and where the type
    keeps one (``shared``) the store its subscribers share (``SharedEventResults``)."""
    if "shared" in type_.__annotations__:
        return made(type_, delivery.event, event_id=delivery.event_id, shared=delivery.shared)
    return made(type_, delivery.event, event_id=delivery.event_id)


@strawberry.experimental.pydantic.type(
    model=events.FormAssignmentsChanged,
    all_fields=True,
    description="Who must report a form changed: read its assignments again.",
)
class FormAssignmentsChanged:
    event: strawberry.Private[str]
    form_id: strawberry.ID


@resolved_last
@strawberry.experimental.pydantic.type(
    model=events.DataUpdated, all_fields=True, description="The documented data_updated event, with the fresh snapshot."
)
class DataUpdatedEvent:
    event: strawberry.Private[str]
    shared: strawberry.Private[dict[str, Any]]
    event_id: int | None
    snapshot_id: str
    changed_sections: list[str]
    changed_field_keys: list[str]

    @strawberry.field(description="The snapshot the event concerns, as it is now.")
    async def snapshot(self, info: Info) -> SnapshotNode:
        return node_of(SnapshotNode, await snapshots.get_or_raise(info.context, snapshot_id=self.snapshot_id))


@resolved_last
@strawberry.experimental.pydantic.type(
    model=events.SnapshotStatusChanged, all_fields=True, description="A snapshot moved to processing, current or failed."
)
class SnapshotStatusEvent:
    event: strawberry.Private[str]
    shared: strawberry.Private[dict[str, Any]]
    event_id: int | None
    snapshot_id: str

    @strawberry.field
    async def snapshot(self, info: Info) -> SnapshotNode:
        return node_of(SnapshotNode, await snapshots.get_or_raise(info.context, snapshot_id=self.snapshot_id))


@worded(from_state="None when the submission itself arrives.")
@strawberry.experimental.pydantic.type(
    model=events.SubmissionReviewed, all_fields=True, description="A step in Bufdir's review of a submission."
)
class SubmissionReviewEvent:
    event: strawberry.Private[str]
    event_id: int | None


@strawberry.experimental.pydantic.type(
    model=events.ReportRecordUpdated, all_fields=True, description="A report record was generated, changed or deleted."
)
class ReportRecordEvent:
    event: strawberry.Private[str]
    event_id: int | None


@worded(parent_id="For an answer: the id of the comment it answers.")
@strawberry.experimental.pydantic.type(
    model=events.ValueNoted, all_fields=True, description="An explanation, comment or answer about a value."
)
class ValueNoteEvent:
    event: strawberry.Private[str]
    event_id: int | None
    note_id: strawberry.ID
    parent_id: strawberry.ID | None
