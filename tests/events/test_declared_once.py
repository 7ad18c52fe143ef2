"""A value note's fields are declared once (``events.NoteFields``): its event and its REST answer
are both made of that declaration, and both read the row through it. Each live event's GraphQL
type is made from the event (``schema.live_events``): every field of the event is in it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from strawberry.types.base import get_object_definition

from bufdir_reporting.events import (
    DataUpdated,
    Delivery,
    Event,
    FormAssignmentsChanged,
    NoteFields,
    ReportRecordUpdated,
    SnapshotStatusChanged,
    SubmissionReviewed,
    ValueNoted,
)
from bufdir_reporting.models import NoteState, ReportStatus, ReviewState, SnapshotStatus, ValueNote, ValueNoteKind
from bufdir_reporting.rest.value_notes import NoteShape, shape
from bufdir_reporting.schema import live_events, shaped

from ..factories import make_reporting_world


async def test_a_value_notes_event_and_rest_answer_are_made_of_one_declaration(app):
    await make_reporting_world()
    said: dict[str, Any] = {"organization_id": "org-1042", "period_id": "2024", "field_key": "antall_undersokelser_igangsatt"}
    comment = await ValueNote.create(**said, kind=ValueNoteKind.COMMENT, text="Hvorfor?", author="rita", state=NoteState.OPEN)
    answer = await ValueNote.create(**said, kind=ValueNoteKind.ANSWER, text="Fordi.", author="kari", parent_id=comment.id)

    declared = set(NoteFields.model_fields)
    # what each adds of its own is not a note's field: a field added to a note goes in NoteFields
    assert issubclass(ValueNoted, NoteFields) and set(ValueNoted.model_fields) - declared == {"event", "updated_at"}
    assert issubclass(NoteShape, NoteFields)
    assert set(NoteShape.model_fields) - declared == {"created_at"}
    # the state and who settled it are the event's too (a resolve reached subscribers without
    # them, outsider); the REST shape declares them again only to keep them required in its document
    assert {"state", "resolved_by", "resolved_at"} <= declared

    for note in (comment, answer):
        from_row = {"note_id": note.id, **said, "kind": note.kind, "text": note.text, "author": note.author}
        from_row |= {"parent_id": note.parent_id, "state": note.state, "resolved_by": None, "resolved_at": None}
        assert ValueNoted.of(note).model_dump(include=declared) == from_row
        assert shape(note).model_dump(include=declared) == from_row
    assert answer.parent_id == comment.id and shape(comment).state == NoteState.OPEN


WHEN = datetime(2026, 3, 26, 9, 0, tzinfo=UTC)
EXAMPLES: list[tuple[Event, type]] = [
    (
        DataUpdated(
            snapshot_id="snap-1",
            organization_id="org-1",
            period_id="2025",
            changed_sections=("a",),
            changed_field_keys=("x", "y"),
            changed_field_keys_truncated=True,
            updated_at=WHEN,
        ),
        live_events.DataUpdatedEvent,
    ),
    (
        SnapshotStatusChanged(
            snapshot_id="snap-1", organization_id="org-1", period_id=None, status=SnapshotStatus.FAILED, error="Brudd"
        ),
        live_events.SnapshotStatusEvent,
    ),
    (
        SubmissionReviewed(
            submission_id="sub-1",
            organization_id="org-1",
            period_id="2025",
            version=2,
            from_state=ReviewState.SUBMITTED,
            review_state=ReviewState.APPROVED,
            by="rita",
            reason="Ok",
        ),
        live_events.SubmissionReviewEvent,
    ),
    (
        ReportRecordUpdated(
            report_id="rpt_1", organization_id="org-1", snapshot_id="snap-1", status=ReportStatus.COMPLETED, file_ref="f.pdf"
        ),
        live_events.ReportRecordEvent,
    ),
    (
        ValueNoted(
            note_id=5,
            organization_id="org-1",
            period_id="2025",
            field_key="akutt",
            kind=ValueNoteKind.ANSWER,
            text="Fordi.",
            author="kari",
            parent_id=4,
        ),
        live_events.ValueNoteEvent,
    ),
    (FormAssignmentsChanged(form_id="barnevern"), live_events.FormAssignmentsChanged),
]
KEPT_OUT = {"event"}
"""The event's name: the GraphQL type names the kind. Nothing else of an event is kept out of the graph."""


@pytest.mark.parametrize(("event", "type_"), EXAMPLES, ids=[type(event).__name__ for event, _ in EXAMPLES])
def test_every_field_of_a_live_event_is_in_its_graphql_type(event: Event, type_: type):
    """A live event's GraphQL type is made from the event: every field of the event is in the type
    in the event's order (the graph adds only the log's id and the snapshot), and the type holds
    the event's values."""
    declared = [name for name in type(event).model_fields if name not in KEPT_OUT]
    graph = [field.python_name for field in get_object_definition(type_, strict=True).fields]
    assert [name for name in graph if name in declared] == declared
    assert set(graph) - set(declared) <= {"event_id", "snapshot"}

    served: Any = (
        live_events.live(type_, Delivery(channel="c", event=event, event_id=7))
        if "event_id" in graph
        else shaped.made(type_, event)
    )
    for name in declared:
        value = getattr(event, name)
        assert getattr(served, name) == value, name
    assert getattr(served, "event_id", 7) == 7


def test_every_live_events_graphql_type_is_checked_above():
    made = {value for value in vars(live_events).values() if isinstance(value, type) and hasattr(value, "_pydantic_type")}
    assert made == {type_ for _, type_ in EXAMPLES}
