"""A value note's fields are declared once (``events.NoteFields``): its event and its REST answer
are both made of that declaration, and both read the row through it."""

from __future__ import annotations

from typing import Any

from bufdir_reporting.events import NoteFields, ValueNoted
from bufdir_reporting.models import NoteState, ValueNote, ValueNoteKind
from bufdir_reporting.rest.value_notes import NoteShape, shape

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
    assert set(NoteShape.model_fields) - declared == {"state", "resolved_by", "resolved_at", "created_at"}

    for note in (comment, answer):
        from_row = {"note_id": note.id, **said, "kind": note.kind, "text": note.text, "author": note.author}
        from_row["parent_id"] = note.parent_id
        assert ValueNoted.of(note).model_dump(include=declared) == from_row
        assert shape(note).model_dump(include=declared) == from_row
    assert answer.parent_id == comment.id and shape(comment).state == NoteState.OPEN
