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
on it still unresolved and no newer explanation. Approving a submission settles its report's
findings (by the approver, when approved): the case officer has looked at the whole report; the
approval resolves its questions too (``notes.settle_with_approval``).
``include_resolved`` shows them again (last, saying who settled them), with the resolved questions (``QUESTION_RESOLVED``).

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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from ...errors import InvalidInput
from ...events import Delivery
from ...models import (
    DEFAULT_FORM,
    FormAssignment,
    Organization,
    Period,
    ReportForm,
    ReviewState,
    Snapshot,
    SnapshotStatus,
    Submission,
    SubmissionReview,
    ValueNote,
)
from .. import organizations, periods
from ..base import access, live
from ..base.context import Context
from ..base.pagination import Page, Window
from ..snapshots import outlier_baselines, outliers, validation
from ..structure import forms, validation_rules
from . import assignments
from .worklist_items import CODES, QUESTION_CODES, _finding, _question, _settled_since, _Talk
from .worklist_items import WorkItem as WorkItem  # re-exported: read as worklist.WorkItem by its callers


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
    _check(ctx, filters)
    return _chosen(await _read(ctx, filters), filters)


def _check(ctx: Context, filters: Filters) -> None:
    access.require_review(ctx, doing="error.reviewer_required.worklist")
    if filters.severity not in (None, "error", "warning"):
        raise InvalidInput(field="severity", message_id="reporting.worklist.severity_error_warning")
    _codes(filters.codes)


def _read_filters(filters: Filters) -> Filters:
    """What a worklist reads: the filters that choose its reports (severity, codes and whether
    settled items show choose among the items read)."""
    return replace(filters, severity=None, codes=(), include_resolved=True)


async def _read(ctx: Context, filters: Filters) -> list[WorkItem]:
    """Every item of the reports ``filters`` choose, settled or not, unsorted."""
    period = await periods.get_or_raise(ctx, period_id=filters.period_id)
    found = await _snapshots(ctx, filters)
    if not found:
        return []
    org_ids = sorted({s.organization_id for s in found})
    organizations_by_id = {o.id: o for o in await Organization.filter(id__in=org_ids)}
    sent = await Submission.filter(period_id=period.id, organization_id__in=org_ids).order_by("-submitted_at", "-version")
    submitted = {(s.organization_id, s.form_id or DEFAULT_FORM) for s in sent}
    approvals = await _approvals(sent)
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
        found_items = [_finding(about, f, talk, settled.get(f.field_key)) for f in found_there]
        approval = approvals.get(snapshot.id)
        if approval is not None:
            found_items = [i if i.resolved else replace(i, resolved_by=approval[0], resolved_at=approval[1]) for i in found_items]
        items += found_items
        items += [_question(about, note, talk) for note in talk.questions]
    return items


async def _approvals(sent: list[Submission]) -> dict[str, tuple[str, datetime]]:
    """Per snapshot whose report's latest submission is approved: who approved it and when. Its
    findings are settled: an approved report's outliers stayed on the list, ``submitted: true``,
    as if nobody had looked (outsider's finding). ``sent``: the period's submissions, newest first."""
    latest: dict[tuple[str, str], Submission] = {}
    for submission in sent:
        latest.setdefault((submission.organization_id, submission.form_id or DEFAULT_FORM), submission)
    approved = {s.id: s for s in latest.values() if s.review_state == ReviewState.APPROVED}
    if not approved:
        return {}
    steps = await SubmissionReview.filter(submission_id__in=list(approved), to_state=ReviewState.APPROVED).order_by("at", "id")
    return {approved[step.submission_id].snapshot_id: (step.by, step.at) for step in steps}


def _chosen(items: list[WorkItem], filters: Filters) -> list[WorkItem]:
    """The items read that ``filters`` ask for, most important first."""
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


MAX_WORKLISTS_PER_REQUEST = 3
"""Worklists one request may read. Each reads and validates every report of its period (~70 ms on
the demo's 9 organisations, more on 200): a GraphQL document of 29 aliased worklists, each costed
as a usual connection, held one process for 2-5 s (attacker's review). A live worklist
(``live.follow_worklist``) reads ``list_`` again at each change and is not counted here."""


async def page(ctx: Context, *, filters: Filters, window: Window) -> Page[WorkItem]:
    _check(ctx, filters)
    items = _chosen(await _read_once(ctx, _read_filters(filters)), filters)
    chosen = items[window.offset : window.offset + window.limit]
    return Page(items=chosen, total=len(items), window=window)


async def _read_once(ctx: Context, filters: Filters) -> list[WorkItem]:
    """The request's worklist for ``filters`` (``_read_filters``), read once however often it
    is asked: a connection's ``totalCount`` fetched the whole list again after its page, and
    aliases of the same reports, resolved together, share the one read in flight. A request reads
    at most ``MAX_WORKLISTS_PER_REQUEST`` different ones."""
    read: asyncio.Future[list[WorkItem]] | None = ctx.worklists.get(filters)
    if read is None:
        if len(ctx.worklists) >= MAX_WORKLISTS_PER_REQUEST:
            raise InvalidInput(
                field="period_id", message_id="reporting.worklist.per_request", values={"limit": MAX_WORKLISTS_PER_REQUEST}
            )
        read = ctx.worklists[filters] = asyncio.ensure_future(_read(ctx, filters))
    return await read


async def read_again(ctx: Context, *, filters: Filters, delivery: Delivery[Any]) -> list[WorkItem]:
    """``list_`` again after a change (``delivery``), for a live worklist: its subscribers who
    read the same reports as the same principal in the same language share one read
    (``live.read_once``), each choosing its own items from it."""
    _check(ctx, filters)
    read = _read_filters(filters)
    return _chosen(await live.read_once(ctx, delivery, ("worklist", read), lambda: _read(ctx, read)), filters)
