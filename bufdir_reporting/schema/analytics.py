"""Analytics in the graph: a typed table (dimensions, then cells with value, status and whether
it was approved; totals; peer positions) and a time series. The use cases are
``resolvers.analytics``; REST answers the same as JSON, CSV, JSON-stat and DHIS2."""

from __future__ import annotations

import datetime
import decimal

import strawberry

from .. import models
from ..errors import inputs_named
from ..resolvers.analytics import table
from ..resolvers.analytics.dimensions import FieldInfo, OrganizationInfo, PeriodInfo
from ..resolvers.analytics.selection import Plan, Selection, ValueSource
from ..resolvers.analytics.stats import Position
from ..resolvers.base.inputs import parse

# The enums these types name are registered (described) where they belong; imported first so
# Strawberry does not make a second, undescribed one of its own.
from . import organization as _organization  # noqa: F401
from . import period as _period  # noqa: F401
from . import structure as _structure  # noqa: F401
from .context import Info

strawberry.enum(
    ValueSource,
    name="ValueSource",
    description="Which figures count: APPROVED (each organisation's latest approved submission; the default for anyone "
    "but the organisation itself), LATEST_SUBMITTED (its latest submission not reopened), CURRENT (its current snapshots).",
)
strawberry.enum(
    table.CellStatus,
    name="AnalyticsCellStatus",
    description="Where a cell's figure stands: DRAFT (a current snapshot not submitted), a submission's review state, "
    "PARTIAL (a rolled-up cell missing or not approved for some organisations), MISSING (no figures counted), "
    "WITHHELD (figures the caller may not read).",
)


@strawberry.input(description="What an analytics query selects: fields x organisations x periods, and which figures count.")
class AnalyticsSelection:
    field_keys: list[str] = strawberry.field(default_factory=list, description="Fields by key.")
    section_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Every field of these sections.")
    organization_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Organisations by id.")
    organization_kind: models.OrganizationKind | None = strawberry.field(
        default=None, description="Every organisation of a kind."
    )
    subtree_of: strawberry.ID | None = strawberry.field(default=None, description="An organisation and every one below it.")
    roll_up: bool = strawberry.field(default=False, description="With subtreeOf: one row, each value the subtree's sum.")
    period_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Periods by id.")
    period_type: models.PeriodType | None = strawberry.field(default=None, description="A range: every period of this type.")
    period_from: datetime.date | None = strawberry.field(default=None, description="The range's first day.")
    period_to: datetime.date | None = strawberry.field(default=None, description="The range's last day.")
    form_id: strawberry.ID | None = strawberry.field(default=None, description="Only this form's figures.")
    source: ValueSource | None = strawberry.field(default=None, description="Which figures count (see ValueSource).")


ARGUMENTS = {
    name: "selection." + name.split("_")[0] + "".join(part.title() for part in name.split("_")[1:])
    for name in Selection.model_fields
}
"""Each of the selection's inputs (the use case's name) as GraphQL spells it: a refusal names
``selection.fieldKeys``, not REST's ``fields`` or the use case's ``field_keys``."""


def _selection(selection: AnalyticsSelection) -> Selection:
    return parse(
        Selection,
        {
            "field_keys": selection.field_keys,
            "section_ids": [str(s) for s in selection.section_ids],
            "organization_ids": [str(o) for o in selection.organization_ids],
            "organization_kind": selection.organization_kind,
            "subtree_of": selection.subtree_of,
            "roll_up": selection.roll_up,
            "period_ids": [str(p) for p in selection.period_ids],
            "period_type": selection.period_type,
            "period_from": selection.period_from,
            "period_to": selection.period_to,
            "form_id": selection.form_id,
            "source": selection.source,
        },
    )


@strawberry.type(name="AnalyticsField", description="A field of the table (a category of its field dimension).")
class AnalyticsFieldType:
    key: str
    label: str
    section_id: str
    data_type: models.FieldDataType
    unit: str | None

    @staticmethod
    def of(found: FieldInfo) -> AnalyticsFieldType:
        return AnalyticsFieldType(
            key=found.key, label=found.label, section_id=found.section_id, data_type=found.data_type, unit=found.unit
        )


@strawberry.type(name="AnalyticsOrganization", description="An organisation of the table (a row, or a subtree rolled up).")
class AnalyticsOrganizationType:
    id: strawberry.ID
    name: str
    kind: models.OrganizationKind

    @staticmethod
    def of(found: OrganizationInfo) -> AnalyticsOrganizationType:
        return AnalyticsOrganizationType(id=strawberry.ID(found.id), name=found.name, kind=found.kind)


@strawberry.type(name="AnalyticsPeriod", description="A period of the table.")
class AnalyticsPeriodType:
    id: strawberry.ID
    name: str
    type: models.PeriodType
    start: datetime.date
    end: datetime.date

    @staticmethod
    def of(found: PeriodInfo) -> AnalyticsPeriodType:
        return AnalyticsPeriodType(id=strawberry.ID(found.id), name=found.name, type=found.type, start=found.start, end=found.end)


@strawberry.type(description="A cell's place among the organisations of the same kind, no peer's value shown.")
class PeerPosition:
    rank: int = strawberry.field(description="1 for the largest approved value among the organisations of the kind.")
    of: int = strawberry.field(description="Organisations of the kind with an approved value.")
    median: decimal.Decimal
    lower_quartile: decimal.Decimal
    upper_quartile: decimal.Decimal

    @staticmethod
    def of_(found: Position | None) -> PeerPosition | None:
        if found is None:
            return None
        return PeerPosition(
            rank=found.rank,
            of=found.of,
            median=found.median,
            lower_quartile=found.lower_quartile,
            upper_quartile=found.upper_quartile,
        )


