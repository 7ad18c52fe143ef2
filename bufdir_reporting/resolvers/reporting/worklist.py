"""The case officer's worklist: for a period, what to look at first across organisations.

Every submitted report of the period (of one form, under one organisation, where asked; the
drafts of assigned forms too when asked): its validation findings (rules, bounds, outliers
against history and peers) and the reviewers' questions still open on it (each on the one report
it was asked on), ranked by severity, the rule's importance and the size of the
deviation (an outlier's |z|). A question the organisation has answered is the case officer's
turn (``QUESTION_ANSWERED``, with the answer); one still waiting for the organisation
(``QUESTION_OPEN``) ranks after everything the case officer has yet to look at, whatever its
severity.

A value the case officer has settled leaves the list: its question resolved, or its explanation
accepted (``snapshots.notes``), after the value was last aggregated or entered, with no question
on it still unresolved and no newer explanation. ``include_resolved`` shows them again (last,
saying who settled them), with the resolved questions (``QUESTION_RESOLVED``).

Reviewers and admins only (a regional reviewer sees its subtree): a worklist compares
organisations, so it may show peers' medians that no organisation sees.

The period's outlier baselines are read once per form (``snapshots.outlier_baselines``), their peers'
statement reading every report's values too (handed to the request's values loader), the notes
through the request's loaders in one batch, so the statements do not grow with the number of
organisations. The organisations' history is kept by the process under the version of each one's
data (``outlier_baselines._held_history``): a live worklist, read again at every change in the period,
summarises again only the history of the organisations that changed.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.expressions import Q

from ...errors import InvalidInput
from ...models import (
    DEFAULT_FORM,
    FormAssignment,
    NoteState,
    Organization,
    Period,
    ReportForm,
    Snapshot,
    SnapshotStatus,
    Submission,
    ValueNote,
    ValueNoteKind,
)
from .. import organizations, periods
from ..base import access
from ..base.context import Context
from ..base.pagination import Page, Window
from ..snapshots import outlier_baselines, outliers, validation
from ..structure import forms, validation_rules
from ..structure.validation_rules import IMPORTANCE_RANK
from . import assignments

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
class Filters:
    period_id: str
    form_id: str | None = None
    under_organization_id: str | None = None
    organization_id: str | None = None
    severity: str | None = None
    codes: tuple[str, ...] = ()
    submitted_only: bool = True
    """Only submitted reports ("every submitted report's findings", #33); False adds the drafts
    of the forms each organisation is assigned."""
    include_resolved: bool = False
    """Also the findings the case officer has settled and the resolved questions."""


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


def _codes(codes: tuple[str, ...]) -> None:
    """An unknown code is refused, not answered with an empty list (a case officer's typo read as
    "nothing to look at")."""
    unknown = [code for code in codes if code not in CODES]
    if unknown:
        raise InvalidInput(
            field="code",
            codes=list(CODES),
            message_id="reporting.worklist.unknown_code",
            values={"unknown": ", ".join(unknown), "codes": ", ".join(CODES)},
        )


async def _snapshots(ctx: Context, filters: Filters) -> list[Snapshot]:
    # An unknown organisation or form is NOT_FOUND, as everywhere else, not an empty worklist
    # (a case officer's typo read as "nothing to look at": outside review).
    if filters.organization_id is not None:
        await organizations.get_or_raise(ctx, organization_id=filters.organization_id)
    if filters.form_id is not None:
        await forms.get_or_raise(ctx, form_id=filters.form_id, field="form_id")
    query = Snapshot.filter(period_id=filters.period_id, status=SnapshotStatus.CURRENT)
    if filters.form_id == DEFAULT_FORM:
        query = query.filter(Q(form_id=None) | Q(form_id=DEFAULT_FORM))
    elif filters.form_id is not None:
        query = query.filter(form_id=filters.form_id)
    if filters.organization_id is not None:
        query = query.filter(organization_id=filters.organization_id)
    if filters.under_organization_id is not None:
        await organizations.get_or_raise(ctx, organization_id=filters.under_organization_id)
        query = query.filter(organization_id__in=await organizations.tree.subtree(filters.under_organization_id))
    found = await query.order_by("organization_id", "id")
    return [s for s in found if access.can_review(ctx.principal, s.organization_id)]


async def _reports(
    period: Period,
    found: list[Snapshot],
    organizations_by_id: dict[str, Organization],
    submitted: set[tuple[str, str]],
    *,
    drafts: bool,
) -> list[Snapshot]:
    """The snapshots that are reports: submitted, or (with drafts) of a form the organisation is
    assigned for the period. A snapshot of a form it does not report (the default form's, made
    by an aggregation that named no form) holds the same figures as its report and listed
    every finding twice."""
    if not drafts:
        return [s for s in found if (s.organization_id, s.form_id or DEFAULT_FORM) in submitted]
    forms_by_id = {form.id: form for form in await ReportForm.all()}
    given = [a for a in await FormAssignment.all() if assignments.covers(a, period)]

    def reported(snapshot: Snapshot) -> bool:
        form_id = snapshot.form_id or DEFAULT_FORM
        if (snapshot.organization_id, form_id) in submitted:
            return True
        form, organization = forms_by_id.get(form_id), organizations_by_id.get(snapshot.organization_id)
        if form is None or organization is None or not assignments.asked_for(form, period):
            return False
        return any(a.form_id == form_id and assignments.names(a, organization) for a in given)

    return [s for s in found if reported(s)]


def _question_snapshots(reports: list[Snapshot], questions: list[ValueNote]) -> dict[str, list[ValueNote]]:
    """Each note under the one report it is about: its form's (a note kept no form before
    migration 0019: the organisation's default-form report then, else its first)."""
    by_form = {(s.organization_id, s.form_id or DEFAULT_FORM): s.id for s in reports}
    first: dict[str, str] = {}
    for s in sorted(reports, key=lambda s: (s.organization_id, (s.form_id or DEFAULT_FORM) != DEFAULT_FORM, s.form_id or "")):
        first.setdefault(s.organization_id, s.id)
    found: dict[str, list[ValueNote]] = defaultdict(list)
    for note in questions:
        if note.form_id is None:
            snapshot_id = first.get(note.organization_id)
        else:
            snapshot_id = by_form.get((note.organization_id, note.form_id))
        if snapshot_id is not None:
            found[snapshot_id].append(note)
    return found


async def list_(ctx: Context, *, filters: Filters) -> list[WorkItem]:
    """Every item of the period's worklist, most important first."""
    access.require_review(ctx, doing="error.reviewer_required.worklist")
    if filters.severity not in (None, "error", "warning"):
        raise InvalidInput(field="severity", message_id="reporting.worklist.severity_error_warning")
    _codes(filters.codes)
    period = await periods.get_or_raise(ctx, period_id=filters.period_id)
    found = await _snapshots(ctx, filters)
    if not found:
        return []
    org_ids = sorted({s.organization_id for s in found})
    organizations_by_id = {o.id: o for o in await Organization.filter(id__in=org_ids)}
    submitted = {
        (o, f or DEFAULT_FORM)
        for o, f in await Submission.filter(period_id=period.id, organization_id__in=org_ids).values_list(
            "organization_id", "form_id"
        )
    }
    reports = await _reports(period, found, organizations_by_id, submitted, drafts=not filters.submitted_only)
    if not reports:
        return []
    org_ids = sorted({s.organization_id for s in reports})
    baselines: dict[str, outliers.Baselines] = {}
    rules: dict[str, list[validation_rules.CompiledRule]] = {}
    for form_id in sorted({s.form_id or DEFAULT_FORM for s in reports}):
        baselines[form_id] = await outlier_baselines.baselines(
            ctx, period=period, form_id=form_id, organization_ids=org_ids, with_values=True, history_held=True
        )
        rules[form_id] = await validation_rules.compiled_for(ctx, form_id=form_id)
    # The peers' statement read every report's values whole: the loader is given them, not asked
    # again (a report it did not see, made current since, is read by the loader as before).
    given = {s.id: read for s in reports if (read := baselines[s.form_id or DEFAULT_FORM].values.get(s.id)) is not None}
    await ctx.loaders.field_values_by_snapshot.given(given)
    # gathered, so the request's loaders read every report's values and notes in one batch each
    findings = await asyncio.gather(
        *(
            validation.validate(
                ctx, snapshot=s, baselines=baselines[s.form_id or DEFAULT_FORM], rules=rules[s.form_id or DEFAULT_FORM]
            )
            for s in reports
        )
    )
    # the notes validation read already, through the same loader
    scopes = [(o, period.id) for o in org_ids]
    notes_by_report = _question_snapshots(
        reports, [n for found_notes in await ctx.loaders.value_notes_by_period.load_many(scopes) for n in found_notes]
    )
    items: list[WorkItem] = []
    for snapshot, found_there in zip(reports, findings, strict=True):
        form_id = snapshot.form_id or DEFAULT_FORM
        about = {
            "organization_id": snapshot.organization_id,
            "organization_name": organizations_by_id[snapshot.organization_id].name,
            "period_id": period.id,
            "form_id": form_id,
            "snapshot_id": snapshot.id,
            "submitted": (snapshot.organization_id, form_id) in submitted,
        }
        talk = _Talk(notes_by_report.get(snapshot.id, []))
        settled = await _settled_since(ctx, snapshot, talk)
        items += [_finding(about, f, talk, settled.get(f.field_key)) for f in found_there]
        items += [_question(about, note, talk) for note in talk.questions]
    chosen = [
        i
        for i in items
        if (filters.severity is None or i.severity == filters.severity)
        and (not filters.codes or i.code in filters.codes)
        and (filters.include_resolved or not i.resolved)
    ]
    return _settled_together(sorted(chosen, key=lambda i: i.rank))


def _settled_together(ranked: list[WorkItem]) -> list[WorkItem]:
    """The settled items last, each settled value's together: its findings in their rank, then
    its question, values in the order of their first item. Ranked alone, a resolved follow-up
    (an error) came between its value's rule finding and its outlier, a comment (a warning)
    after both (outside review)."""
    values: dict[tuple[str, str, str], list[WorkItem]] = {}
    for item in ranked:
        if item.resolved:
            values.setdefault((item.organization_id, item.snapshot_id, item.field_key), []).append(item)
    together = [item for found in values.values() for item in sorted(found, key=lambda i: i.code in QUESTION_CODES.values())]
    return [item for item in ranked if not item.resolved] + together


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


async def page(ctx: Context, *, filters: Filters, window: Window) -> Page[WorkItem]:
    items = await list_(ctx, filters=filters)
    chosen = items[window.offset : window.offset + window.limit]
    return Page(items=chosen, total=len(items), window=window)
