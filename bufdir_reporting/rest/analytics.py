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
from pydantic import Field
from pydantic_core import to_json

from ..errors import InvalidInput, inputs_named
from ..models import FieldDataType, OrganizationKind, PeriodType
from ..resolvers.analytics import encoding, table
from ..resolvers.analytics import export as exports
from ..resolvers.analytics.selection import Plan, Selection, ValueSource
from ..resolvers.base.context import Context
from ..resolvers.base.inputs import parse
from .routing import ContextDep, ContractRouter
from .shapes import Shape, examples

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


def selection(
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

    def check(request: Request) -> None:
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise InvalidInput(
                field=unknown[0], known=sorted(known), message_id="analytics.rest.unknown_parameter", values={"name": unknown[0]}
            )

    return Depends(check)


SelectionDep = Depends(selection)
Number = int | float | None


class AnalyticsFieldShape(Shape):
    key: str
    label: str
    section_id: str
    data_type: FieldDataType
    unit: str | None


class AnalyticsOrganizationShape(Shape):
    id: str
    name: str
    kind: OrganizationKind


class AnalyticsPeriodShape(Shape):
    id: str
    name: str
    type: PeriodType
    start: datetime.date
    end: datetime.date


class AnalyticsPeersShape(Shape):
    rank: int = Field(description="1 for the largest value among the organisations of the same kind")
    of: int = Field(description="organisations of the kind with an approved value")
    median: Number
    lower_quartile: Number
    upper_quartile: Number


class AnalyticsCellShape(Shape):
    field_key: str
    organization_id: str
    period_id: str
    value: Number = Field(description="null: not reported; a reported 0 is 0")
    text: str | None
    status: table.CellStatus
    approved: bool
    peers: AnalyticsPeersShape | None = Field(description="its place among its peers of the same kind (no peer's value)")
    summed: bool = Field(
        default=False,
        description="a rolled-up row's value added up from its organisations' own figures (a count of distinct people "
        "counts a person once per branch; such a field takes the rolled-up form's own figure where there is one)",
    )


class AnalyticsSummaryShape(Shape):
    field_key: str
    period_id: str
    reported: int
    total: Number
    median: Number
    lower_quartile: Number
    upper_quartile: Number


_TABLE = {
    "source": "approved",
    "form_id": None,
    "fields": [
        {
            "key": "antall_nye_meldinger",
            "label": "Nye meldinger",
            "section_id": "undersokelser",
            "data_type": "integer",
            "unit": None,
        }
    ],
    "organizations": [{"id": "org-1042", "name": "Barnevernstjenesten Oslo Sør", "kind": "child_welfare_service"}],
    "periods": [{"id": "rp-2025-q1", "name": "1. kvartal 2025", "type": "quarter", "start": "2025-01-01", "end": "2025-03-31"}],
    "cells": [
        {
            "field_key": "antall_nye_meldinger",
            "organization_id": "org-1042",
            "period_id": "rp-2025-q1",
            "value": 47,
            "text": None,
            "status": "approved",
            "approved": True,
            "peers": None,
            "summed": False,
        }
    ],
    "summaries": [
        {
            "field_key": "antall_nye_meldinger",
            "period_id": "rp-2025-q1",
            "reported": 1,
            "total": 47,
            "median": 47,
            "lower_quartile": 47,
            "upper_quartile": 47,
        }
    ],
}


class AnalyticsTableShape(Shape):
    model_config = examples(_TABLE)

    source: ValueSource
    form_id: str | None
    fields: list[AnalyticsFieldShape]
    organizations: list[AnalyticsOrganizationShape]
    periods: list[AnalyticsPeriodShape]
    cells: list[AnalyticsCellShape]
    summaries: list[AnalyticsSummaryShape]


class AnalyticsPointShape(Shape):
    period_id: str
    value: Number
    status: table.CellStatus
    approved: bool
    change: Number = Field(description="the value minus the previous period's, where both were reported")


class AnalyticsTimeSeriesShape(Shape):
    source: ValueSource
    field: AnalyticsFieldShape
    organization: AnalyticsOrganizationShape
    periods: list[AnalyticsPeriodShape]
    points: list[AnalyticsPointShape]
    reported_share: float = Field(description="periods with a value over periods asked, 0..1")


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
    rest = AnalyticsTableShape(
        source=found.plan.source, form_id=found.plan.form_id, cells=[], summaries=[], **_dimensions(found.plan)
    ).model_dump(mode="json")
    # the shape's own keys in its order; cells and summaries come as JSON text (encoding: bench S9)
    parts = {key: to_json(value).decode() for key, value in rest.items()} | {"cells": found.cells, "summaries": found.summaries}
    body = "{" + ",".join(f'"{key}":{parts[key]}' for key in rest) + "}"
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
    exports.ExportFormat.JSONSTAT: ("application/json", "json"),
    exports.ExportFormat.CSV: ("text/csv; charset=utf-8", "csv"),
    exports.ExportFormat.DHIS2: ("application/json", "json"),
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
    media, extension = MEDIA[format]
    name = f"bufdir-analytics-{format.value}.{extension}"
    # A streamed export has no length before its last byte, so its progress is counted in cells:
    # the total here, and the body one CSV line or one JSON-stat value per cell (README).
    headers = {"Content-Disposition": f'attachment; filename="{name}"', TOTAL_CELLS: str(found.plan.cell_count)}
    return StreamingResponse(found.body, media_type=media, headers=headers)
