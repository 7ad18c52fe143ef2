"""A snapshot's values in the graph, and what is said about them: each field's value with its
prior value and change, validation findings, the values grouped by section, and the notes
(explanations, reviewers' comments, answers) with the mutations that write values and notes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from .. import models
from ..errors import InvalidInput, inputs_named
from ..resolvers.base import ids
from ..resolvers.base.loaders import FieldValueRow
from ..resolvers.snapshots import manual_values, note_reads, notes, validation
from ..resolvers.structure.translations import Texts
from .context import Info
from .node import node_of, public_key
from .structure import FieldDefinitionNode, SectionNode
from .translations import texts_of


@strawberry.type(description="A field's value in a snapshot; null means not reported (distinct from 0).")
class FieldValue:
    """Built from a stored value and its definition, with ``label`` and ``change`` worked out
    once: plain attributes resolve several times faster than resolvers, and a report has many."""

    id: strawberry.ID = strawberry.field(
        description="The value's identity, <snapshotId>/<fieldKey>: the same value has it in every response, so a "
        "normalising client cache (Apollo's InMemoryCache) merges overlapping views of it."
    )
    field_key: str
    label: str = strawberry.field(
        description="The field's label as defined for this snapshot's period, in the request's language (Accept-Language; "
        "Bokmål where it is not translated)."
    )
    value: Decimal | None
    text_value: str | None
    prior_value: Decimal | None
    prior_text_value: str | None
    change: Decimal | None = strawberry.field(description="value minus prior value, when both are numbers.")
    boolean_value: bool | None = strawberry.field(description="For a BOOLEAN field: its value as true or false.")
    prior_boolean_value: bool | None = strawberry.field(description="For a BOOLEAN field: the prior value as true or false.")
    data_source: str | None = strawberry.field(description="Source system of most matching activities, or manual.")
    set_by: str | None
    set_at: datetime.datetime | None
    field_definition_id: strawberry.Private[int]
    snapshot_id: strawberry.Private[str]

    async def _notes(self, info: Info) -> list[models.ValueNote]:
        snapshot = await info.context.loaders.snapshot_by_id.load(self.snapshot_id)
        if snapshot is None or snapshot.period_id is None:
            return []
        found = await info.context.loaders.value_notes_by_period.load((snapshot.organization_id, snapshot.period_id))
        return [note for note in found if note.field_key == self.field_key and note_reads.of_form(note, snapshot.form_id)]

    @strawberry.field(description="What is said about this value in its period: explanations, comments, answers, oldest first.")
    async def notes(self, info: Info) -> list[ValueNoteType]:
        return [ValueNoteType.of(note) for note in await self._notes(info)]

    @strawberry.field(description="The organisation's latest explanation of this value, if any.")
    async def explanation(self, info: Info) -> str | None:
        explained = [note.text for note in await self._notes(info) if note.kind == models.ValueNoteKind.EXPLANATION]
        return explained[-1] if explained else None

    @strawberry.field
    async def definition(self, info: Info) -> FieldDefinitionNode:
        return node_of(FieldDefinitionNode, await info.context.loaders.field_definition_by_id.load(self.field_definition_id))

    @classmethod
    def of(cls, value: models.FieldValue | FieldValueRow, definition: models.FieldDefinition, texts: Texts) -> FieldValue:
        """``texts``: the request's language, read once per request (``texts_of``), so the label
        stays a plain attribute looked up in a dict rather than a resolver per value."""
        boolean = definition.data_type == models.FieldDataType.BOOLEAN
        return cls(
            id=strawberry.ID(f"{value.snapshot_id}/{value.field_key}"),
            field_key=value.field_key,
            label=texts.field_label(definition),
            value=value.value,
            text_value=value.text_value,
            prior_value=value.prior_value,
            prior_text_value=value.prior_text_value,
            change=None if value.value is None or value.prior_value is None else value.value - value.prior_value,
            boolean_value=None if not boolean or value.value is None else bool(value.value),
            prior_boolean_value=None if not boolean or value.prior_value is None else bool(value.prior_value),
            data_source=value.data_source,
            set_by=value.set_by,
            set_at=value.set_at,
            field_definition_id=value.field_definition_id,
            snapshot_id=value.snapshot_id,
        )


strawberry.enum(
    validation.Severity,
    name="FindingSeverity",
    description="ERROR (blocks submission) or WARNING (asks a look).",
)
strawberry.enum(
    validation.FindingCode,
    name="FindingCode",
    description="What a finding is about: REQUIRED_MISSING, BELOW_MIN, ABOVE_MAX, LARGE_CHANGE (against the prior "
    "period, where there is too little history to judge by), OUTLIER_HISTORY (against the organisation's own prior "
    "periods), OUTLIER_PEERS (against organisations of its kind), EXPLANATION_MISSING (an unusual value the field asks "
    "to explain) or RULE_VIOLATED (a validation rule across fields).",
)
strawberry.enum(
    models.ValueNoteKind,
    name="ValueNoteKind",
    description="EXPLANATION (the organisation's), COMMENT (a reviewer's), ANSWER (the organisation's, to a comment or "
    "follow-up mark), FOLLOW_UP (a reviewer marks the value for follow-up: an error-level question).",
)
strawberry.enum(
    models.NoteState,
    name="NoteState",
    description="A question's state: OPEN, ANSWERED (the organisation answered; the reviewer's turn), RESOLVED; an "
    "explanation's: PENDING, then ACCEPTED by a reviewer.",
)


@strawberry.type(name="ValueNote", description="Something said about one field's value in a period.")
class ValueNoteType:
    id: strawberry.ID
    kind: models.ValueNoteKind
    field_key: str
    text: str
    author: str
    created_at: datetime.datetime
    parent_id: strawberry.ID | None = strawberry.field(description="For an answer: the id of the comment it answers.")
    state: models.NoteState | None = strawberry.field(
        default=None,
        description="A comment's or follow-up mark's state; an explanation's PENDING, ACCEPTED once a reviewer accepts "
        "it; null for answers.",
    )
    resolved_by: str | None = strawberry.field(
        default=None, description="Who resolved the question, or accepted the explanation."
    )
    resolved_at: datetime.datetime | None = None
    label: strawberry.Private[str | None] = None
    period_id: strawberry.Private[str] = ""

    @strawberry.field(description="The field's label in the reader's language, as the period's report shows it.")
    async def field_label(self, info: Info) -> str | None:
        if self.label is not None:
            return self.label
        wanted = (self.field_key, self.period_id)
        return (await note_reads.field_labels(info.context, {wanted})).get(wanted)

    @classmethod
    def of(cls, note: models.ValueNote, label: str | None = None) -> ValueNoteType:
        return cls(
            label=label,
            period_id=note.period_id,
            id=strawberry.ID(str(note.id)),
            kind=note.kind,
            field_key=note.field_key,
            text=note.text,
            author=note.author,
            created_at=note.created_at,
            parent_id=None if note.parent_id is None else strawberry.ID(str(note.parent_id)),
            state=note.state,
            resolved_by=note.resolved_by,
            resolved_at=note.resolved_at,
        )


@strawberry.type(description="A validation result for one field: an error blocks submission, a warning asks a look.")
class ValidationFinding:
    field_key: str
    severity: validation.Severity
    code: validation.FindingCode
    message: str
    rule_id: strawberry.ID | None = strawberry.field(default=None, description="The validation rule violated, if one is.")
    score: float | None = strawberry.field(
        default=None, description="An outlier's modified z-score (beyond about 3.5 is unusual)."
    )

    @classmethod
    def of(cls, finding: validation.Finding) -> ValidationFinding:
        return cls(
            field_key=finding.field_key,
            severity=finding.severity,
            code=finding.code,
            message=finding.message,
            rule_id=None if finding.rule_id is None else strawberry.ID(str(finding.rule_id)),
            score=None if finding.score is None else round(finding.score, 2),
        )


@strawberry.type(description="The values of one report section in a snapshot.")
class SnapshotSection:
    id: strawberry.ID = strawberry.field(description="The section's identity in this snapshot, <snapshotId>/<sectionId>.")
    section: SectionNode
    field_values: list[FieldValue]


ARGUMENTS = {"snapshot_id": "snapshotId", "field_key": "fieldKey"}
"""The use case's (and REST's) names as GraphQL spells them: markValueForFollowUp on a field not
on the form named ``field_key`` (outside review)."""


@strawberry.type
class FieldValueMutation:
    @strawberry.mutation(description="Set (or, with null, clear) a manual field's value on the current snapshot.")
    async def set_field_value(self, info: Info, snapshot_id: strawberry.ID, field_key: str, value: JSON | None) -> FieldValue:
        with inputs_named(ARGUMENTS):
            row = await manual_values.set_value(
                info.context, snapshot_id=public_key("Snapshot", snapshot_id), field_key=field_key, value=value
            )
        definition = await info.context.loaders.field_definition_by_id.load(row.field_definition_id)
        return FieldValue.of(row, definition, await texts_of(info, None))

    @strawberry.mutation(
        description="Explain a value (a large change against the prior period must be, before submission, where the "
        "field asks for it); the latest explanation is shown beside the value in the report."
    )
    async def explain_value(self, info: Info, snapshot_id: strawberry.ID, field_key: str, text: str) -> ValueNoteType:
        snapshot = public_key("Snapshot", snapshot_id)
        with inputs_named(ARGUMENTS):
            return ValueNoteType.of(await notes.explain(info.context, snapshot_id=snapshot, field_key=field_key, text=text))

    @strawberry.mutation(description="A reviewer's comment on a value (reviewers and admins).")
    async def comment_on_value(self, info: Info, snapshot_id: strawberry.ID, field_key: str, text: str) -> ValueNoteType:
        snapshot = public_key("Snapshot", snapshot_id)
        with inputs_named(ARGUMENTS):
            return ValueNoteType.of(await notes.comment(info.context, snapshot_id=snapshot, field_key=field_key, text=text))

    @strawberry.mutation(description="The organisation's answer to a reviewer's comment or follow-up mark.")
    async def answer_comment(self, info: Info, comment_id: strawberry.ID, text: str) -> ValueNoteType:
        return ValueNoteType.of(await notes.answer(info.context, comment_id=_note_id(comment_id, "commentId"), text=text))

    @strawberry.mutation(description="A reviewer marks a value for follow-up: an error-level question, open until resolved.")
    async def mark_value_for_follow_up(self, info: Info, snapshot_id: strawberry.ID, field_key: str, text: str) -> ValueNoteType:
        snapshot = public_key("Snapshot", snapshot_id)
        with inputs_named(ARGUMENTS):
            return ValueNoteType.of(
                await notes.mark_for_follow_up(info.context, snapshot_id=snapshot, field_key=field_key, text=text)
            )

    @strawberry.mutation(description="A reviewer resolves a question (a comment or follow-up mark), open or answered.")
    async def resolve_value_note(self, info: Info, note_id: strawberry.ID) -> ValueNoteType:
        return ValueNoteType.of(await notes.resolve(info.context, note_id=_note_id(note_id, "noteId")))

    @strawberry.mutation(
        description="A reviewer accepts the organisation's explanation of a value: the value's findings leave the "
        "worklist (shown again with includeResolved)."
    )
    async def accept_explanation(self, info: Info, note_id: strawberry.ID) -> ValueNoteType:
        with inputs_named({"note_id": "noteId"}):  # a note that is no explanation is refused naming it
            return ValueNoteType.of(await notes.accept(info.context, note_id=_note_id(note_id, "noteId")))


def _note_id(value: strawberry.ID, field: str) -> int:
    number = ids.row_number(public_key("ValueNote", value))
    if number is None:
        raise InvalidInput(field=field, message_id="requests.field_values.note_s_id", values={"field": field, "value": value})
    return number
