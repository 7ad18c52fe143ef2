"""What is said about a value: the organisation's explanations, reviewers' comments and the
organisation's answers (``ValueNote``, kept per organisation, period and field).

A large change against the prior period on a field that asks for it (``explain_large_change``)
must be explained before the report can be submitted: ``validation`` turns a missing explanation
into an error, the report file shows the explanation beside the value. The organisation
explains (while its period is open) and answers; reviewers comment.

A reviewer's question (a comment, or a follow-up mark on a value) has a state: open, answered
once the organisation answers it, resolved when a reviewer says so (who and when are kept); an
explanation is accepted by a reviewer the same way. The worklist shows the questions not yet
resolved, and leaves out the findings on a value whose question was resolved or whose
explanation was accepted; a form may require that no follow-up mark (an
error-level question) is unresolved before a report is submitted (``note_reads.open_follow_ups``).
What is read of the notes lives in ``note_reads``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.queryset import QuerySet

from ...errors import Conflict, InvalidInput, NotFound
from ...events import ReportingStatusChanged, ValueNoted
from ...models import DEFAULT_FORM, FieldDefinition, FieldValue, NoteState, Snapshot, ValueNote, ValueNoteKind
from ...timefmt import iso_z
from .. import periods
from ..base import access, audit, notify
from ..base.context import Context
from ..base.inputs import refuse_direction_controls
from ..base.rows import AnySnapshot
from . import lifecycle
from .note_reads import QUESTIONS, UNRESOLVED, of_form

MAX_TEXT = 4_000
INITIAL_STATES = {**dict.fromkeys(QUESTIONS, NoteState.OPEN), ValueNoteKind.EXPLANATION: NoteState.PENDING}
"""A new note's state by its kind; an answer has none (its question's state says it)."""


def _text(text: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(field="text", message_id="snapshots.notes.text_characters", values={"MAX_TEXT": MAX_TEXT})
    refuse_direction_controls(text, field="text")  # printed in the report, as names are
    return text


async def _value_of(snapshot: AnySnapshot, field_key: str) -> None:
    if snapshot.period_id is None:
        raise InvalidInput(field="snapshot_id", message_id="snapshots.notes.notes_kept_reporting_periods")
    if await FieldValue.exists(snapshot_id=snapshot.id, field_key=field_key):
        return
    if await FieldDefinition.exists(key=field_key):
        # a field of another form (a child-welfare field on a volunteer's quarter): it exists,
        # and "does not exist" sent the case officer looking for a typo (outside review)
        raise InvalidInput(
            field="field_key",
            message_id="snapshots.notes.field_not_on_form",
            values={"field_key": field_key, "form_id": snapshot.form_id or DEFAULT_FORM},
        )
    raise NotFound("field", field_key, field="field_key")  # which input to change (outsider: it named none)


async def _note(
    ctx: Context,
    snapshot: AnySnapshot,
    field_key: str,
    kind: ValueNoteKind,
    text: str,
    parent: ValueNote | None = None,
    *,
    unlocked: bool = False,
) -> ValueNote:
    """``unlocked``: written only while the snapshot's period is not submitted, asked again inside
    the transaction with the snapshot's row held (``periods.hold_unlocked``), as a value's write
    asks: asked only before it, an explanation written while the report was being submitted went
    in after the submission, into the locked report."""
    assert snapshot.period_id is not None
    form_id = parent.form_id if parent is not None else snapshot.form_id or DEFAULT_FORM
    async with notify.transaction(ctx) as outbox:
        if unlocked and await periods.hold_unlocked(snapshot.id) is None:
            raise NotFound("snapshot", snapshot.id)
        await _refuse_past_the_limit(snapshot.organization_id, snapshot.period_id, form_id, field_key)
        note = await ValueNote.create(
            organization_id=snapshot.organization_id,
            period_id=snapshot.period_id,
            form_id=form_id,
            field_key=field_key,
            kind=kind,
            text=text,
            author=ctx.principal.subject or "unknown",
            parent=parent,
            state=INITIAL_STATES.get(kind),
        )
        if parent is not None:  # an answer: the question waits for the reviewer now
            # a compare-and-set, as settling is: an answer to a question already resolved was
            # kept while the question stayed resolved, so no reviewer's list ever showed it
            # (attacker's review); it is refused with how the question stands, and the answer
            # written above goes with the transaction
            if not await ValueNote.filter(id=parent.id, state__in=list(UNRESOLVED)).update(state=NoteState.ANSWERED):
                raise await _as_it_stands(parent.id, "snapshots.notes.question_settled_takes_no_answer")
        await audit.record(
            ctx,
            action=f"value.{kind}",
            entity_type="value_note",
            entity_id=str(note.id),
            organization_id=snapshot.organization_id,
            after={
                "period_id": snapshot.period_id,
                "field_key": field_key,
                "text": text,
                "parent_id": parent.id if parent else None,
            },
        )
        outbox.add(ValueNoted.of(note), *ReportingStatusChanged.of(snapshot.organization_id, snapshot.period_id))
    ctx.loaders.value_notes_by_period.clear((snapshot.organization_id, snapshot.period_id))
    return note


MAX_NOTES_PER_VALUE = 100
"""Notes one value of a period's form takes, of every kind: without a bound one coordinator wrote
5,000 explanations of one value, and a submission of the report (which prints its dialogue)
took 15-19 s, every other request slowed meanwhile (attack7)."""


async def _refuse_past_the_limit(organization_id: str, period_id: str, form_id: str | None, field_key: str) -> None:
    written = await ValueNote.filter(
        organization_id=organization_id, period_id=period_id, form_id=form_id, field_key=field_key
    ).count()
    if written >= MAX_NOTES_PER_VALUE:
        raise Conflict(
            details={"field_key": field_key, "limit": MAX_NOTES_PER_VALUE},
            message_id="snapshots.notes.too_many_on_value",
            values={"field_key": field_key, "limit": MAX_NOTES_PER_VALUE},
        )


async def _as_it_stands(note_id: int, message_id: str) -> Conflict:
    """The refusal of a step a settled note no longer takes, saying how it stands: its state, who
    settled it and when."""
    held = await ValueNote.get(id=note_id)
    return Conflict(
        details={
            "note_id": note_id,
            "state": held.state,
            "resolved_by": held.resolved_by,
            "resolved_at": iso_z(held.resolved_at) if held.resolved_at else None,  # as the note shows it
        },
        message_id=message_id,
    )


async def explain(ctx: Context, *, snapshot_id: str, field_key: str, text: str) -> ValueNote:
    """The organisation explains a value; the latest explanation is the one shown and counted."""
    snapshot = await lifecycle.get_for_write(ctx, snapshot_id=snapshot_id)
    await _value_of(snapshot, field_key)
    await periods.refuse_if_period_locked(snapshot.organization_id, snapshot.period_id, snapshot.form_id)
    return await _note(ctx, snapshot, field_key, ValueNoteKind.EXPLANATION, _text(text), unlocked=True)


async def comment(ctx: Context, *, snapshot_id: str, field_key: str, text: str) -> ValueNote:
    """A reviewer asks about a value (while the report is under review, too)."""
    access.require_review(ctx, doing="error.reviewer_required.comment")
    snapshot = await lifecycle.get_or_raise(ctx, snapshot_id=snapshot_id)
    access.require_review_of(ctx, snapshot.organization_id)
    await _value_of(snapshot, field_key)
    return await _note(ctx, snapshot, field_key, ValueNoteKind.COMMENT, _text(text))


async def mark_for_follow_up(ctx: Context, *, snapshot_id: str, field_key: str, text: str) -> ValueNote:
    """A reviewer marks a value for follow-up: an error-level question, open until resolved."""
    access.require_review(ctx, doing="error.reviewer_required.follow_up")
    snapshot = await lifecycle.get_or_raise(ctx, snapshot_id=snapshot_id)
    access.require_review_of(ctx, snapshot.organization_id)
    await _value_of(snapshot, field_key)
    return await _note(ctx, snapshot, field_key, ValueNoteKind.FOLLOW_UP, _text(text))


async def resolve(ctx: Context, *, note_id: int) -> ValueNote:
    """A reviewer resolves a question (open or answered); a compare-and-set, so of two reviewers
    resolving at once one wins and the other is told it is resolved already."""
    access.require_review(ctx, doing="error.reviewer_required.resolve")
    note = await ValueNote.get_or_none(id=note_id, kind__in=list(QUESTIONS))
    if note is None or not access.can_read(ctx.principal, note.organization_id):
        raise NotFound("question", str(note_id))
    return await _settle(
        ctx,
        note,
        NoteState.RESOLVED,
        ValueNote.filter(id=note_id, state__in=list(UNRESOLVED)),
        action="value.resolved",
        already="snapshots.notes.question_resolved_already",
        before={"state": note.state},
    )


async def accept(ctx: Context, *, note_id: int) -> ValueNote:
    """A reviewer accepts the organisation's explanation of a value: the findings on that value
    leave the worklist as a resolved question's do (``reporting.worklist``). A compare-and-set,
    as ``resolve``: of two reviewers accepting at once one wins, the other is told."""
    access.require_review(ctx, doing="error.reviewer_required.accept")
    note = await ValueNote.get_or_none(id=note_id)
    if note is None or not access.can_read(ctx.principal, note.organization_id):
        raise NotFound("explanation", str(note_id))
    if note.kind != ValueNoteKind.EXPLANATION:
        # an answer or a question the reviewer may read: "explanation 2 does not exist" sent them
        # looking for a missing note (outsider); it is there, and is not an explanation
        raise InvalidInput(field="note_id", message_id="snapshots.notes.not_an_explanation", values={"note_id": str(note_id)})
    return await _settle(
        ctx,
        note,
        NoteState.ACCEPTED,
        ValueNote.filter(id=note_id, state=NoteState.PENDING),
        action="value.accepted",
        already="snapshots.notes.explanation_accepted_already",
        before=None,
    )


async def _settle(
    ctx: Context,
    note: ValueNote,
    state: NoteState,
    unsettled: QuerySet[ValueNote],
    *,
    action: str,
    already: str,
    before: dict[str, object] | None,
) -> ValueNote:
    """A reviewer settles a note (a question resolved, an explanation accepted): a compare-and-set
    on the rows ``unsettled`` selects, audited and published in one transaction."""
    access.require_review_of(ctx, note.organization_id)
    who, now = ctx.principal.subject or "unknown", datetime.now(UTC)
    async with notify.transaction(ctx) as outbox:
        if not await unsettled.update(state=state, resolved_by=who, resolved_at=now):
            # the loser of a race is told how the note stands, as a review step's is: who settled
            # it and when (its words said only "already")
            raise await _as_it_stands(note.id, already)
        await audit.record(
            ctx,
            action=action,
            entity_type="value_note",
            entity_id=str(note.id),
            organization_id=note.organization_id,
            before=before,
            after={"state": state, "resolved_by": who},
        )
        await note.refresh_from_db()
        outbox.add(ValueNoted.of(note), *ReportingStatusChanged.of(note.organization_id, note.period_id))
    ctx.loaders.value_notes_by_period.clear((note.organization_id, note.period_id))
    return note


async def settle_with_approval(
    ctx: Context, outbox: notify.Outbox, *, organization_id: str, period_id: str, form_id: str | None, at: datetime
) -> None:
    """The questions still unresolved on a report whose submission is being approved are resolved
    by the approver, in the approval's transaction: the case officer has looked at the whole
    report, and the period stays locked. They stayed answered ("the case officer's turn") or open
    on the worklist, in the coordinator's open questions and in the dialogue of the report's
    files, for a report approved and final (outsider)."""
    found = await ValueNote.filter(
        organization_id=organization_id, period_id=period_id, kind__in=list(QUESTIONS), state__in=list(UNRESOLVED)
    ).order_by("id")
    asked = [note for note in found if of_form(note, form_id)]
    if not asked:
        return
    who = ctx.principal.subject or "unknown"
    await ValueNote.filter(id__in=[note.id for note in asked], state__in=list(UNRESOLVED)).update(
        state=NoteState.RESOLVED, resolved_by=who, resolved_at=at
    )
    for note in asked:
        await audit.record(
            ctx,
            action="value.resolved",
            entity_type="value_note",
            entity_id=str(note.id),
            organization_id=organization_id,
            before={"state": note.state},
            after={"state": NoteState.RESOLVED, "resolved_by": who, "by": "approval"},
        )
        note.state, note.resolved_by, note.resolved_at = NoteState.RESOLVED, who, at
        outbox.add(ValueNoted.of(note))
    ctx.loaders.value_notes_by_period.clear((organization_id, period_id))


async def answer(ctx: Context, *, comment_id: int, text: str) -> ValueNote:
    """The organisation answers a reviewer's comment or follow-up mark (a locked period does not
    stop the conversation)."""
    found = await ValueNote.get_or_none(id=comment_id, kind__in=list(QUESTIONS))
    # the id as text, as every other note's NOT_FOUND gives it (resolve, accept): this one said 6,
    # they "6" (outside review)
    asked = access.writable(ctx, found, kind="comment", key=str(comment_id))
    snapshot = Snapshot(organization_id=asked.organization_id, period_id=asked.period_id)
    return await _note(ctx, snapshot, asked.field_key, ValueNoteKind.ANSWER, _text(text), parent=asked)
