"""The case officer's worklist: for a period, what to look at first across organisations.

Every submitted report of the period (of one form, under one organisation, where asked; the
drafts of assigned forms too when asked): its validation findings (rules, bounds, outliers
against history and peers) and the reviewers' questions still open on it (each on the one report
it was asked on), ranked by severity, the rule's importance and the size of the
deviation (an outlier's |z|). Reviewers and admins only (a regional reviewer sees its subtree):
a worklist compares organisations, so it may show peers' medians that no organisation sees.

The period's outlier baselines are read once per form (``snapshots.outliers``), the values and
notes through the request's loaders in batches, so the statements do not grow with the number
of organisations beyond those batches.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
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
from ..snapshots import outliers, validation
from ..structure import forms, validation_rules
from ..structure.validation_rules import IMPORTANCE_RANK
from . import assignments

QUESTION_OPEN = "QUESTION_OPEN"
"""A worklist item that is a reviewer's question (a comment or follow-up mark) not yet resolved."""
SEVERITY_RANK = {"error": 2, "warning": 1}
CODES = (*(code.value for code in validation.FindingCode), QUESTION_OPEN)
"""What a worklist item's code may be: a finding's, or an open question."""


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
    note_state: NoteState | None

    @property
    def rank(self) -> tuple[int, int, float, Decimal, str, str]:
        size = abs(self.score) if self.score is not None else 0.0
        return (
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
    """Each open question under the one report it is about: its form's (a note kept no form
    before migration 0019: the organisation's default-form report then, else its first)."""
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
    access.require_review(ctx)
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
        baselines[form_id] = await outliers.baselines(ctx, period=period, form_id=form_id, organization_ids=org_ids)
        rules[form_id] = await validation_rules.compiled_for(ctx, form_id=form_id)
    # gathered, so the request's loaders read every report's values and notes in one batch each
    findings = await asyncio.gather(
        *(
            validation.validate(
                ctx, snapshot=s, baselines=baselines[s.form_id or DEFAULT_FORM], rules=rules[s.form_id or DEFAULT_FORM]
            )
            for s in reports
        )
    )
    questions = _question_snapshots(
        reports,
        await ValueNote.filter(
            period_id=period.id,
            organization_id__in=org_ids,
            kind__in=[ValueNoteKind.COMMENT, ValueNoteKind.FOLLOW_UP],
            state__in=[NoteState.OPEN, NoteState.ANSWERED],
        ).order_by("id"),
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
        items += [_finding(about, f) for f in found_there]
        items += [_question(about, note) for note in questions.get(snapshot.id, [])]
    chosen = [
        i
        for i in items
        if (filters.severity is None or i.severity == filters.severity) and (not filters.codes or i.code in filters.codes)
    ]
    return sorted(chosen, key=lambda i: i.rank)


def _finding(about: dict[str, Any], finding: validation.Finding) -> WorkItem:
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
        note_id=None,
        note_state=None,
    )


def _question(about: dict[str, Any], note: ValueNote) -> WorkItem:
    """An open question: a follow-up mark weighs as an error, a comment as a warning; answered
    ones rank first (the organisation has replied: the reviewer's turn)."""
    return WorkItem(
        **about,
        field_key=note.field_key,
        severity="error" if note.kind == ValueNoteKind.FOLLOW_UP else "warning",
        code=QUESTION_OPEN,
        message=note.text,
        importance="high" if note.state == NoteState.ANSWERED else "medium",
        score=None,
        deviation=None,
        rule_id=None,
        note_id=note.id,
        note_state=None if note.state is None else NoteState(note.state),
    )


async def page(ctx: Context, *, filters: Filters, window: Window) -> Page[WorkItem]:
    items = await list_(ctx, filters=filters)
    chosen = items[window.offset : window.offset + window.limit]
    return Page(items=chosen, total=len(items), window=window)
