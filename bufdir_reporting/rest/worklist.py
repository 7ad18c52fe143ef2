"""The case officer's worklist over REST (no legacy contract: a path of its own): the same use
case as GraphQL's worklist."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import Field

from ..models import NoteState
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import Window
from ..resolvers.reporting import worklist
from .routing import KNOWN_QUERY_ONLY, ContextDep, ContractRouter, OrganizationIdQuery, PeriodId, page_window, pagination
from .shapes import Instant, Pagination, PlainDecimal, Shape, examples
from .submissions import FormIdQuery

router = ContractRouter("/api/v1/worklist", tag="worklist", printed_paths=False)

_ITEM = {
    "organization_id": "org-2077",
    "organization_name": "Barnevernstjenesten Bergen",
    "period_id": "2025",
    "form_id": "barnevern-arsrapport",
    "snapshot_id": "snap-001",
    "submitted": False,
    "field_key": "antall_arsverk_med_barnevernfaglig_utdanning",
    "severity": "error",
    "code": "RULE_VIOLATED",
    "message": "Årsverk med barnevernfaglig utdanning kan ikke være flere enn alle årsverk.",
    "importance": "high",
    "score": None,
    "deviation": None,
    "rule_id": 4,
    "note_id": None,
    "note_state": None,
    "answer": None,
    "answered_by": None,
    "answered_at": None,
    "resolved_by": None,
    "resolved_at": None,
}


class WorkItemShape(Shape):
    model_config = examples(_ITEM)

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
    deviation: PlainDecimal | None
    rule_id: int | None
    note_id: int | None = Field(
        description="a question's; for a finding, the resolved question that settled it, else the organisation's latest "
        "explanation of the value"
    )
    note_state: NoteState | None
    answer: str | None = Field(
        description="a question's latest answer; for a finding, that of the question that settled it, else the "
        "organisation's explanation"
    )
    answered_by: str | None
    answered_at: Instant | None
    resolved_by: str | None = Field(description="who settled it: resolved the question, or accepted the explanation")
    resolved_at: Instant | None

    @classmethod
    def of(cls, item: worklist.WorkItem) -> WorkItemShape:
        """The use case's item as declared, its score rounded for people (GraphQL's is made of this)."""
        return cls(**{**asdict(item), "score": None if item.score is None else round(item.score, 2)})


class Worklist(Shape):
    model_config = examples({"data": [_ITEM], "pagination": {"page": 1, "limit": 20, "total": 1}})

    data: list[WorkItemShape]
    pagination: Pagination


@router.endpoint(
    "GET",
    "",
    "getWorklist",
    Worklist,
    errors={403, 404},
    summary="A period's findings, outliers and unresolved questions across organisations, most important first "
    "(reviewers and admins); what the case officer settled only with include_resolved",
)
async def get_worklist(
    period_id: PeriodId,
    form_id: FormIdQuery = None,
    under_org_id: OrganizationIdQuery = None,
    org_id: OrganizationIdQuery = None,
    severity: Literal["error", "warning"] | None = None,
    code: Annotated[
        list[str] | None,
        Query(max_length=20, description="finding codes, or QUESTION_OPEN, QUESTION_ANSWERED, QUESTION_RESOLVED"),
    ] = None,
    submitted_only: Annotated[bool, Query(description="only submitted reports (the default); false adds drafts")] = True,
    include_resolved: Annotated[
        bool,
        Query(description="also what the case officer settled (a question resolved, an explanation accepted); default false"),
    ] = False,
    window: Window = Depends(page_window),
    ctx: Context = ContextDep,
    _known: None = KNOWN_QUERY_ONLY,
) -> Worklist:
    filters = worklist.Filters(
        period_id=period_id,
        form_id=form_id,
        under_organization_id=under_org_id,
        organization_id=org_id,
        severity=severity,
        codes=tuple(code or ()),
        submitted_only=submitted_only,
        include_resolved=include_resolved,
    )
    page = await worklist.page(ctx, filters=filters, window=window)
    return Worklist(data=[WorkItemShape.of(i) for i in page.items], pagination=pagination(page))
