"""The case officer's worklist and the coordinator's open questions in the graph."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from ..errors import inputs_named
from ..resolvers.base.pagination import Page, Window
from ..resolvers.reporting import live as reporting_live
from ..resolvers.reporting import worklist
from ..resolvers.snapshots import note_reads
from ..rest import worklist as rest_worklist
from .context import Info
from .field_values import ValueNoteType
from .node import public_key, public_key_or_none
from .pagination import CountedConnection, resolve_connection
from .shaped import made, worded


# Declared once, as the REST answer (rest.worklist.WorkItemShape, made from the use case's item by
# its ``of``): this type is made from that shape, field for field in its order, the ids typed as
# IDs and the note's state a String as it was served. Its words are the graph's (``shaped.worded``: they
# name includeResolved and acceptExplanation where the shape's name REST's parameters); a field
# not worded here is described by the shared table (``descriptions``).
@worded(
    submitted="Whether the organisation has submitted this form for the period.",
    severity="error or warning.",
    code="A finding's code (FindingCode), or a question's: QUESTION_ANSWERED (the organisation answered: the case "
    "officer's turn), QUESTION_OPEN (waiting for the organisation), QUESTION_RESOLVED (with includeResolved).",
    importance="high, medium or low.",
    score="An outlier's modified z-score.",
    deviation="How far the value lies from what it was judged against.",
    note_id="A question's; for a finding, the resolved question that settled it, else the organisation's latest "
    "explanation of the value (acceptExplanation).",
    answer="A question's latest answer; for a finding, that of the question that settled it, else the organisation's "
    "latest explanation of the value.",
    answered_by="Who wrote the answer (or explanation).",
    resolved_by="Who settled it (resolved the question, or the value's question, or accepted its explanation); listed "
    "with includeResolved only.",
)
@strawberry.experimental.pydantic.type(
    model=rest_worklist.WorkItemShape,
    all_fields=True,
    name="WorkItem",
    description="One thing for a case officer to look at in a period's reports.",
)
class WorkItemType:
    organization_id: strawberry.ID
    period_id: strawberry.ID
    form_id: strawberry.ID
    snapshot_id: strawberry.ID
    rule_id: strawberry.ID | None
    note_id: strawberry.ID | None
    note_state: str | None


def work_item_of(item: worklist.WorkItem) -> WorkItemType:
    """The use case's item as REST answers it, in the graph (the pydantic type keeps no methods of its own)."""
    return made(WorkItemType, rest_worklist.WorkItemShape.of(item))


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
            with inputs_named({"period_id": "periodId"}):  # a refusal names the graph's argument
                found = await worklist.page(info.context, filters=filters, window=window)
            return Page(items=[work_item_of(i) for i in found.items], total=found.total, window=window)

        return await resolve_connection(
            CountedConnection[WorkItemType], info, fetch, first=first, after=after, last=None, before=None
        )

    @strawberry.field(description="The reviewers' questions on an organisation's reports not yet resolved, oldest first.")
    async def open_questions(
        self, info: Info, organization_id: strawberry.ID, period_id: strawberry.ID | None = None
    ) -> list[ValueNoteType]:
        found = await note_reads.open_questions(
            info.context,
            organization_id=public_key("Organization", organization_id),
            period_id=public_key_or_none("Period", period_id),
        )
        labels = await note_reads.field_labels(info.context, {(note.field_key, note.period_id) for note in found})
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
            yield [work_item_of(i) for i in items[:50]]
