"""A worklist item: what the case officer is shown about one value of one report, and how it ranks.

An item is built from a validation finding or from a reviewer's question (``QUESTION_OPEN``,
``QUESTION_ANSWERED``, ``QUESTION_RESOLVED``), with what is said about the value beside it: the
question's latest answer, the organisation's latest explanation. A value is settled by its
latest resolved question or accepted explanation, unless the value changed since, a question on it
is still unresolved or a newer explanation came. Which reports are read, and the list in its
order, are ``reporting.worklist``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ...models import NoteState, Snapshot, ValueNote, ValueNoteKind
from ..base.context import Context
from ..snapshots import validation
from ..structure.validation_rules import IMPORTANCE_RANK

QUESTION_OPEN = "QUESTION_OPEN"
"""A reviewer's question (a comment or follow-up mark) waiting for the organisation's answer."""
QUESTION_ANSWERED = "QUESTION_ANSWERED"
"""A question the organisation has answered, not yet resolved: the case officer's turn."""
QUESTION_RESOLVED = "QUESTION_RESOLVED"
"""A resolved question (listed only with ``include_resolved``)."""
QUESTION_CODES = {NoteState.OPEN: QUESTION_OPEN, NoteState.ANSWERED: QUESTION_ANSWERED, NoteState.RESOLVED: QUESTION_RESOLVED}
QUESTION_IMPORTANCE = {NoteState.OPEN: "medium", NoteState.ANSWERED: "high", NoteState.RESOLVED: "low"}
"""An answered question is read first (the organisation has replied: the case officer's turn)."""
SEVERITY_RANK = {"error": 2, "warning": 1}
CODES = (*(code.value for code in validation.FindingCode), QUESTION_OPEN, QUESTION_ANSWERED, QUESTION_RESOLVED)
"""What a worklist item's code may be: a finding's, or a question's."""
QUESTIONS = (ValueNoteKind.COMMENT, ValueNoteKind.FOLLOW_UP)


@dataclass(frozen=True, slots=True)
class WorkItem:
    organization_id: str
    organization_name: str
    period_id: str
    form_id: str
    snapshot_id: str
    submitted: bool
    field_key: str
    severity: str
    code: str
    message: str
    importance: str
    score: float | None
    deviation: Decimal | None
    rule_id: int | None
    note_id: int | None
    """A question's; for a finding, the organisation's latest explanation of the value (to accept)."""
    note_state: NoteState | None
    answer: str | None = None
    """A question's latest answer; for a finding, the organisation's latest explanation."""
    answered_by: str | None = None
    answered_at: datetime | None = None
    resolved_by: str | None = None
    """Who settled it: resolved the question, or the value's question or explanation."""
    resolved_at: datetime | None = None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def waiting(self) -> bool:
        """An open question waits for the organisation: the case officer has looked at it already."""
        return self.code == QUESTION_OPEN

    @property
    def rank(self) -> tuple[bool, bool, int, int, float, Decimal, str, str]:
        size = abs(self.score) if self.score is not None else 0.0
        return (
            self.resolved,
            self.waiting,
            -SEVERITY_RANK.get(self.severity, 0),
            -IMPORTANCE_RANK.get(self.importance, 0),
            -size,
            -(self.deviation or Decimal(0)),
            self.organization_id,
            self.field_key,
        )


class _Talk:
    """What is said about one report's values: its questions, their latest answers, the latest
    explanation per field."""

    def __init__(self, notes: list[ValueNote]) -> None:
        self.questions = [n for n in notes if n.kind in QUESTIONS]
        self.answers: dict[int, ValueNote] = {}
        self.explanations: dict[str, ValueNote] = {}
        for note in notes:  # oldest first: the latest wins
            if note.kind == ValueNoteKind.ANSWER and note.parent_id is not None:
                self.answers[note.parent_id] = note
            elif note.kind == ValueNoteKind.EXPLANATION:
                self.explanations[note.field_key] = note


