"""Contract: report-structure-mapper (``/api/v1/report-sections``)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Body, Depends, Query

from ..models import FieldDefinition, Period, Section
from ..resolvers.base.context import Context
from ..resolvers.base.pagination import Window
from ..resolvers.structure import sections
from ..resolvers.structure.inputs import SectionChange, SectionSpec
from ..rest.routing import (
    ContextDep,
    ContractRouter,
    FieldKey,
    LegacyFormIdQuery,
    PeriodIdQuery,
    SectionId,
    examples_of,
    number,
    page_window,
    pagination,
    stored_length,
)
from . import examples
from .shapes import report_sections as shapes

router = ContractRouter("/api/v1/report-sections", tag="report-sections")


def field_shape(definition: FieldDefinition) -> shapes.FieldShape:
    return shapes.FieldShape(
        field_key=definition.key,
        label=definition.label,
        description=definition.description,
        data_type=definition.data_type,
        required=definition.required,
        min_value=number(definition.min_value),
        max_value=number(definition.max_value),
        unit=definition.unit,
        aggregation_rule=definition.aggregation_rule or {"kind": "manual"},
        explain_large_change=definition.explain_large_change,
    )


async def summary_shape(ctx: Context, section: Section) -> shapes.SectionSummary:
    fields = await sections.fields_of(ctx, section=section)
    return shapes.SectionSummary(
        section_id=section.id,
        section_title=section.title,
        section_order=section.order,
        description=section.description,
        required_field_count=sum(f.required for f in fields),
        total_field_count=len(fields),
        is_active=section.is_active,
    )


@router.endpoint(
    "GET",
    "/required-fields",
    "getRequiredFields",
    shapes.RequiredFields,
    errors={404},
    summary="Required fields across active sections, optionally for a period",
    public=True,
)
async def get_required_fields(
    ctx: Context = ContextDep, period_id: PeriodIdQuery = None, form_id: LegacyFormIdQuery = None
) -> shapes.RequiredFields:
    at, fields = await sections.required_fields(ctx, period_id=period_id, form_id=form_id)
    titles = {s.id: s.title for s in await sections.sections_in_force(ctx, at=at)}
    return shapes.RequiredFields(
        period_id=period_id,
        total_required_fields=len(fields),
        required_fields=[
            shapes.RequiredField(field_key=f.key, label=f.label, section_id=f.section_id, section_title=titles[f.section_id])
            for f in fields
        ],
    )


@router.endpoint(
    "GET",
    "/fields/{field_key}/label",
    "getFieldLabel",
    shapes.FieldLabel,
    summary="The Norwegian label of a field key",
    public=True,
)
async def get_field_label(field_key: FieldKey, ctx: Context = ContextDep, period_id: PeriodIdQuery = None) -> shapes.FieldLabel:
    definition = await sections.field_by_key(ctx, field_key=field_key, period_id=period_id)
    section = await sections.get_or_raise(ctx, section_id=definition.section_id)
    return shapes.FieldLabel(
        field_key=definition.key,
        label=definition.label,
        description=definition.description,
        section_id=section.id,
        section_title=section.title,
    )


@router.endpoint(
    "GET",
    "",
    "listReportSections",
    shapes.SectionList,
    errors={404},
    summary="List section definitions, ordered by section_order",
    public=True,
)
async def list_sections(
    ctx: Context = ContextDep,
    window: Window = Depends(page_window),
    is_active: bool | None = Query(None),
    period_id: Annotated[
        str | None, Query(max_length=stored_length(Period, "id"), description="only sections that applied in this period")
    ] = None,
) -> shapes.SectionList:
    page = await sections.list_(ctx, window=window, is_active=is_active, period_id=period_id)
    items = await asyncio.gather(*(summary_shape(ctx, s) for s in page.items))
    return shapes.SectionList(data=list(items), pagination=pagination(page))


@router.endpoint(
    "POST",
    "",
    "createReportSection",
    shapes.SectionCreated,
    status_code=201,
    admin=True,
    errors={404, 409},
    summary="Create a section definition (admin only)",
)
async def create_section(
    spec: Annotated[SectionSpec, Body(openapi_examples=examples_of(contract=examples.SECTION_POST_REQUEST))],
    ctx: Context = ContextDep,
) -> shapes.SectionCreated:
    section = await sections.create(ctx, spec=spec)
    summary = await summary_shape(ctx, section)
    return shapes.SectionCreated(**dict(summary), created_at=section.created_at)


@router.endpoint(
    "GET",
    "/{section_id}",
    "getReportSection",
    shapes.SectionDetail,
    summary="One section with its field definitions and required fields",
    public=True,
)
async def get_section(section_id: SectionId, ctx: Context = ContextDep, period_id: PeriodIdQuery = None) -> shapes.SectionDetail:
    section = await sections.get_or_raise(ctx, section_id=section_id)
    at = await sections.view(ctx, period_id=period_id)
    fields = await sections.fields_of(ctx, section=section, at=at)
    return shapes.SectionDetail(
        section_id=section.id,
        section_title=section.title,
        section_order=section.order,
        description=section.description,
        is_active=section.is_active,
        fields=[field_shape(f) for f in fields],
        required_fields=[f.key for f in fields if f.required],
    )


@router.endpoint(
    "PUT",
    "/{section_id}",
    "updateReportSection",
    shapes.SectionUpdated,
    admin=True,
    errors={409},
    summary="Replace title, order and field list (admin only)",
)
async def update_section(
    section_id: SectionId,
    change: Annotated[SectionChange, Body(openapi_examples=examples_of(contract=examples.SECTION_PUT_REQUEST))],
    ctx: Context = ContextDep,
) -> shapes.SectionUpdated:
    section = await sections.update(ctx, section_id=section_id, change=change)
    summary = await summary_shape(ctx, section)
    return shapes.SectionUpdated(**dict(summary), updated_at=section.updated_at)


@router.endpoint(
    "DELETE",
    "/{section_id}",
    "deleteReportSection",
    shapes.SectionDeleted,
    admin=True,
    errors={409},
    summary="Deactivate a section (soft delete; kept for history)",
)
async def delete_section(
    section_id: SectionId,
    ctx: Context = ContextDep,
    effective_from_period_id: PeriodIdQuery = None,
) -> shapes.SectionDeleted:
    section = await sections.deactivate(ctx, section_id=section_id, effective_from_period_id=effective_from_period_id)
    return shapes.SectionDeleted(deleted=True, section_id=section.id, soft_delete=True)
