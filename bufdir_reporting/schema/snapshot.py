"""Snapshots in the graph: organisation, period, prior snapshot, sections, job; the values
themselves and what is said about them are in ``field_values``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry import relay

from .. import models
from ..language import argued
from ..resolvers import organizations, periods, snapshots
from ..resolvers.base.pagination import Window
from ..resolvers.base.rows import AnySnapshot, SnapshotRow
from ..resolvers.reporting import records
from ..resolvers.snapshots import section_values, validation
from ..resolvers.structure import forms
from .context import Info
from .enums import BufdirCategory
from .field_values import FieldValue, SnapshotSection, ValidationFinding
from .node import ModelNode, node_of, node_or_none, public_key, public_key_or_none
from .pagination import CountedConnection, resolve_connection
from .structure import SectionNode
from .translations import LanguageArgument, texts_of

if TYPE_CHECKING:
    from .activity import ActivityNode
    from .forms import ReportFormNode
    from .organization import OrganizationType
    from .period import PeriodNode
    from .reports import ReportRecordNode

strawberry.enum(models.SnapshotStatus, name="SnapshotStatus")
strawberry.enum(models.JobStatus, name="JobStatus")

SnapshotRoot = strawberry.Parent[AnySnapshot]


@strawberry.type(description="Participants, hours and activities in one Bufdir category.")
class CategoryMetrics:
    category: BufdirCategory
    activities: int
    participants: int
    hours: Decimal


@strawberry.type(description="Activity metrics of a snapshot.")
class SnapshotMetrics:
    activity_count: int | None
    participant_count: int | None
    unique_participants: int | None
    hours_delivered: Decimal | None
    categories: list[CategoryMetrics]


@strawberry.type(name="AggregationJob", description="A persisted aggregation run.")
class AggregationJobType(ModelNode):
    model = models.AggregationJob

    id: relay.NodeID[str]
    job_id: str = strawberry.field(description="The public key, e.g. job-agg-….", resolver=lambda root: root.id)
    status: models.JobStatus
    attempts: int
    error: str | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    duration_ms: int | None

    @classmethod
    async def fetch(cls, info: Info, key: str) -> models.AggregationJob:
        return await snapshots.get_job_or_raise(info.context, job_id=key)


@strawberry.type(name="Snapshot", description="One organisation's activities aggregated over a period or range.")
class SnapshotNode(ModelNode):
    model = models.Snapshot
    row = SnapshotRow

    id: relay.NodeID[str]
    snapshot_id: str = strawberry.field(resolver=lambda root: root.id)
    status: models.SnapshotStatus
    range_start: datetime.datetime
    range_end: datetime.datetime
    cache_valid: bool
    invalidation_reason: str | None
    invalidated_at: datetime.datetime | None
    field_count: int | None
    populated_field_count: int | None
    error: str | None
    aggregated_at: datetime.datetime | None
    created_at: datetime.datetime

    @strawberry.field
    @staticmethod
    def missing_required_fields(root: SnapshotRoot) -> list[str]:
        return list(root.missing_required_fields or [])

    @strawberry.field
    @staticmethod
    def metrics(root: SnapshotRoot) -> SnapshotMetrics:
        return SnapshotMetrics(
            activity_count=root.activity_count,
            participant_count=root.participant_count,
            unique_participants=root.unique_participants,
            hours_delivered=root.hours_delivered,
            categories=[
                CategoryMetrics(
                    category=BufdirCategory(name),
                    activities=c["activities"],
                    participants=c["participants"],
                    hours=Decimal(c["hours"]),
                )
                for name, c in snapshots.category_breakdown(root).items()
            ],
        )

    @strawberry.field
    @staticmethod
    async def organization(root: SnapshotRoot, info: Info) -> Annotated[OrganizationType, strawberry.lazy(".organization")]:
        return cast("OrganizationType", await organizations.get_or_raise(info.context, organization_id=root.organization_id))

    @strawberry.field
    @staticmethod
    async def period(root: SnapshotRoot, info: Info) -> Annotated[PeriodNode, strawberry.lazy(".period")] | None:
        if root.period_id is None:
            return None
        return cast("PeriodNode", await periods.get_or_raise(info.context, period_id=root.period_id))

    @strawberry.field(description="The report form it holds the figures of (the default form: every section).")
    @staticmethod
    async def form(root: SnapshotRoot, info: Info) -> Annotated[ReportFormNode, strawberry.lazy(".forms")]:
        return cast("ReportFormNode", await forms.get_or_raise(info.context, form_id=root.form_id or models.DEFAULT_FORM))

    @strawberry.field(description="The prior period's snapshot the prior values came from.")
    @staticmethod
    async def prior_snapshot(root: SnapshotRoot, info: Info) -> Annotated[SnapshotNode, strawberry.lazy(__name__)] | None:
        if root.prior_snapshot_id is None:
            return None
        return node_or_none(SnapshotNode, await snapshots.get_or_raise(info.context, snapshot_id=root.prior_snapshot_id))

    @strawberry.field(
        description="The activities that count in it: those that occurred in its range (what metrics.activityCount "
        "counts), newest first."
    )
    @staticmethod
    async def activities(
        root: SnapshotRoot,
        info: Info,
        activity_type: str | None = None,
        category: BufdirCategory | None = None,
        status: str | None = None,
        source_system: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CountedConnection[Annotated[ActivityNode, strawberry.lazy(".activity")]]:
        from .activity import activities_connection

        return await activities_connection(
            info,
            organization_id=root.organization_id,
            start=root.range_start,
            end=root.range_end,
            activity_type=activity_type,
            category=category,
            status=status,
            source_system=source_system,
            first=first,
            after=after,
        )

    @strawberry.field(description="Field values grouped by the sections of this snapshot's structure.")
    @staticmethod
    async def sections(root: SnapshotRoot, info: Info) -> list[SnapshotSection]:
        groups = await section_values.by_section(info.context, snapshot=root)
        texts = await texts_of(info, None)
        return [
            SnapshotSection(
                id=strawberry.ID(f"{root.id}/{g.section.id}"),
                section=node_of(SectionNode, g.section),
                field_values=[FieldValue.of(v, d, texts) for v, d in g.values],
            )
            for g in groups
        ]

    @strawberry.field
    @staticmethod
    async def field_values(root: SnapshotRoot, info: Info) -> list[FieldValue]:
        values = await section_values.values_of(info.context, snapshot=root)
        texts = await texts_of(info, None)
        return [FieldValue.of(v, await section_values.definition_of(info.context, v), texts) for v in values]

    @strawberry.field(
        description="Per field: errors (required missing, outside min/max) and warnings (outliers, large changes); "
        "then the form's validation rules across fields."
    )
    @staticmethod
    async def validation(root: SnapshotRoot, info: Info, language: LanguageArgument = None) -> list[ValidationFinding]:
        findings = await validation.validate(info.context, snapshot=root, language=argued(language))
        return [ValidationFinding.of(f) for f in findings]

    @strawberry.field(description="Report files generated from this snapshot.")
    @staticmethod
    async def report_records(root: SnapshotRoot, info: Info) -> list[Annotated[ReportRecordNode, strawberry.lazy(".reports")]]:
        page = await records.list_(
            info.context,
            window=Window(0, info.context.settings.max_page_size),
            organization_id=root.organization_id,
            snapshot_id=root.id,
        )
        return cast("list[ReportRecordNode]", page.items)

    @strawberry.field(description="The latest aggregation job of this snapshot.")
    @staticmethod
    async def job(root: SnapshotRoot, info: Info) -> AggregationJobType | None:
        return node_or_none(AggregationJobType, await snapshots.latest_job(info.context, snapshot=root))

    @classmethod
    async def fetch(cls, info: Info, key: str) -> SnapshotRow:
        return await snapshots.get_or_raise(info.context, snapshot_id=key)


@strawberry.type
class SnapshotQuery:
    @strawberry.field(description="One snapshot by id or global ID.")
    async def snapshot(self, info: Info, id: strawberry.ID) -> SnapshotNode | None:
        return node_of(SnapshotNode, await SnapshotNode.fetch(info, public_key("Snapshot", id)))

    @strawberry.field(description="Snapshots you may see, newest first.")
    async def snapshots(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        period_id: strawberry.ID | None = None,
        status: models.SnapshotStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CountedConnection[SnapshotNode]:
        organization = public_key_or_none("Organization", organization_id)
        period = public_key_or_none("Period", period_id)
        return await resolve_connection(
            CountedConnection[SnapshotNode],
            info,
            lambda window: snapshots.list_(
                info.context, window=window, organization_id=organization, period_id=period, status=status
            ),
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.type(description="What a trigger started, or the snapshot that already answers.")
class TriggerResult:
    snapshot: SnapshotNode
    job_id: str | None
    estimated_completion_seconds: int


@strawberry.type
class SnapshotMutation:
    @strawberry.mutation(description="Aggregate an organisation's period; returns at once, the job runs in the background.")
    async def trigger_aggregation(
        self,
        info: Info,
        organization_id: strawberry.ID,
        period_id: strawberry.ID,
        force: bool = False,
        form_id: strawberry.ID | None = None,
    ) -> TriggerResult:
        triggered = await snapshots.trigger(
            info.context,
            organization_id=public_key("Organization", organization_id),
            period_id=public_key("Period", period_id),
            form_id=public_key_or_none("ReportForm", form_id),
            force=force,
        )
        return TriggerResult(
            snapshot=node_of(SnapshotNode, triggered.snapshot),
            job_id=triggered.job.id if triggered.job else None,
            estimated_completion_seconds=triggered.estimated_completion_seconds,
        )

    @strawberry.mutation(description="Mark a snapshot's cache invalid and re-aggregate; returns the invalidated snapshot.")
    async def invalidate_snapshot(self, info: Info, id: strawberry.ID, reason: str) -> SnapshotNode:
        snapshot, _ = await snapshots.invalidate(info.context, snapshot_id=public_key("Snapshot", id), reason=reason)
        return node_of(SnapshotNode, snapshot)

    @strawberry.mutation(description="Delete a snapshot (not one that is processing or was reported).")
    async def delete_snapshot(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        snapshot = await snapshots.delete(info.context, snapshot_id=public_key("Snapshot", id))
        return strawberry.ID(snapshot.id)
