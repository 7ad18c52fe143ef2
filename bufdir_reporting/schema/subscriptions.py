"""Live updates over websockets (graphql-transport-ws).

The principal is checked before the subscription is registered. Each event resolves the
fresh snapshot with loaders created for that event and shared by every local subscriber of
it (one read and one decoding per change, not per subscriber); the loaders cache rows only,
and every field still checks the principal. Subscribers of one event with the same document,
variables and principal share one execution of their selection (``SharedEventResults``):
a thousand dashboards on one organisation cost one execution per change, not a thousand.
A subscriber that falls behind is disconnected with close code 4429. One that reconnects passes
``afterEventId`` (the greatest ``eventId`` it received) and gets what it missed from the event log
first (``event_log.Resumption``).
"""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from starlette.websockets import WebSocket
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from .. import events, models
from ..events import Delivery, SubscriberTooSlow
from ..importing import uploads
from ..operations.close_codes import TOO_SLOW
from ..resolvers import snapshots
from ..resolvers.base import access, event_log, notify
from ..resolvers.base.loaders import Loaders
from ..resolvers.reporting import status
from ..resolvers.snapshots import watch
from ..resolvers.structure import forms
from ..timefmt import parse_z
from .activity_import import FINAL as IMPORT_ENDED
from .activity_import import ActivityImportProgress
from .context import Info
from .node import node_of, public_key, public_key_or_none
from .reports import OrganizationReportingStatus, ReportingRates
from .snapshot import SnapshotNode


def _close_when_too_slow(info: Info) -> Any:
    def close() -> None:
        socket = info.context.request
        if isinstance(socket, WebSocket):
            asyncio.get_running_loop().create_task(socket.close(code=TOO_SLOW, reason="subscriber too slow"))

    return close


def _fresh_loaders(info: Info, delivery: Delivery) -> None:
    if "loaders" not in delivery.shared:  # made once per event, not per subscriber
        delivery.shared["loaders"] = Loaders()
    info.context.loaders = delivery.shared["loaders"]


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


@strawberry.type(description="Who must report a form changed: read its assignments again.")
class FormAssignmentsChanged:
    form_id: strawberry.ID


@strawberry.type(description="The documented data_updated event, with the fresh snapshot.")
class DataUpdatedEvent:
    shared: strawberry.Private[dict[str, Any]]
    event_id: int | None
    snapshot_id: str
    organization_id: str
    period_id: str | None
    changed_sections: list[str]
    changed_field_keys: list[str]
    updated_at: datetime.datetime

    @classmethod
    def of(cls, delivery: Delivery) -> DataUpdatedEvent:
        payload = delivery.payload
        return cls(
            shared=delivery.shared,
            event_id=payload.get("event_id"),
            snapshot_id=payload["snapshot_id"],
            organization_id=payload["organization_id"],
            period_id=payload.get("period_id"),
            changed_sections=payload["changed_sections"],
            changed_field_keys=payload["changed_field_keys"],
            updated_at=parse_z(payload["updated_at"]),
        )

    @strawberry.field(description="The snapshot the event concerns, as it is now.")
    async def snapshot(self, info: Info) -> SnapshotNode:
        return node_of(SnapshotNode, await snapshots.get_or_raise(info.context, snapshot_id=self.snapshot_id))


@strawberry.type(description="A snapshot moved to processing, current or failed.")
class SnapshotStatusEvent:
    shared: strawberry.Private[dict[str, Any]]
    event_id: int | None
    snapshot_id: str
    status: models.SnapshotStatus
    error: str | None
    updated_at: datetime.datetime

    @strawberry.field
    async def snapshot(self, info: Info) -> SnapshotNode:
        return node_of(SnapshotNode, await snapshots.get_or_raise(info.context, snapshot_id=self.snapshot_id))


async def _deliveries(info: Info, channel: str, after_event_id: strawberry.ID | None = None) -> AsyncGenerator[Delivery, None]:
    """The channel's events; with ``after_event_id``, those logged after it first (resuming)."""
    hub = info.context.events
    assert hub is not None, "the app's lifespan sets up the event hub"
    resumption = event_log.Resumption(channel, event_log.resume_point(after_event_id, field="afterEventId"))
    async with hub.subscribe(channel, on_overflow=_close_when_too_slow(info)) as subscription:
        try:
            async for delivery in resumption.missed():
                _fresh_loaders(info, delivery)
                yield delivery
            async for delivery in subscription:
                if resumption.is_new(delivery):
                    _fresh_loaders(info, delivery)
                    yield delivery
        except SubscriberTooSlow:
            return