@strawberry.type(description="One figure: a field of an organisation in a period.")
class AnalyticsCell:
    field_key: str
    organization_id: strawberry.ID
    period_id: strawberry.ID
    value: decimal.Decimal | None = strawberry.field(description="Null: not reported (or missing); a reported 0 is 0.")
    text: str | None = strawberry.field(description="A text field's value.")
    status: table.CellStatus
    approved: bool
    peers: PeerPosition | None = strawberry.field(description="Its place among its peers of the same kind (numeric fields).")
    summed: bool = strawberry.field(
        default=False,
        description="A rolled-up row's value added up from its organisations' own figures (a count of distinct people "
        "counts a person once per branch; such a field takes the rolled-up form's own figure where there is one).",
    )


@strawberry.type(description="A field in a period across the table's organisations.")
class AnalyticsSummary:
    field_key: str
    period_id: strawberry.ID
    reported: int = strawberry.field(description="Organisations with a value.")
    total: decimal.Decimal | None
    median: decimal.Decimal | None
    lower_quartile: decimal.Decimal | None
    upper_quartile: decimal.Decimal | None


def _summary(found: table.Summary) -> AnalyticsSummary:
    spread = found.spread
    return AnalyticsSummary(
        field_key=found.field_key,
        period_id=strawberry.ID(found.period_id),
        reported=found.reported,
        total=spread.total if spread else None,
        median=spread.median if spread else None,
        lower_quartile=spread.lower_quartile if spread else None,
        upper_quartile=spread.upper_quartile if spread else None,
    )


@strawberry.type(description="Figures across fields, organisations and periods: the dimensions, then the cells in their order.")
class AnalyticsTable:
    source: ValueSource
    form_id: strawberry.ID | None
    fields: list[AnalyticsFieldType]
    organizations: list[AnalyticsOrganizationType]
    periods: list[AnalyticsPeriodType]
    cells: list[AnalyticsCell] = strawberry.field(description="Field by field, organisation by organisation, period by period.")
    summaries: list[AnalyticsSummary] = strawberry.field(description="Each field and period: total, median and quartiles.")


@strawberry.type(description="A period of a time series.")
class TimeSeriesPoint:
    period_id: strawberry.ID
    value: decimal.Decimal | None
    status: table.CellStatus
    approved: bool
    change: decimal.Decimal | None = strawberry.field(
        description="The value minus the previous period's, where both were reported."
    )


@strawberry.type(description="One field of one organisation (or subtree rolled up) over periods.")
class AnalyticsTimeSeries:
    source: ValueSource
    field: AnalyticsFieldType
    organization: AnalyticsOrganizationType
    periods: list[AnalyticsPeriodType]
    points: list[TimeSeriesPoint]
    reported_share: float = strawberry.field(description="Periods with a value over periods asked, 0..1.")


def _dimensions(plan: Plan) -> tuple[list[AnalyticsFieldType], list[AnalyticsOrganizationType], list[AnalyticsPeriodType]]:
    return (
        [AnalyticsFieldType.of(f) for f in plan.fields],
        [AnalyticsOrganizationType.of(o) for o in plan.organizations],
        [AnalyticsPeriodType.of(p) for p in plan.periods],
    )


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        description="Figures across fields, organisations and periods. Anonymous callers get approved figures of public "
        "forms; a token adds its organisations (and their subtrees); reviewers and admins read all."
    )
    async def analytics(self, info: Info, selection: AnalyticsSelection) -> AnalyticsTable:
        with inputs_named(ARGUMENTS):
            found = await table.query(info.context, selection=_selection(selection))
        fields, organizations, periods = _dimensions(found.plan)
        return AnalyticsTable(
            source=found.plan.source,
            form_id=strawberry.ID(found.plan.form_id) if found.plan.form_id else None,
            fields=fields,
            organizations=organizations,
            periods=periods,
            cells=[
                AnalyticsCell(
                    field_key=c.field_key,
                    organization_id=strawberry.ID(c.organization_id),
                    period_id=strawberry.ID(c.period_id),
                    value=c.value,
                    text=c.text,
                    status=c.status,
                    approved=c.approved,
                    peers=PeerPosition.of_(c.peers),
                    summed=c.summed,
                )
                for c in found.cells
            ],
            summaries=[_summary(s) for s in found.summaries],
        )

    @strawberry.field(description="One field of one organisation (or a subtree rolled up) over periods.")
    async def analytics_time_series(self, info: Info, selection: AnalyticsSelection) -> AnalyticsTimeSeries:
        with inputs_named(ARGUMENTS):
            series = await table.time_series(info.context, selection=_selection(selection))
        fields, organizations, periods = _dimensions(series.plan)
        return AnalyticsTimeSeries(
            source=series.plan.source,
            field=fields[0],
            organization=organizations[0],
            periods=periods,
            points=[
                TimeSeriesPoint(
                    period_id=strawberry.ID(p.period_id), value=p.value, status=p.status, approved=p.approved, change=p.change
                )
                for p in series.points
            ],
            reported_share=float(series.reported_share),
        )
