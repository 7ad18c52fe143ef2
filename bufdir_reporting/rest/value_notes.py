"""Explanations, reviewers' comments and answers over REST (no legacy contract: a path of its
own), for reporting tools: the same use cases as GraphQL's explainValue, commentOnValue and
answerComment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Body
from pydantic import BaseModel, Field

from ..events import NoteFields
from ..models import NoteState, ValueNote
from ..resolvers.base.context import Context
from ..resolvers.snapshots import note_reads, notes
from .routing import ContextDep, ContractRouter, OrganizationId, PeriodId, PeriodIdQuery, examples_of, row_number_path
from .shapes import Instant, Shape, examples

router = ContractRouter("/api/v1/value-notes", tag="value-notes", printed_paths=False)
NoteId = Annotated[int, row_number_path("a note's")]

_NOTE = {
    "note_id": 12,
    "organization_id": "org-1042",
    "period_id": "2024",
    "field_key": "antall_akuttplasseringer",
    "kind": "explanation",
    "text": "Én ny institusjon i kommunen tok imot flere akuttplasseringer.",
    "author": "kari",
    "parent_id": None,
    "state": None,
    "resolved_by": None,
    "resolved_at": None,
    "created_at": "2025-02-18T10:12:00Z",
}


class NoteShape(NoteFields, Shape):
    # the note's fields as its event carries them (events.NoteFields, declared once), then when it
    # was made; a docstring here would be the OpenAPI schema's description. The state and who
    # settled it are the event's too, declared again here only to stay required and date-time in
    # the document (the event's have defaults, so events logged before them replay)
    model_config = examples(_NOTE)

    state: NoteState | None = Field(description=NoteFields.model_fields["state"].description)
    resolved_by: str | None = Field(description=NoteFields.model_fields["resolved_by"].description)
    resolved_at: Instant | None
    created_at: Instant | None


class NoteList(Shape):
    model_config = examples({"data": [_NOTE]})

    data: list[NoteShape]


class NoteBody(BaseModel):
    snapshot_id: str = Field(min_length=1, max_length=40)
    field_key: str = Field(min_length=1, max_length=64)
    kind: Literal["explanation", "comment", "follow_up"] = Field(
        description="explanation (the organisation's), comment or follow_up (a reviewer's: a question, or a mark for "
        "follow-up that a form may require resolved before submission)"
    )
    text: str = Field(min_length=1, max_length=4000)


class OpenQuestionShape(NoteShape):
    model_config = examples(_NOTE | {"state": "open", "field_label": "Akuttplasseringer"})

    field_label: str | None = Field(description="the field's label in the reader's language, as the period's report shows it")


class OpenQuestionList(Shape):
    model_config = examples({"data": [_NOTE | {"state": "open", "field_label": "Akuttplasseringer"}]})

    data: list[OpenQuestionShape]


class AnswerBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


def shape(note: ValueNote) -> NoteShape:
    return NoteShape.model_validate(note, from_attributes=True)


@router.endpoint(
    "GET", "", "listValueNotes", NoteList, errors={403}, summary="What is said about an organisation's values in a period"
)
async def list_notes(org_id: OrganizationId, period_id: PeriodId, ctx: Context = ContextDep) -> NoteList:
    return NoteList(data=[shape(note) for note in await note_reads.of_period(ctx, organization_id=org_id, period_id=period_id)])


@router.endpoint(
    "POST",
    "",
    "addValueNote",
    NoteShape,
    status_code=201,
    errors={403, 404, 409},
    summary="Explain a value (the organisation) or comment on it (reviewers)",
)
async def add_note(
    body: Annotated[
        NoteBody,
        Body(
            openapi_examples=examples_of(
                explanation={
                    "snapshot_id": "snap-001",
                    "field_key": "antall_akuttplasseringer",
                    "kind": "explanation",
                    "text": _NOTE["text"],
                },
                comment={
                    "snapshot_id": "snap-001",
                    "field_key": "antall_akuttplasseringer",
                    "kind": "comment",
                    "text": "Hvor mange av dem var under 13 år?",
                },
            )
        ),
    ],
    ctx: Context = ContextDep,
) -> NoteShape:
    add = {"explanation": notes.explain, "comment": notes.comment, "follow_up": notes.mark_for_follow_up}[body.kind]
    return shape(await add(ctx, snapshot_id=body.snapshot_id, field_key=body.field_key, text=body.text))


@router.endpoint(
    "POST",
    "/{note_id}/answers",
    "answerValueComment",
    NoteShape,
    status_code=201,
    errors={403, 409},
    summary="Answer a reviewer's comment (the organisation); a question already resolved takes none (409)",
)
async def answer_comment(
    note_id: NoteId,
    body: Annotated[AnswerBody, Body(openapi_examples=examples_of(answer={"text": "Fire av dem, alle i samme familie."}))],
    ctx: Context = ContextDep,
) -> NoteShape:
    return shape(await notes.answer(ctx, comment_id=note_id, text=body.text))


@router.endpoint(
    "GET",
    "/open-questions",
    "listOpenQuestions",
    OpenQuestionList,
    errors={403},
    summary="The reviewers' questions on an organisation's reports not yet resolved (its coordinator's to-do list)",
)
async def open_questions(org_id: OrganizationId, period_id: PeriodIdQuery = None, ctx: Context = ContextDep) -> OpenQuestionList:
    found = await note_reads.open_questions(ctx, organization_id=org_id, period_id=period_id)
    labels = await note_reads.field_labels(ctx, {(note.field_key, note.period_id) for note in found})
    return OpenQuestionList(
        data=[
            OpenQuestionShape.model_validate(
                shape(note).model_dump() | {"field_label": labels.get((note.field_key, note.period_id))}
            )
            for note in found
        ]
    )


@router.endpoint(
    "POST",
    "/{note_id}/resolve",
    "resolveValueNote",
    NoteShape,
    body=False,
    errors={403, 404, 409},
    summary="Resolve a question, open or answered (reviewers)",
)
async def resolve(note_id: NoteId, ctx: Context = ContextDep) -> NoteShape:
    return shape(await notes.resolve(ctx, note_id=note_id))


@router.endpoint(
    "POST",
    "/{note_id}/accept",
    "acceptValueExplanation",
    NoteShape,
    body=False,
    errors={403, 404, 409},
    summary="Accept the organisation's explanation of a value (reviewers): its findings leave the worklist",
)
async def accept(note_id: NoteId, ctx: Context = ContextDep) -> NoteShape:
    return shape(await notes.accept(ctx, note_id=note_id))