@strawberry.type(description="A step in Bufdir's review of a submission.")
class SubmissionReviewEvent:
    event_id: int | None
    submission_id: str
    organization_id: str
    period_id: str
    version: int
    from_state: models.ReviewState | None = strawberry.field(description="None when the submission itself arrives.")
    review_state: models.ReviewState
    by: str
    reason: str | None
    updated_at: datetime.datetime


@strawberry.type(description="A report record was generated, changed or deleted.")
class ReportRecordEvent:
    event_id: int | None
    report_id: str
    organization_id: str
    snapshot_id: str | None
    status: models.ReportStatus
    updated_at: datetime.datetime


@strawberry.type(description="An explanation, comment or answer about a value.")
class ValueNoteEvent:
    event_id: int | None
    note_id: strawberry.ID
    organization_id: str
    period_id: str
    field_key: str
    kind: models.ValueNoteKind
    text: str
    author: str
    parent_id: strawberry.ID | None
    updated_at: datetime.datetime


def _one_organization_or_every(info: Info, organization_id: strawberry.ID | None) -> str | None:
    """The organisation followed (its users, reviewers, admins), or ``None``: every
    organisation's, which only reviewers and admins may follow."""
    org = public_key_or_none("Organization", organization_id)
    if org is None:
        access.require_review(info.context)
    else:
        access.require_read(info.context, org)
    return org


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        description="Explanations, comments and answers about an organisation's values (its users, reviewers, admins); "
        "without organizationId, every organisation's (reviewers and admins)."
    )
    async def value_note_added(
        self, info: Info, organization_id: strawberry.ID | None = None, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[ValueNoteEvent, None]:
        org = _one_organization_or_every(info, organization_id)
        async for delivery in _deliveries(info, events.value_note_channel(org), after_event_id):
            payload = delivery.payload
            yield ValueNoteEvent(
                event_id=payload.get("event_id"),
                note_id=strawberry.ID(str(payload["note_id"])),
                organization_id=payload["organization_id"],
                period_id=payload["period_id"],
                field_key=payload["field_key"],
                kind=models.ValueNoteKind(payload["kind"]),
                text=payload["text"],
                author=payload["author"],
                parent_id=None if payload.get("parent_id") is None else strawberry.ID(str(payload["parent_id"])),
                updated_at=parse_z(payload["updated_at"]),
            )

    @strawberry.subscription(description="Every change to an organisation's data, whatever the period.")
    async def organization_data_changed(
        self, info: Info, organization_id: strawberry.ID, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[DataUpdatedEvent, None]:
        org = public_key("Organization", organization_id)
        access.require_read(info.context, org)
        async for delivery in _deliveries(info, events.organization_data_channel(org), after_event_id):
            yield DataUpdatedEvent.of(delivery)

    @strawberry.subscription(description="Report records of an organisation as they are generated, changed or deleted.")
    async def report_record_changed(
        self, info: Info, organization_id: strawberry.ID, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[ReportRecordEvent, None]:
        org = public_key("Organization", organization_id)
        access.require_read(info.context, org)
        async for delivery in _deliveries(info, events.report_record_channel(org), after_event_id):
            payload = delivery.payload
            yield ReportRecordEvent(
                event_id=payload.get("event_id"),
                report_id=payload["report_id"],
                organization_id=payload["organization_id"],
                snapshot_id=payload.get("snapshot_id"),
                status=models.ReportStatus(payload["status"]),
                updated_at=parse_z(payload["updated_at"]),
            )

    @strawberry.subscription(
        description="Review steps of an organisation's submissions (its users, reviewers, admins); without "
        "organizationId, every organisation's (reviewers and admins)."
    )
    async def submission_review_changed(
        self, info: Info, organization_id: strawberry.ID | None = None, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[SubmissionReviewEvent, None]:
        org = _one_organization_or_every(info, organization_id)
        async for delivery in _deliveries(info, events.submission_review_channel(org), after_event_id):
            payload = delivery.payload
            yield SubmissionReviewEvent(
                event_id=payload.get("event_id"),
                submission_id=payload["submission_id"],
                organization_id=payload["organization_id"],
                period_id=payload["period_id"],
                version=payload["version"],
                from_state=models.ReviewState(payload["from_state"]) if payload.get("from_state") else None,
                review_state=models.ReviewState(payload["review_state"]),
                by=payload["by"],
                reason=payload.get("reason"),
                updated_at=parse_z(payload["updated_at"]),
            )

    @strawberry.subscription(
        description="Progress of an import you committed: its state now, then after every chunk written; "
        "ends when the import is done, refused or failed."
    )
    async def activity_import_progress(
        self, info: Info, import_id: strawberry.ID
    ) -> AsyncGenerator[ActivityImportProgress, None]:
        key = public_key("ActivityImport", import_id)
        await uploads.get(info.context, import_id=key)
        hub = info.context.events
        assert hub is not None, "the app's lifespan sets up the event hub"
        channel = events.activity_import_channel(key)
        async with hub.subscribe(channel, on_overflow=_close_when_too_slow(info)) as subscription:
            # read after subscribing: an import that ends in between is not missed
            now = ActivityImportProgress.of(notify.import_state(await uploads.get(info.context, import_id=key)))
            yield now
            if now.status in IMPORT_ENDED:
                return
            try:
                async for delivery in subscription:
                    progress = ActivityImportProgress.of(delivery.payload)
                    yield progress
                    if progress.status in IMPORT_ENDED:
                        return
            except SubscriberTooSlow:
                return

    @strawberry.subscription(description="Every change to an organisation's data for a period.")
    async def aggregated_data_changed(
        self, info: Info, organization_id: strawberry.ID, period_id: strawberry.ID, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[DataUpdatedEvent, None]:
        org, period = public_key("Organization", organization_id), public_key("Period", period_id)
        await watch.require_following(info.context, organization_id=org, period_id=period)
        async for delivery in _deliveries(info, events.data_updated_channel(org, period), after_event_id):
            yield DataUpdatedEvent.of(delivery)

    @strawberry.subscription(
        description="Reviewers and admins: an organisation's reporting status for the period, each time it may have "
        "moved (a first snapshot, a submission, a review step, a reopening)."
    )
    async def reporting_status_changed(
        self, info: Info, period_id: strawberry.ID, form_id: strawberry.ID | None = None
    ) -> AsyncGenerator[OrganizationReportingStatus, None]:
        scope = status.Scope(public_key("Period", period_id), public_key_or_none("ReportForm", form_id))
        await status.reporting_status(info.context, scope=scope)  # who may follow it, before anything is sent
        async for delivery in _deliveries(info, events.reporting_status_channel(scope.period_id)):
            rows = await status.reporting_status(info.context, scope=scope)
            moved = next((r for r in rows if r.organization.id == delivery.payload["organization_id"]), None)
            if moved is not None:
                yield OrganizationReportingStatus.of(moved)

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
        yield ReportingRates.of(await status.rates(info.context, scope=scope))
        async for _ in _deliveries(info, events.reporting_status_channel(scope.period_id)):
            yield ReportingRates.of(await status.rates(info.context, scope=scope))

    @strawberry.subscription(description="Who must report a form changed (without formId: any form's; public, as forms are).")
    async def form_assignments_changed(
        self, info: Info, form_id: strawberry.ID | None = None
    ) -> AsyncGenerator[FormAssignmentsChanged, None]:
        key = public_key_or_none("ReportForm", form_id)
        if key is not None:
            await forms.get_or_raise(info.context, form_id=key)
        async for delivery in _deliveries(info, events.form_assignments_channel(key)):
            yield FormAssignmentsChanged(form_id=strawberry.ID(delivery.payload["form_id"]))

    @strawberry.subscription(description="Status changes of one snapshot.")
    async def snapshot_status_changed(
        self, info: Info, snapshot_id: strawberry.ID, after_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[SnapshotStatusEvent, None]:
        key = public_key("Snapshot", snapshot_id)
        await snapshots.get_or_raise(info.context, snapshot_id=key)
        async for delivery in _deliveries(info, events.snapshot_status_channel(key), after_event_id):
            payload = delivery.payload
            yield SnapshotStatusEvent(
                shared=delivery.shared,
                event_id=payload.get("event_id"),
                snapshot_id=payload["snapshot_id"],
                status=models.SnapshotStatus(payload["status"]),
                error=payload.get("error"),
                updated_at=parse_z(payload["updated_at"]),
            )
