"""What happened around a report, as its document tells it: the earlier versions and Bufdir's
review of each (submitted, taken under review, returned with the reason, reopened, approved),
and what was said about the values (explanations, reviewers' comments, the answers).

A submission's own document is made when it is submitted, so it tells the trail up to then:
the versions before it, each with its outcome, and the dialogue that shaped it. What is said
later belongs to the next version's document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ...models import NoteState, ReviewState, Submission, SubmissionReview, ValueNote, ValueNoteKind
from .. import periods
from ..base.rows import AnySnapshot
from .texts import Words


def local_time(moment: datetime, words: Words | None = None) -> str:
    """29.11.2026 kl. 18:05 in the service's time (Norway's: CET/CEST as the date has it), with
    the document's word for "at" (Bokmål's when none is given)."""
    local = periods.calendar.local(moment)
    template = words.texts["time.at"] if words else "{day} kl. {time}"
    return template.format(day=local.strftime("%d.%m.%Y"), time=local.strftime("%H:%M"))


@dataclass(frozen=True, slots=True)
class Event:
    """One step of a version's way through Bufdir: who did what, when, and why."""

    version: int
    what: str
    at: str
    who: str
    reason: str


@dataclass(frozen=True, slots=True)
class Said:
    """One note about a value, in the report's order: the field, the kind, who and when, what
    became of it (a question open, answered, resolved; an explanation accepted: by whom and
    when), the text."""

    section: str
    field: str
    kind: str
    at: str
    who: str
    outcome: str
    text: str


def events(words: Words, versions: Iterable[Submission], steps: dict[str, list[SubmissionReview]]) -> tuple[Event, ...]:
    """Each version's submission and review steps, oldest first."""
    told: list[Event] = []
    for version in versions:
        at, who = local_time(version.submitted_at, words), version.submitted_by
        told.append(Event(version.version, words("event.submitted"), at, who, ""))
        for step in steps.get(version.id, []):
            what = words(f"event.{step.to_state}")
            told.append(Event(version.version, what, local_time(step.at, words), step.by, step.reason or ""))
    return tuple(told)


def status(
    w: Words,
    latest: Submission | None,
    steps: list[SubmissionReview],
    *,
    sent: bool,
    snapshot: AnySnapshot,
    generated_at: datetime,
) -> str:
    """Draft, submitted version N, a later copy of it (approved, when it was), returned, or
    reopened after version N."""
    if latest is None:
        return w("status.draft")
    at, who = local_time(latest.submitted_at, w), latest.submitted_by
    if sent:
        return w("status.submitted", version=latest.version, at=at, who=who)
    if latest.review_state == ReviewState.REOPENED or latest.reopened_at is not None:
        reopened = latest.reopened_at or generated_at
        return w("status.reopened", at=local_time(reopened, w), version=latest.version)
    returned = returned_at(steps)
    if latest.review_state == ReviewState.RETURNED and returned is not None:
        return w("status.draft_after_returned", version=latest.version, at=local_time(returned, w))
    approved = [step for step in steps if step.to_state == ReviewState.APPROVED]
    if latest.snapshot_id == snapshot.id and latest.review_state == ReviewState.APPROVED and approved:
        # a copy made after approval said only "version 1 was submitted": Bufdir's verdict is the news
        by, when = approved[-1].by, local_time(approved[-1].at, w)
        return w(
            "status.approved", approved=when, by=by, version=latest.version, at=at, who=who, generated=local_time(generated_at, w)
        )
    if latest.snapshot_id == snapshot.id:
        return w("status.copy", version=latest.version, at=at, who=who, generated=local_time(generated_at, w))
    return w("status.draft_after", version=latest.version)


def returned_at(steps: Sequence[SubmissionReview]) -> datetime | None:
    """When the version was last returned for correction, if it was."""
    returns = [step.at for step in steps if step.to_state == ReviewState.RETURNED]
    return returns[-1] if returns else None


def dialogue(words: Words, notes: Iterable[ValueNote], places: dict[str, tuple[str, str]]) -> tuple[Said, ...]:
    """Every note, field by field in the report's order (``places``: key -> section, label; a
    field the structure no longer has comes last under its key), each comment followed by its
    answers. The explanation shown beside its value is named here, not repeated."""
    order = {key: index for index, key in enumerate(places)}
    kept = sorted(notes, key=lambda note: (order.get(note.field_key, len(order)), note.field_key, note.created_at, note.id))
    beside = {note.id for note in _latest_explanations(kept).values()}
    answers: dict[int, list[ValueNote]] = {}
    for note in kept:
        if note.kind == ValueNoteKind.ANSWER and note.parent_id is not None:
            answers.setdefault(note.parent_id, []).append(note)
    threaded: list[ValueNote] = []
    for note in kept:
        if note.kind == ValueNoteKind.ANSWER and note.parent_id is not None:
            continue
        threaded += [note, *answers.pop(note.id, [])]
    threaded += [answer for rest in answers.values() for answer in rest]  # answers whose comment is gone
    if all(note.id in beside and note.state is not NoteState.ACCEPTED for note in threaded):
        # nothing said but what stands beside the values; an explanation a reviewer accepted
        # has more to say than its text beside the value: by whom and when (outsider, #32)
        return ()
    return tuple(
        Said(
            section=places.get(note.field_key, ("–", note.field_key))[0],
            field=places.get(note.field_key, ("–", note.field_key))[1],
            kind=words(f"note_kind.{note.kind}"),
            at=local_time(note.created_at, words),
            who=note.author,
            outcome=outcome(words, note),
            text=words("dialogue.beside_value") if note.id in beside else note.text,
        )
        for note in threaded
    )


def outcome(words: Words, note: ValueNote) -> str:
    """What became of a question or an explanation: the dialogue page listed questions and answers
    but not that, or by whom and when, they were resolved or accepted (#32 outsider). An answer
    has none; an explanation no one has accepted yet says it waits for Bufdir (its cell was
    empty, polish5)."""
    if note.state in (NoteState.RESOLVED, NoteState.ACCEPTED) and note.resolved_at is not None:
        return words(f"outcome.{note.state}", at=local_time(note.resolved_at, words), who=note.resolved_by or "–")
    if note.state in (NoteState.OPEN, NoteState.ANSWERED, NoteState.PENDING):
        return words(f"outcome.{note.state}")
    return ""


def _latest_explanations(notes: Iterable[ValueNote]) -> dict[str, ValueNote]:
    latest = sorted((note for note in notes if note.kind == ValueNoteKind.EXPLANATION), key=lambda n: (n.created_at, n.id))
    return {note.field_key: note for note in latest}


def explanations(notes: Iterable[ValueNote]) -> dict[str, str]:
    """The latest explanation per field: the one shown beside the value."""
    return {key: note.text for key, note in _latest_explanations(notes).items()}
