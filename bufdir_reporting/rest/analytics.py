"""Analytics over REST (no legacy contract: a path of its own): the table as JSON, the time
series, and the export as JSON-stat 2.0, CSV for Norwegian Excel or DHIS2 dataValueSets. The
same use cases as GraphQL's ``analytics`` and ``analyticsTimeSeries``; a selection is query
parameters, lists repeated (``fields=a&fields=b``)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic_core import to_json

from ..errors import InvalidInput, inputs_named
from ..models import OrganizationKind, PeriodType
from ..resolvers.analytics import encoding, table
from ..resolvers.analytics import export as exports
from ..resolvers.analytics.selection import Plan, Selection, ValueSource
from ..resolvers.base.context import Context
from ..resolvers.base.inputs import parse
from .analytics_shapes import (
    AnalyticsFieldShape,
    AnalyticsOrganizationShape,
    AnalyticsPeriodShape,
    AnalyticsPointShape,
    AnalyticsTableShape,
    AnalyticsTimeSeriesShape,
    Number,
)
from .routing import ContextDep, ContractRouter

router = ContractRouter("/api/v1/analytics", tag="analytics", printed_paths=False)


PARAMETERS = {
    "field_keys": "fields",
    "section_ids": "sections",
    "organization_ids": "organizations",
    "organization_kind": "kind",
    "subtree_of": "subtree_of",
    "roll_up": "roll_up",
    "period_ids": "periods",
    "period_type": "period_type",
    "period_from": "period_from",
    "period_to": "period_to",
    "form_id": "form",
    "source": "source",
}
"""Each of the selection's inputs (the use case's name) as a query parameter."""


async def selection(
    fields: Annotated[list[str], Query(description="field keys (repeat the parameter)")] = [],  # noqa: B006
    sections: Annotated[list[str], Query(description="every field of these sections")] = [],  # noqa: B006
    organizations: Annotated[list[str], Query(description="organisation ids")] = [],  # noqa: B006
    kind: OrganizationKind | None = None,
    subtree_of: Annotated[str | None, Query(max_length=64, description="an organisation and every one below it")] = None,
    roll_up: Annotated[bool, Query(description="with subtree_of: one row, each value the subtree's sum")] = False,
    periods: Annotated[list[str], Query(description="period ids")] = [],  # noqa: B006
    period_type: Annotated[PeriodType | None, Query(description="a range: every period of this type")] = None,
    period_from: Annotated[datetime.date | None, Query(description="the range's first day")] = None,
    period_to: Annotated[datetime.date | None, Query(description="the range's last day")] = None,
    form: Annotated[str | None, Query(max_length=64, description="only this form's figures")] = None,
    source: Annotated[
        ValueSource | None, Query(description="which figures count; approved unless every organisation is the caller's own")
    ] = None,
) -> Selection:
    with inputs_named(PARAMETERS):
        return parse(
            Selection,
            {
                "field_keys": fields,
                "section_ids": sections,
                "organization_ids": organizations,
                "organization_kind": kind,
                "subtree_of": subtree_of,
                "roll_up": roll_up,
                "period_ids": periods,
                "period_type": period_type,
                "period_from": period_from,
                "period_to": period_to,
                "form_id": form,
                "source": source,
            },
        )


def only_known(*extra: str) -> Any:
    """A dependency refusing a query parameter the route does not declare: FastAPI ignores one,
    so GraphQL's spelling (organization_kind for kind) answered every organisation."""
    known = frozenset(PARAMETERS.values()) | set(extra)

    async def check(request: Request) -> None:
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise InvalidInput(
                field=unknown[0], known=sorted(known), message_id="analytics.rest.unknown_parameter", values={"name": unknown[0]}
            )

    return Depends(check)


SelectionDep = Depends(selection)


def _dimensions(plan: Plan) -> dict[str, Any]:
    return {
        "fields": [
            AnalyticsFieldShape(key=f.key, label=f.label, section_id=f.section_id, data_type=f.data_type, unit=f.unit)
            for f in plan.fields
        ],
        "organizations": [AnalyticsOrganizationShape(id=o.id, name=o.name, kind=o.kind) for o in plan.organizations],
        "periods": [AnalyticsPeriodShape(id=p.id, name=p.name, type=p.type, start=p.start, end=p.end) for p in plan.periods],
    }


