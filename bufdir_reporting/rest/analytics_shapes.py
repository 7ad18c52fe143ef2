"""The answers of the analytics routes (``rest.analytics``) as REST shapes: the table, its
cells and summaries, the time series. The route writes the table's cells and summaries as JSON
text in these shapes' keys and order (``resolvers.analytics.encoding``)."""

from __future__ import annotations

import datetime

from pydantic import Field

from ..models import FieldDataType, OrganizationKind, PeriodType
from ..resolvers.analytics import table
from ..resolvers.analytics.selection import ValueSource
from .shapes import Shape, examples

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
