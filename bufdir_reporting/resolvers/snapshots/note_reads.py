"""What is read of the notes about values (``notes`` writes them): a coordinator's open
questions and their fields' labels, an organisation's notes of a period, which notes are about
one form's report, the follow-up marks that hold a submission, the latest explanations."""

from __future__ import annotations

from ...language import chosen
from ...models import DEFAULT_FORM, FieldDefinition, NoteState, Period, ValueNote, ValueNoteKind
from ..base import access
from ..base.context import Context
from ..structure import translations

QUESTIONS = (ValueNoteKind.COMMENT, ValueNoteKind.FOLLOW_UP)
UNRESOLVED = (NoteState.OPEN, NoteState.ANSWERED)


async def open_questions(ctx: Context, *, organization_id: str, period_id: str | None = None) -> list[ValueNote]:
    """The reviewers' questions on an organisation's reports not yet resolved (its coordinator's
    to-do list), oldest first."""
    access.require_read(ctx, organization_id)
    query = ValueNote.filter(organization_id=organization_id, kind__in=list(QUESTIONS), state__in=list(UNRESOLVED))
    if period_id is not None:
        query = query.filter(period_id=period_id)
    return await query.order_by("created_at", "id")


async def field_labels(ctx: Context, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each (field key, period id)'s label in the reader's language: a coordinator's list of open
    questions gave the key only (outside review). The label is the field's version in force on
    the period's last day, as the period's report shows it (``sections.StructureView``): the
    newest version's named a 2024 question by a label first used in 2026 (#33 outsider). A field
    with no version in force then (a period before it existed) reads its newest."""
    if not wanted:
        return {}
    texts = await translations.texts(ctx, language=chosen())
    definitions = await FieldDefinition.filter(key__in={key for key, _ in wanted}).order_by("valid_from", "id")
    ends = dict(await Period.filter(id__in={period_id for _, period_id in wanted}).values_list("id", "end"))
    newest = {definition.key: definition for definition in definitions}  # the latest last
    labels = {}
    for key, period_id in wanted:
        end = ends.get(period_id)
        in_force = [
            d
            for d in definitions
            if d.key == key and end is not None and d.valid_from <= end and (d.valid_to is None or d.valid_to > end)
        ]
        definition = in_force[-1] if in_force else newest.get(key)
        if definition is not None:
            labels[key, period_id] = texts.field_label(definition)
    return labels


def of_form(note: ValueNote, form_id: str | None) -> bool:
    """Whether the note is about a value of the form's report (``None``: the default form). A
    note is written on one snapshot, so on one form's value: a mark on an umbrella's rolled-up
    report is not one on its own report of the same field. A note from before forms were kept
    on notes (no form) is about the organisation's period, whichever report."""
    return note.form_id is None or note.form_id == (form_id or DEFAULT_FORM)


async def open_follow_ups(organization_id: str, period_id: str, form_id: str | None) -> list[ValueNote]:
    """The follow-up marks not yet resolved on an organisation's report of a form for a period
    (what blocks a form that asks for questions to be resolved before submission)."""
    found = await ValueNote.filter(
        organization_id=organization_id, period_id=period_id, kind=ValueNoteKind.FOLLOW_UP, state__in=list(UNRESOLVED)
    ).order_by("id")
    return [note for note in found if of_form(note, form_id)]


async def of_period(ctx: Context, *, organization_id: str, period_id: str) -> list[ValueNote]:
    access.require_read(ctx, organization_id)
    return await ctx.loaders.value_notes_by_period.load((organization_id, period_id))


def explanations(notes: list[ValueNote]) -> dict[str, str]:
    """The latest explanation per field."""
    return {note.field_key: note.text for note in notes if note.kind == ValueNoteKind.EXPLANATION}