async def _settled_since(ctx: Context, snapshot: Snapshot, talk: _Talk) -> dict[str, ValueNote]:
    """Per field the note that settles its findings: the latest resolved question or accepted
    explanation, made after the value was aggregated or entered (a figure changed since deserves a
    new look), with no question on the field unresolved and no newer explanation."""
    settling: dict[str, ValueNote] = {}
    unresolved: set[str] = set()
    for note in [*talk.questions, *talk.explanations.values()]:
        if note.state in (NoteState.OPEN, NoteState.ANSWERED):
            unresolved.add(note.field_key)
        elif note.state in (NoteState.RESOLVED, NoteState.ACCEPTED) and note.resolved_at is not None:
            kept = settling.get(note.field_key)
            if kept is None or kept.resolved_at is None or kept.resolved_at < note.resolved_at:
                settling[note.field_key] = note
    if not settling:
        return {}
    made = snapshot.aggregated_at or snapshot.created_at
    entered = {v.field_key: v.set_at for v in await ctx.loaders.field_values_by_snapshot.load(snapshot.id) if v.set_at}
    found = {}
    for key, note in settling.items():
        assert note.resolved_at is not None
        explained = talk.explanations.get(key)
        newer_explanation = (
            explained is not None and explained.state != NoteState.ACCEPTED and explained.created_at > note.resolved_at
        )
        changed = made > note.resolved_at or (key in entered and entered[key] > note.resolved_at)
        if key not in unresolved and not newer_explanation and not changed:
            found[key] = note
    return found


def _finding(about: dict[str, Any], finding: validation.Finding, talk: _Talk, settled: ValueNote | None = None) -> WorkItem:
    """A finding names the note it is about: the resolved question that settled it (with that
    question's answer), else the value's latest explanation (accepted or not). A finding settled
    by a question named none (``note_id`` null: outside review)."""
    note = settled if settled is not None and settled.kind in QUESTIONS else talk.explanations.get(finding.field_key)
    said = talk.answers.get(note.id) if note is not None and note.kind in QUESTIONS else note
    return WorkItem(
        **about,
        field_key=finding.field_key,
        severity=str(finding.severity),
        code=str(finding.code),
        message=finding.message,
        importance=finding.importance,
        score=finding.score,
        deviation=finding.deviation,
        rule_id=finding.rule_id,
        note_id=None if note is None else note.id,
        note_state=None if note is None or note.state is None else NoteState(note.state),
        answer=None if said is None else said.text,
        answered_by=None if said is None else said.author,
        answered_at=None if said is None else said.created_at,
        resolved_by=None if settled is None else settled.resolved_by,
        resolved_at=None if settled is None else settled.resolved_at,
    )


def _question(about: dict[str, Any], note: ValueNote, talk: _Talk) -> WorkItem:
    """A question: a follow-up mark weighs as an error, a comment as a warning; an answered one
    ranks high (the organisation has replied: the case officer's turn), an open one after
    everything else unsettled (``WorkItem.waiting``). The message is the question; the answer
    beside it."""
    state = NoteState(note.state or NoteState.OPEN)
    answer = talk.answers.get(note.id)
    return WorkItem(
        **about,
        field_key=note.field_key,
        severity="error" if note.kind == ValueNoteKind.FOLLOW_UP else "warning",
        code=QUESTION_CODES[state],
        message=note.text,
        importance=QUESTION_IMPORTANCE[state],
        score=None,
        deviation=None,
        rule_id=None,
        note_id=note.id,
        note_state=state,
        answer=None if answer is None else answer.text,
        answered_by=None if answer is None else answer.author,
        answered_at=None if answer is None else answer.created_at,
        resolved_by=note.resolved_by if state == NoteState.RESOLVED else None,
        resolved_at=note.resolved_at if state == NoteState.RESOLVED else None,
    )