def _number(value: Decimal | None) -> Number:
    """``routing.number`` for a Decimal the use case made (no round trip through text: a table
    has thousands; bench S9)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@router.endpoint(
    "GET",
    "",
    "getAnalyticsTable",
    AnalyticsTableShape,
    errors={403},
    public=True,
    summary="Figures across fields, organisations and periods",
)
async def get_table(ctx: Context = ContextDep, asked: Selection = SelectionDep, _: None = only_known()) -> Response:
    with inputs_named(PARAMETERS):
        found = await encoding.query_json(ctx, selection=asked)
    planned = found.plan
    # AnalyticsTableShape's keys in its order, each part JSON text: the dimensions as plain
    # values through pydantic's encoder (a shape per organisation was a twentieth of the route,
    # bench S9), the cells and summaries as the use case wrote them (encoding)
    parts = {
        "source": to_json(planned.source.value).decode(),
        "form_id": to_json(planned.form_id).decode(),
        "fields": to_json(
            [
                {"key": f.key, "label": f.label, "section_id": f.section_id, "data_type": f.data_type.value, "unit": f.unit}
                for f in planned.fields
            ]
        ).decode(),
        "organizations": to_json([{"id": o.id, "name": o.name, "kind": o.kind.value} for o in planned.organizations]).decode(),
        "periods": to_json(
            [{"id": p.id, "name": p.name, "type": p.type.value, "start": p.start, "end": p.end} for p in planned.periods]
        ).decode(),
        "cells": found.cells,
        "summaries": found.summaries,
    }
    body = "{" + ",".join(f'"{key}":{part}' for key, part in parts.items()) + "}"
    return Response(body, media_type="application/json")


@router.endpoint(
    "GET",
    "/time-series",
    "getAnalyticsTimeSeries",
    AnalyticsTimeSeriesShape,
    errors={403},
    public=True,
    summary="One field of one organisation over periods",
)
async def get_time_series(
    ctx: Context = ContextDep, asked: Selection = SelectionDep, _: None = only_known()
) -> AnalyticsTimeSeriesShape:
    with inputs_named(PARAMETERS):
        series = await table.time_series(ctx, selection=asked)
    dimensions = _dimensions(series.plan)
    return AnalyticsTimeSeriesShape(
        source=series.plan.source,
        field=dimensions["fields"][0],
        organization=dimensions["organizations"][0],
        periods=dimensions["periods"],
        points=[
            AnalyticsPointShape(
                period_id=p.period_id, value=_number(p.value), status=p.status, approved=p.approved, change=_number(p.change)
            )
            for p in series.points
        ],
        reported_share=float(series.reported_share),
    )


TOTAL_CELLS = "X-Total-Cells"
"""The export's size in cells, sent before the body: what a client counts its progress against."""
MEDIA = {
    exports.ExportFormat.JSONSTAT: "application/json",
    exports.ExportFormat.CSV: "text/csv; charset=utf-8",
    exports.ExportFormat.DHIS2: "application/json",
}


@router.endpoint(
    "GET",
    "/export",
    "exportAnalytics",
    None,
    errors={403},
    public=True,
    summary="The selection as JSON-stat 2.0, CSV for Norwegian Excel, or DHIS2 dataValueSets (streamed)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "JSON-stat 2.0 dataset, CSV (UTF-8 with BOM, ';', decimal comma) or DHIS2 dataValueSets",
            "content": {"application/json": {"schema": {"type": "object"}}, "text/csv": {"schema": {"type": "string"}}},
            "headers": {
                "X-Total-Cells": {
                    "description": "the export's cells: its progress is the CSV lines or JSON-stat values received so far",
                    "schema": {"type": "integer"},
                }
            },
        }
    },
)
async def export_table(
    ctx: Context = ContextDep,
    asked: Selection = SelectionDep,
    format: exports.ExportFormat = exports.ExportFormat.JSONSTAT,
    _: None = only_known("format"),
) -> StreamingResponse:
    with inputs_named(PARAMETERS):
        found = await exports.export(ctx, selection=asked, format=format)
    # A streamed export has no length before its last byte, so its progress is counted in cells:
    # the total here, and the body one CSV line or one JSON-stat value per cell (README).
    headers = {"Content-Disposition": f'attachment; filename="{found.file_name}"', TOTAL_CELLS: str(found.plan.cell_count)}
    return StreamingResponse(found.body, media_type=MEDIA[format], headers=headers)
