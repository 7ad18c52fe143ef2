"""Report forms, who must report them and their deadlines, over REST (no legacy contract: a
path of its own): the same use cases as GraphQL's reportForms and the form mutations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path
from pydantic import BaseModel

from ..models import FormAssignment, ReportForm
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import Window
from ..resolvers.reporting import assignments
from ..resolvers.structure import forms
from . import shapes
from .routing import NO_NUL, ContextDep, ContractRouter, page_window, paginated

router = ContractRouter("/api/v1/report-forms", tag="report-forms", printed_paths=False)
FormId = Annotated[str, Path(min_length=1, max_length=64, pattern=NO_NUL, description="a form's public key")]
PeriodId = Annotated[str, Path(min_length=1, max_length=32, pattern=NO_NUL, description="a period's id")]
AssignmentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="an assignment's id")]


class FormShape(BaseModel):
    form_id: str
    name: str
    description: str
    period_type: str | None  # year, half, quarter, month, custom; null: any
    rolled_up: bool
    is_default: bool
    section_ids: list[str]


class AssignmentShape(BaseModel):
    assignment_id: int
    form_id: str
    organization_id: str | None
    organization_kind: str | None
    valid_from: str
    valid_until: str | None


class FormList(BaseModel):
    data: list[FormShape]
    pagination: shapes.Pagination


class AssignmentList(BaseModel):
    data: list[AssignmentShape]


class DeadlineShape(BaseModel):
    form_id: str
    period_id: str
    submission_deadline: str | None
    correction_deadline: str | None


async def shape(ctx: Context, form: ReportForm) -> dict[str, Any]:
    return {
        "form_id": form.id,
        "name": form.name,
        "description": form.description,
        "period_type": form.period_type,
        "rolled_up": form.rolled_up,
        "is_default": form.is_default,
        "section_ids": [section.id for section in await forms.sections_of(ctx, form=form)],
    }


def assignment_shape(assignment: FormAssignment) -> dict[str, Any]:
    return {
        "assignment_id": assignment.id,
        "form_id": assignment.form_id,
        "organization_id": assignment.organization_id,
        "organization_kind": assignment.organization_kind,
        "valid_from": assignment.valid_from.isoformat(),
        "valid_until": assignment.valid_until.isoformat() if assignment.valid_until else None,
    }


@router.endpoint("GET", response_model=None, responses={200: {"model": FormList}}, summary="The report forms", public=True)
async def list_forms(ctx: Context = ContextDep, window: Window = Depends(page_window)) -> dict[str, Any]:
    page = await forms.list_(ctx, window=window)
    return paginated(page, [await shape(ctx, form) for form in page.items])


@router.endpoint(
    "POST", status_code=201, response_model=None, responses={201: {"model": FormShape}}, summary="Create a form", admin=True
)
async def create_form(body: forms.FormSpec, ctx: Context = ContextDep) -> dict[str, Any]:
    return await shape(ctx, await forms.create(ctx, spec=body))


@router.endpoint(
    "DELETE",
    "/assignments/{assignment_id}",
    response_model=None,
    responses={200: {"model": AssignmentShape}},
    summary="End an assignment",
    admin=True,
)
async def unassign(assignment_id: AssignmentId, ctx: Context = ContextDep) -> dict[str, Any]:
    return assignment_shape(await assignments.unassign(ctx, assignment_id=assignment_id))


@router.endpoint("GET", "/{form_id}", response_model=None, responses={200: {"model": FormShape}}, summary="One form", public=True)
async def get_form(form_id: FormId, ctx: Context = ContextDep) -> dict[str, Any]:
    return await shape(ctx, await forms.get_or_raise(ctx, form_id=form_id))


@router.endpoint(
    "PUT", "/{form_id}", response_model=None, responses={200: {"model": FormShape}}, summary="Replace a form", admin=True
)
async def update_form(form_id: FormId, body: forms.FormSpec, ctx: Context = ContextDep) -> dict[str, Any]:
    return await shape(ctx, await forms.update(ctx, form_id=form_id, spec=body))


@router.endpoint(
    "GET",
    "/{form_id}/assignments",
    response_model=None,
    responses={200: {"model": AssignmentList}},
    summary="Who must report a form",
    public=True,
)
async def list_assignments(form_id: FormId, ctx: Context = ContextDep) -> dict[str, Any]:
    return {"data": [assignment_shape(a) for a in await assignments.list_(ctx, form_id=form_id)]}


@router.endpoint(
    "POST",
    "/{form_id}/assignments",
    status_code=201,
    response_model=None,
    responses={201: {"model": AssignmentShape}},
    summary="Assign a form from a period on: to an organisation, a kind of organisation, or every one",
    admin=True,
)
async def assign(form_id: FormId, body: assignments.AssignmentSpec, ctx: Context = ContextDep) -> dict[str, Any]:
    return assignment_shape(await assignments.assign(ctx, form_id=form_id, spec=body))


@router.endpoint(
    "PUT",
    "/{form_id}/deadlines/{period_id}",
    response_model=None,
    responses={200: {"model": DeadlineShape}},
    summary="Set a form's deadlines for a period (a deadline left out keeps its value)",
    admin=True,
)
async def set_deadlines(
    form_id: FormId, period_id: PeriodId, body: assignments.DeadlineSpec, ctx: Context = ContextDep
) -> dict[str, Any]:
    deadline = await assignments.set_deadlines(ctx, form_id=form_id, period_id=period_id, spec=body)
    return {
        "form_id": deadline.form_id,
        "period_id": deadline.period_id,
        "submission_deadline": deadline.submission_deadline.isoformat() if deadline.submission_deadline else None,
        "correction_deadline": deadline.correction_deadline.isoformat() if deadline.correction_deadline else None,
    }
