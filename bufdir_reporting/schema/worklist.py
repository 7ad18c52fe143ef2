"""The case officer's worklist and the coordinator's open questions in the graph."""

from __future__ import annotations

import datetime
from collections.abc import AsyncGenerator
from decimal import Decimal

import strawberry

from ..resolvers.base.pagination import Page, Window
from ..resolvers.reporting import live as reporting_live
from ..resolvers.reporting import worklist
from ..resolvers.snapshots import notes
from .context import Info
from .field_values import ValueNoteType
from .node import public_key, public_key_or_none
from .pagination import CountedConnection, resolve_connection


@strawberry.type(name="WorkItem", description="One thing for a case officer to look at in a period's reports.")
class WorkItemType:
    organization_id: strawberry.ID
    organization_name: str
    period_id: strawberry.ID
    form_id: strawberry.ID
    snapshot_id: strawberry.ID
    submitted: bool = strawberry.field(description="Whether the organisation has submitted this form for the period.")
    field_key: str
    severity: str = strawberry.field(description="error or warning.")
    code: str = strawberry.field(
        description="A finding's code (FindingCode), or a question's: QUESTION_ANSWERED (the organisation answered: the "
        "case officer's turn), QUESTION_OPEN (waiting for the organisation), QUESTION_RESOLVED (with includeResolved)."
    )
    message: str
    importance: str = strawberry.field(description="high, medium or low.")
    score: float | None = strawberry.field(description="An outlier's modified z-score.")
    deviation: Decimal | None = strawberry.field(description="How far the value lies from what it was judged against.")
    rule_id: strawberry.ID | None
    note_id: strawberry.ID | None = strawberry.field(
        description="A question's; for a finding, the resolved question that settled it, else the organisation's latest "
        "explanation of the value (acceptExplanation)."
    )
    note_state: str | None
    answer: str | None = strawberry.field(
        description="A question's latest answer; for a finding, that of the question that settled it, else the "
        "organisation's latest explanation of the value."
    )
    answered_by: str | None = strawberry.field(description="Who wrote the answer (or explanation).")
    answered_at: datetime.datetime | None
    resolved_by: str | None = strawberry.field(
        description="Who settled it (resolved the question, or the value's question, or accepted its explanation); "
        "listed with includeResolved only."
    )
    resolved_at: datetime.datetime | None

    @classmethod
    def of(cls, item: worklist.WorkItem) -> WorkItemType:
        return cls(
            organization_id=strawberry.ID(item.organization_id),
            organization_name=item.organization_name,
            period_id=strawberry.ID(item.period_id),
            form_id=strawberry.ID(item.form_id),
            snapshot_id=strawberry.ID(item.snapshot_id),
            submitted=item.submitted,
            field_key=item.field_key,
            severity=item.severity,
            code=item.code,
            message=item.message,
            importance=item.importance,
            score=None if item.score is None else round(item.score, 2),
            deviation=item.deviation,
            rule_id=None if item.rule_id is None else strawberry.ID(str(item.rule_id)),
            note_id=None if item.note_id is None else strawberry.ID(str(item.note_id)),
            note_state=item.note_state,
            answer=item.answer,
            answered_by=item.answered_by,
            answered_at=item.answered_at,
            resolved_by=item.resolved_by,
            resolved_at=item.resolved_at,
        )


@strawberry.input(description="Which of a period's worklist items to show.")
class WorklistFilter:
    form_id: strawberry.ID | None = None
    under_organization_id: strawberry.ID | None = None
    organization_id: strawberry.ID | None = None
    severity: str | None = strawberry.field(default=None, description="error or warning.")
    codes: list[str] | None = None
    submitted_only: bool = True
    include_resolved: bool = strawberry.field(
        default=False,
        description="Also what the case officer settled: findings on a value whose question was resolved or whose "
        "explanation was accepted, and resolved questions (last).",
    )


def _filters(period_id: strawberry.ID, where: WorklistFilter | None) -> worklist.Filters:
    where = where or WorklistFilter()
    return worklist.Filters(
        period_id=public_key("Period", period_id),
        form_id=public_key_or_none("ReportForm", where.form_id),
        under_organization_id=public_key_or_none("Organization", where.under_organization_id),
        organization_id=public_key_or_none("Organization", where.organization_id),
        severity=where.severity,
        codes=tuple(where.codes or ()),
        submitted_only=where.submitted_only,
        include_resolved=where.include_resolved,
    )


@strawberry.type
class WorklistQuery:
    @strawberry.field(
        description="Reviewers and admins: every submitted report's findings, outliers and unresolved questions for a "
        "period, most important first (severity, the rule's importance, the size of the deviation); drafts with "
        "submittedOnly: false; what the case officer settled with includeResolved: true."
    )
    async def worklist(
        self,
        info: Info,
        period_id: strawberry.ID,
        filter: WorklistFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CountedConnection[WorkItemType]:
        filters = _filters(period_id, filter)

        async def fetch(window: Window) -> Page[WorkItemType]:
            found = await worklist.page(info.context, filters=filters, window=window)
            return Page(items=[WorkItemType.of(i) for i in found.items], total=found.total, window=window)

        return await resolve_connection(
            CountedConnection[WorkItemType], info, fetch, first=first, after=after, last=None, before=None
        )

    @strawberry.field(description="The reviewers' questions on an organisation's reports not yet resolved, oldest first.")
    async def open_questions(
        self, info: Info, organization_id: strawberry.ID, period_id: strawberry.ID | None = None
    ) -> list[ValueNoteType]:
        found = await notes.open_questions(
            info.context,
            organization_id=public_key("Organization", organization_id),
            period_id=public_key_or_none("Period", period_id),
        )
        labels = await notes.field_labels(info.context, {(note.field_key, note.period_id) for note in found})
        return [ValueNoteType.of(note, labels.get((note.field_key, note.period_id))) for note in found]


@strawberry.type
class WorklistSubscription:
    @strawberry.subscription(
        description="Reviewers and admins: the period's worklist (its first 50 items), now and each time it may have changed."
    )
    async def worklist_changed(
        self, info: Info, period_id: strawberry.ID, filter: WorklistFilter | None = None
    ) -> AsyncGenerator[list[WorkItemType], None]:
        async for items in await reporting_live.follow_worklist(info.context, filters=_filters(period_id, filter)):
            yield [WorkItemType.of(i) for i in items[:50]]
