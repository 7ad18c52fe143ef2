"""Report forms, who must report them and their deadlines, over REST (no legacy contract: a
path of its own): the same use cases as GraphQL's reportForms and the form mutations."""

from __future__ import annotations

import datetime
from typing import Annotated

from fastapi import Depends, Path, Query
from pydantic import Field

from ..models import FormAssignment, OrganizationKind, Period, PeriodType, ReportForm
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import Window
from ..resolvers.reporting import assignments, deadlines
from ..resolvers.structure import forms
from .routing import ContextDep, ContractRouter, page_window, row_number_path, stored_length
from .shapes import Pagination, Shape, examples

router = ContractRouter("/api/v1/report-forms", tag="report-forms", printed_paths=False)
FormId = Annotated[str, Path(max_length=stored_length(ReportForm, "id"), description="a form's public key")]
FormPeriodId = Annotated[str, Path(max_length=stored_length(Period, "id"), description="a period's id")]
AssignmentId = Annotated[int, row_number_path("an assignment's")]

_FORM = {
    "form_id": "barnevern-arsrapport",
    "name": "Barnevern – årsrapport",
    "description": "Kommunale barnevernstjenesters årlige rapport til Bufdir.",
    "period_type": "year",
    "rolled_up": False,
    "public": False,
    "is_default": False,
    "require_questions_resolved": False,
    "section_ids": ["barn-under-omsorg", "undersokelser", "hjelpetiltak", "ettervern", "ressurser"],
}
_ASSIGNMENT = {
    "assignment_id": 3,
    "form_id": "barnevern-arsrapport",
    "organization_id": None,
    "organization_kind": "child_welfare_service",
    "valid_from": "2023-01-01",
    "valid_until": None,
}


class FormShape(Shape):
    model_config = examples(_FORM)

    form_id: str
    name: str
    description: str
    period_type: PeriodType | None = Field(description="the kind of period it is asked for; null: any")
    rolled_up: bool
    public: bool = Field(description="its approved figures are published (anonymous analytics)")
    is_default: bool
    require_questions_resolved: bool
    section_ids: list[str]


class FormList(Shape):
    model_config = examples({"data": [_FORM], "pagination": {"page": 1, "limit": 20, "total": 1}})

    data: list[FormShape]
    pagination: Pagination


class AssignmentShape(Shape):
    model_config = examples(_ASSIGNMENT)

    assignment_id: int
    form_id: str
    organization_id: str | None
    organization_kind: OrganizationKind | None
    valid_from: datetime.date
    valid_until: datetime.date | None


class AssignmentList(Shape):
    model_config = examples({"data": [_ASSIGNMENT]})

    data: list[AssignmentShape]


class DeadlineShape(Shape):
    model_config = examples(
        {"form_id": "barnevern-arsrapport", "period_id": "2025", "submission_deadline": "2026-02-01", "correction_deadline": None}
    )

    form_id: str
    period_id: str
    submission_deadline: datetime.date | None
    correction_deadline: datetime.date | None


async def shape(ctx: Context, form: ReportForm) -> FormShape:
    return FormShape(
        form_id=form.id,
        name=form.name,
        description=form.description,
        period_type=form.period_type,
        rolled_up=form.rolled_up,
        public=form.public,
        is_default=form.is_default,
        require_questions_resolved=form.require_questions_resolved,
        section_ids=[section.id for section in await forms.sections_of(ctx, form=form)],
    )


def assignment_shape(assignment: FormAssignment) -> AssignmentShape:
    return AssignmentShape(
        assignment_id=assignment.id,
        form_id=assignment.form_id,
        organization_id=assignment.organization_id,
        organization_kind=assignment.organization_kind,
        valid_from=assignment.valid_from,
        valid_until=assignment.valid_until,
    )


@router.endpoint("GET", "", "listReportForms", FormList, public=True, summary="The report forms")
async def list_forms(ctx: Context = ContextDep, window: Window = Depends(page_window)) -> FormList:
    page = await forms.list_(ctx, window=window)
    pagination = Pagination(page=window.offset // window.limit + 1, limit=window.limit, total=page.total or 0)
    return FormList(data=[await shape(ctx, form) for form in page.items], pagination=pagination)


@router.endpoint(
    "POST", "", "createReportForm", FormShape, status_code=201, errors={409}, admin=True, summary="Create a report form"
)
async def create_form(body: forms.FormSpec, ctx: Context = ContextDep) -> FormShape:
    return await shape(ctx, await forms.create(ctx, spec=body))


@router.endpoint(
    "DELETE",
    "/assignments/{assignment_id}",
    "unassignReportForm",
    AssignmentShape,
    body=False,
    admin=True,
    errors={409},
    summary="End an assignment of a report form (mistaken=true: remove a mistaken one outright, past periods too)",
)
async def unassign(
    assignment_id: AssignmentId,
    mistaken: Annotated[
        bool,
        Query(description="remove the assignment outright, past periods too (409 once a submission was made under it)"),
    ] = False,
    ctx: Context = ContextDep,
) -> AssignmentShape:
    return assignment_shape(await assignments.unassign(ctx, assignment_id=assignment_id, mistaken=mistaken))


@router.endpoint("GET", "/{form_id}", "getReportForm", FormShape, public=True, summary="One report form")
async def get_form(form_id: FormId, ctx: Context = ContextDep) -> FormShape:
    return await shape(ctx, await forms.get_or_raise(ctx, form_id=form_id))


@router.endpoint("PUT", "/{form_id}", "updateReportForm", FormShape, errors={409}, admin=True, summary="Replace a report form")
async def update_form(form_id: FormId, body: forms.FormSpec, ctx: Context = ContextDep) -> FormShape:
    return await shape(ctx, await forms.update(ctx, form_id=form_id, spec=body))


@router.endpoint("GET", "/{form_id}/assignments", "listReportFormAssignments", AssignmentList, summary="Who must report a form")
async def list_assignments(form_id: FormId, ctx: Context = ContextDep) -> AssignmentList:
    return AssignmentList(data=[assignment_shape(a) for a in await assignments.list_(ctx, form_id=form_id)])


@router.endpoint(
    "POST",
    "/{form_id}/assignments",
    "assignReportForm",
    AssignmentShape,
    status_code=201,
    admin=True,
    summary="Assign a report form from a period on: to an organisation, a kind of organisation, or every one",
)
async def assign(form_id: FormId, body: assignments.AssignmentSpec, ctx: Context = ContextDep) -> AssignmentShape:
    return assignment_shape(await assignments.assign(ctx, form_id=form_id, spec=body))


@router.endpoint(
    "PUT",
    "/{form_id}/deadlines/{period_id}",
    "setReportFormDeadlines",
    DeadlineShape,
    admin=True,
    summary="Set a report form's deadlines for a period (a deadline left out keeps its value)",
)
async def set_deadlines(
    form_id: FormId, period_id: FormPeriodId, body: deadlines.DeadlineSpec, ctx: Context = ContextDep
) -> DeadlineShape:
    deadline = await deadlines.set_deadlines(ctx, form_id=form_id, period_id=period_id, spec=body)
    return DeadlineShape(
        form_id=deadline.form_id,
        period_id=deadline.period_id,
        submission_deadline=deadline.submission_deadline,
        correction_deadline=deadline.correction_deadline,
    )
