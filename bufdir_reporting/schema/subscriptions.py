"""Live updates over websockets (graphql-transport-ws): each field calls its topic's use case
(``follow_<topic>``), which checks who may follow it before anything is subscribed, and turns
the typed events it yields into GraphQL types (``live_events``).

Each event resolves the fresh snapshot with loaders created for that event and shared by every
local subscriber of it (one read and one decoding per change, not per subscriber); the loaders
cache rows only, and every field still checks the principal. Subscribers of one event with the
same document, variables and principal share one execution of their selection
(``SharedEventResults``): a thousand dashboards on one organisation cost one execution per
change, not a thousand. A subscriber that falls behind is disconnected with close code 4429
(``GraphQLContext.fell_behind``). One that reconnects passes ``afterEventId`` (the greatest
``eventId`` it received) and gets what it missed from the event log first.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from ..importing import uploads
from ..resolvers.base import event_log
from ..resolvers.reporting import live as reporting_live
from ..resolvers.reporting import status
from ..resolvers.snapshots import live as snapshots_live
from .activity_import import ActivityImportType
from .context import Info
from .live_events import (
    DataUpdatedEvent,
    FormAssignmentsChanged,
    ReportRecordEvent,
    SnapshotStatusEvent,
    SubmissionReviewEvent,
    ValueNoteEvent,
    live,
)
from .node import public_key, public_key_or_none
from .reporting_status import OrganizationReportingStatus, ReportingRates, rates_of
from .shaped import made


def _after(event_id: strawberry.ID | None) -> int | None:
    return event_log.resume_point(event_id, field="afterEventId")


class SharedEventResults(StrawberryGraphQLCoreExecutionContext):
    """Executes a subscription's selection once per event for every local subscriber with the
    same document, variables and principal, and hands each of them that result. The store
    lives on the event (``Delivery.shared``), so it is gone with the event; other operations
    execute as usual."""

    def build_per_event_executor(self, payload: Any) -> Any:
        # graphql-core's per-event copy shares the parent's sub-field memo, keyed by lists made
        # for each event and kept alive with it: it grew by ~11 KB per event for every live
        # subscription. Each event memoises on its own, and the memo goes with the event.
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        shared = getattr(self.root_value, "shared", None)
        if not isinstance(shared, dict):
            return super().execute_operation(serially)
        principal = getattr(self.context_value, "principal", None)
        variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=str)
        key = ("result", principal, id(self.operation), variables)
        if key not in shared:
            result = super().execute_operation(serially)
            shared[key] = asyncio.ensure_future(result) if self.is_awaitable(result) else result
        return shared[key]


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        description="Explanations, comments and answers about an organisation's values (its users, reviewers, admins); "
        "without organizationId, every organisation's (reviewers and admins)."
    )
    async def value_note_added(
        self, info: Info, organization_id: strawberry.ID | None = None, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[ValueNoteEvent, None]:
        org = public_key_or_none("Organization", organization_id)
        notes = await snapshots_live.follow_value_notes(info.context, organization_id=org, after_event_id=_after(after_event_id))
        async for delivery in notes:
            yield live(ValueNoteEvent, delivery)

    @strawberry.subscription(description="Every change to an organisation's data, whatever the period.")
    async def organization_data_changed(
        self, info: Info, organization_id: strawberry.ID, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[DataUpdatedEvent, None]:
        org = public_key("Organization", organization_id)
        changes = await snapshots_live.follow_organization_data(
            info.context, organization_id=org, after_event_id=_after(after_event_id)
        )
        async for delivery in changes:
            yield live(DataUpdatedEvent, delivery)

    @strawberry.subscription(description="Report records of an organisation as they are generated, changed or deleted.")
    async def report_record_changed(
        self, info: Info, organization_id: strawberry.ID, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[ReportRecordEvent, None]:
        org = public_key("Organization", organization_id)
        records = await reporting_live.follow_report_records(
            info.context, organization_id=org, after_event_id=_after(after_event_id)
        )
        async for delivery in records:
            yield live(ReportRecordEvent, delivery)

    @strawberry.subscription(
        description="Review steps of an organisation's submissions (its users, reviewers, admins); without "
        "organizationId, every organisation's (reviewers and admins)."
    )
    async def submission_review_changed(
        self, info: Info, organization_id: strawberry.ID | None = None, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[SubmissionReviewEvent, None]:
        org = public_key_or_none("Organization", organization_id)
        steps = await reporting_live.follow_submission_reviews(
            info.context, organization_id=org, after_event_id=_after(after_event_id)
        )
        async for delivery in steps:
            yield live(SubmissionReviewEvent, delivery)

    @strawberry.subscription(
        description="Progress of an import you committed: the import as it stands now, then after every chunk "
        "written, and its outcome as stored (with its errors, if refused); ends when it is done, refused or failed."
    )
    async def activity_import_progress(self, info: Info, import_id: strawberry.ID) -> AsyncGenerator[ActivityImportType, None]:
        key = public_key("ActivityImport", import_id)
        now: ActivityImportType | None = None
        async for state in await uploads.follow_progress(info.context, import_id=key):
            if state.stored is not None:  # the first and the last: the import whole, as stored
                now = ActivityImportType.of(state.stored)
            elif now is not None:
                now = now.moved(state.progress)
            if now is not None:
                yield now

    @strawberry.subscription(description="Every change to an organisation's data for a period.")
    async def aggregated_data_changed(
        self, info: Info, organization_id: strawberry.ID, period_id: strawberry.ID, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[DataUpdatedEvent, None]:
        org, period = public_key("Organization", organization_id), public_key("Period", period_id)
        changes = await snapshots_live.follow_aggregated_data(
            info.context, organization_id=org, period_id=period, after_event_id=_after(after_event_id)
        )
        async for delivery in changes:
            yield live(DataUpdatedEvent, delivery)

    @strawberry.subscription(
        description="Reviewers and admins: an organisation's reporting status for the period, each time it may have "
        "moved (a first snapshot, a submission, a review step, a reopening)."
    )
    async def reporting_status_changed(
        self, info: Info, period_id: strawberry.ID, form_id: strawberry.ID | None = None
    ) -> AsyncGenerator[OrganizationReportingStatus, None]:
        scope = status.Scope(public_key("Period", period_id), public_key_or_none("ReportForm", form_id))
        async for row in await reporting_live.follow_reporting_status(info.context, scope=scope):
            yield OrganizationReportingStatus.of(row)

    @strawberry.subscription(
        description="Reviewers and admins: a form's reporting rates for the period, now and each time an organisation's "
        "state may have moved."
    )
    async def reporting_rates_changed(
        self,
        info: Info,
        period_id: strawberry.ID,
        form_id: strawberry.ID | None = None,
        under_organization_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[ReportingRates, None]:
        scope = status.Scope(
            public_key("Period", period_id),
            public_key_or_none("ReportForm", form_id),
            public_key_or_none("Organization", under_organization_id),
        )
        async for rates in await reporting_live.follow_reporting_rates(info.context, scope=scope):
            yield rates_of(rates)

    @strawberry.subscription(description="Who must report a form changed (without formId: any form's; public, as forms are).")
    async def form_assignments_changed(
        self, info: Info, form_id: strawberry.ID | None = None
    ) -> AsyncGenerator[FormAssignmentsChanged, None]:
        changes = await reporting_live.follow_form_assignments(info.context, form_id=public_key_or_none("ReportForm", form_id))
        async for delivery in changes:
            yield made(FormAssignmentsChanged, delivery.event)

    @strawberry.subscription(description="Status changes of one snapshot.")
    async def snapshot_status_changed(
        self, info: Info, snapshot_id: strawberry.ID, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[SnapshotStatusEvent, None]:
        key = public_key("Snapshot", snapshot_id)
        changes = await snapshots_live.follow_snapshot_status(
            info.context, snapshot_id=key, after_event_id=_after(after_event_id)
        )
        async for delivery in changes:
            yield live(SnapshotStatusEvent, delivery)
