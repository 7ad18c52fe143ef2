"""Explanations, reviewers' comments and answers over REST (no legacy contract: a path of its
own), for reporting tools: the same use cases as GraphQL's explainValue, commentOnValue and
answerComment."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from ..models import ValueNote
from ..resolvers.base import notify
from ..resolvers.base.context import Context
from ..resolvers.snapshots import notes
from ..timefmt import iso
from .routing import NO_NUL, ContextDep, ContractRouter

router = ContractRouter("/api/v1/value-notes", tag="value-notes", printed_paths=False)
NoteId = Annotated[int, Path(ge=1, le=2**31 - 1, description="a note's id (a 32-bit column)")]


class NoteShape(BaseModel):
    note_id: int
    organization_id: str
    period_id: str
    field_key: str
    kind: str  # explanation, comment, answer
    text: str
    author: str
    parent_id: int | None
    created_at: str | None


class NoteList(BaseModel):
    data: list[NoteShape]


class NoteBody(BaseModel):
    snapshot_id: str = Field(min_length=1, max_length=40, pattern=NO_NUL)
    field_key: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    kind: Literal["explanation", "comment"] = Field(description="explanation (the organisation's) or comment (a reviewer's)")
    text: str = Field(min_length=1, max_length=4000, pattern=NO_NUL)


class AnswerBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000, pattern=NO_NUL)


def shape(note: ValueNote) -> dict[str, Any]:
    return {**notify.note_payload(note), "created_at": iso(note.created_at)}


@router.endpoint(
    "GET",
    response_model=None,
    responses={200: {"model": NoteList}},
    summary="What is said about an organisation's values in a period",
)
async def list_notes(
    org_id: Annotated[str, Query(min_length=1, max_length=64, pattern=NO_NUL)],
    period_id: Annotated[str, Query(min_length=1, max_length=32, pattern=NO_NUL)],
    ctx: Context = ContextDep,
) -> dict[str, Any]:
    return {"data": [shape(note) for note in await notes.of_period(ctx, organization_id=org_id, period_id=period_id)]}


@router.endpoint(
    "POST",
    status_code=201,
    response_model=None,
    responses={201: {"model": NoteShape}},
    summary="Explain a value (the organisation) or comment on it (reviewers)",
)
async def add_note(body: NoteBody, ctx: Context = ContextDep) -> dict[str, Any]:
    add = notes.explain if body.kind == "explanation" else notes.comment
    return shape(await add(ctx, snapshot_id=body.snapshot_id, field_key=body.field_key, text=body.text))


@router.endpoint(
    "POST",
    "/{note_id}/answers",
    status_code=201,
    response_model=None,
    responses={201: {"model": NoteShape}},
    summary="Answer a reviewer's comment (the organisation)",
)
async def answer_comment(note_id: NoteId, body: AnswerBody, ctx: Context = ContextDep) -> dict[str, Any]:
    return shape(await notes.answer(ctx, comment_id=note_id, text=body.text))
